internal import COpenSSL

/// An EC P-256 private key held by OpenSSL (signing, key agreement).
public final class P256PrivateKey: @unchecked Sendable {
    // Immutable after init; OpenSSL allows concurrent use of an EVP_PKEY for signing.
    let pkey: OpaquePointer

    init(taking pkey: OpaquePointer) throws {
        self.pkey = pkey
        try P256PublicKey.requireP256(pkey)
        try P256PublicKey.useUncompressedPoints(pkey)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// A new random key from OpenSSL's DRBG.
    public convenience init() throws {
        let pkey = try OpenSSL.make("generating a P-256 key") { hub_EVP_PKEY_generate_ec("P-256") }
        try self.init(taking: pkey)
    }

    /// Loads a private key from PEM (PKCS#8 `PRIVATE KEY` or SEC 1 `EC PRIVATE KEY`).
    public convenience init(pem: String) throws {
        let pkey = try OpenSSL.withMemoryBIO(Array(pem.utf8)) { bio in
            ERR_clear_error()
            guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
                throw OpenSSL.error(.invalidKey, "not a PEM private key (or it is encrypted)")
            }
            return key
        }
        try self.init(taking: pkey)
    }

    /// Loads a key from its 32-byte big-endian private scalar, deriving the public point.
    public convenience init(rawScalar d: [UInt8]) throws {
        guard d.count == 32 else { throw HubProtocolError(.invalidKey, "a P-256 private scalar is 32 bytes") }
        ERR_clear_error()
        guard let group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1) else {
            throw OpenSSL.error(.crypto, "EC_GROUP_new_by_curve_name failed")
        }
        defer { EC_GROUP_free(group) }
        guard let priv = d.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, 32, nil) }) else {
            throw OpenSSL.error(.crypto, "BN_bin2bn failed")
        }
        defer { BN_clear_free(priv) }
        guard BN_is_zero(priv) == 0, BN_cmp(priv, EC_GROUP_get0_order(group)) < 0 else {
            throw HubProtocolError(.invalidKey, "the private scalar is not in [1, n-1]")
        }
        guard let point = EC_POINT_new(group) else { throw OpenSSL.error(.crypto, "EC_POINT_new failed") }
        defer { EC_POINT_free(point) }
        try OpenSSL.check("EC_POINT_mul") { EC_POINT_mul(group, point, priv, nil, nil, nil) }
        var pub = [UInt8](repeating: 0, count: 65)
        guard EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, &pub, 65, nil) == 65 else {
            throw OpenSSL.error(.crypto, "EC_POINT_point2oct failed")
        }
        guard let builder = OSSL_PARAM_BLD_new() else { throw OpenSSL.error(.crypto, "OSSL_PARAM_BLD_new failed") }
        defer { OSSL_PARAM_BLD_free(builder) }
        // The builder keeps the name, value and buffer pointers it is given and copies them only in
        // OSSL_PARAM_BLD_to_param, so names come from C constants (a Swift string argument is a
        // temporary) and `pub` stays pinned until the parameters are built.
        let params: UnsafeMutablePointer<OSSL_PARAM> = try pub.withUnsafeBufferPointer { pubBytes in
            try OpenSSL.check("setting the group") {
                OSSL_PARAM_BLD_push_utf8_string(builder, hub_OSSL_PKEY_PARAM_GROUP_NAME(), hub_SN_X9_62_prime256v1(), 0)
            }
            try OpenSSL.check("setting the private key") {
                OSSL_PARAM_BLD_push_BN(builder, hub_OSSL_PKEY_PARAM_PRIV_KEY(), priv)
            }
            try OpenSSL.check("setting the public key") {
                OSSL_PARAM_BLD_push_octet_string(builder, hub_OSSL_PKEY_PARAM_PUB_KEY(), pubBytes.baseAddress, 65)
            }
            return try OpenSSL.make("OSSL_PARAM_BLD_to_param") { OSSL_PARAM_BLD_to_param(builder) }
        }
        defer {
            // The parameter block holds a copy of the scalar.
            if let p = OSSL_PARAM_locate(params, hub_OSSL_PKEY_PARAM_PRIV_KEY()), let data = p.pointee.data {
                OPENSSL_cleanse(data, p.pointee.data_size)
            }
            OSSL_PARAM_free(params)
        }
        guard let ctx = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else {
            throw OpenSSL.error(.crypto, "EVP_PKEY_CTX_new_from_name failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        try OpenSSL.check("EVP_PKEY_fromdata_init") { EVP_PKEY_fromdata_init(ctx) }
        var pkey: OpaquePointer? = nil
        try OpenSSL.check("EVP_PKEY_fromdata") { EVP_PKEY_fromdata(ctx, &pkey, hub_EVP_PKEY_KEYPAIR(), params) }
        try self.init(taking: pkey!)
    }

    /// The matching public key.
    public var publicKey: P256PublicKey {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let n = i2d_PUBKEY(pkey, &out)
        precondition(n > 0 && out != nil, "i2d_PUBKEY failed on a private key")
        defer { hub_OPENSSL_free(out) }
        let der = Array(UnsafeBufferPointer(start: out, count: Int(n)))
        // A key that loaded as P-256 always has a valid public point.
        return try! P256PublicKey(derSubjectPublicKeyInfo: der)
    }

    /// The 32-byte private scalar. Callers must zeroise what they keep.
    public func rawScalar() throws -> [UInt8] {
        var bn: OpaquePointer? = nil
        try OpenSSL.check("reading the private scalar") { EVP_PKEY_get_bn_param(pkey, "priv", &bn) }
        defer { BN_clear_free(bn) }
        var out = [UInt8](repeating: 0, count: 32)
        guard BN_bn2binpad(bn, &out, 32) == 32 else { throw OpenSSL.error(.crypto, "BN_bn2binpad failed") }
        return out
    }

    /// Unencrypted PKCS#8 PEM (`PRIVATE KEY`). Write it only to a file of mode 0600.
    public func pkcs8PEM() throws -> String {
        let bytes = try OpenSSL.writingToMemoryBIO { bio in
            try OpenSSL.check("writing a PEM private key") {
                PEM_write_bio_PrivateKey(bio, pkey, nil, nil, 0, nil, nil)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
