internal import COpenSSL

/// An EC P-256 public key held by OpenSSL.
///
/// Every way in validates the point: it must be on the curve and not the point
/// at infinity, so later operations (verification, key agreement) never see an
/// invalid key.
public final class P256PublicKey: @unchecked Sendable {
    // Immutable after init; OpenSSL allows concurrent read-only use of an EVP_PKEY.
    let pkey: OpaquePointer

    /// DER prefix of a SubjectPublicKeyInfo for a P-256 uncompressed point
    /// (SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING 0x00 ... }).
    static let spkiPrefix: [UInt8] = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
        0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
    ]

    init(taking pkey: OpaquePointer) throws {
        self.pkey = pkey
        try Self.requireP256(pkey)
        try Self.checkPublic(pkey)
        try Self.useUncompressedPoints(pkey)
    }

    deinit { EVP_PKEY_free(pkey) }

    /// Loads a key from its affine coordinates (32 bytes each, big-endian), as in a JWK.
    public convenience init(x: [UInt8], y: [UInt8]) throws {
        guard x.count == 32, y.count == 32 else {
            throw HubProtocolError(
                .invalidKey,
                "P-256 coordinates must be 32 bytes each (got \(x.count) and \(y.count))"
            )
        }
        try self.init(uncompressedPoint: [0x04] + x + y)
    }

    /// Loads a key from an uncompressed SEC 1 point (`04 ‖ x ‖ y`, 65 bytes).
    public convenience init(uncompressedPoint point: [UInt8]) throws {
        guard point.count == 65, point[0] == 0x04 else {
            throw HubProtocolError(.invalidKey, "a P-256 public key must be a 65-byte uncompressed point")
        }
        try self.init(derSubjectPublicKeyInfo: Self.spkiPrefix + point)
    }

    /// Loads a key from a DER SubjectPublicKeyInfo; refuses other curves and key types.
    /// Only the one DER form a P-256 key has is taken (named curve,
    /// uncompressed point): OpenSSL's decoder would also take BER lengths,
    /// explicit curve parameters and compressed points.
    public convenience init(derSubjectPublicKeyInfo der: [UInt8]) throws {
        guard der.count == 91, Array(der.prefix(26)) == Self.spkiPrefix, der[26] == 0x04 else {
            throw HubProtocolError(
                .invalidKey,
                "not a DER P-256 SubjectPublicKeyInfo with a named curve and an uncompressed point"
            )
        }
        let pkey: OpaquePointer = try der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            ERR_clear_error()
            guard let key = d2i_PUBKEY(nil, &p, buffer.count) else {
                throw OpenSSL.error(.invalidKey, "not a valid DER public key")
            }
            guard p == buffer.baseAddress! + buffer.count else {
                EVP_PKEY_free(key)
                throw HubProtocolError(.invalidKey, "trailing bytes after the DER public key")
            }
            return key
        }
        do { try self.init(taking: pkey) } catch { throw error }
    }

    /// Loads a key from PEM (`-----BEGIN PUBLIC KEY-----`).
    public convenience init(pem: String) throws {
        let pkey = try OpenSSL.withMemoryBIO(Array(pem.utf8)) { bio in
            try OpenSSL.make("reading a PEM public key") { PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        }
        try self.init(taking: pkey)
    }

    /// The DER SubjectPublicKeyInfo.
    public var derSubjectPublicKeyInfo: [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let n = i2d_PUBKEY(pkey, &out)
        precondition(n > 0 && out != nil, "i2d_PUBKEY failed on a validated key")
        defer { hub_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }

    /// The uncompressed point `04 ‖ x ‖ y`.
    public var uncompressedPoint: [UInt8] {
        let der = derSubjectPublicKeyInfo
        precondition(der.count == 91 && Array(der.prefix(26)) == Self.spkiPrefix, "unexpected SPKI encoding")
        return Array(der.suffix(65))
    }

    /// The x coordinate, 32 bytes big-endian.
    public var x: [UInt8] { Array(uncompressedPoint[1..<33]) }
    /// The y coordinate, 32 bytes big-endian.
    public var y: [UInt8] { Array(uncompressedPoint[33..<65]) }

    /// PEM (`PUBLIC KEY`).
    public func pem() throws -> String {
        let bytes = try OpenSSL.writingToMemoryBIO { bio in
            try OpenSSL.check("writing a PEM public key") { PEM_write_bio_PUBKEY(bio, pkey) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func requireP256(_ pkey: OpaquePointer) throws {
        guard EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC else {
            throw HubProtocolError(.invalidKey, "the key is not an EC key")
        }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(pkey, &name, name.count, &length) == 1 else {
            throw OpenSSL.error(.invalidKey, "the EC key has no named curve")
        }
        let curve = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard curve == "prime256v1" || curve == "P-256" else {
            throw HubProtocolError(.invalidKey, "the EC key is on curve \(curve), not P-256")
        }
        // OpenSSL names a curve given by explicit parameters when they match P-256, even with a
        // wrong cofactor (Wycheproof ECDH tcId 359, 361); only named-curve keys are taken.
        var explicit: Int32 = 0
        ERR_clear_error()
        guard EVP_PKEY_get_int_param(pkey, "decoded-from-explicit", &explicit) == 1 else {
            throw OpenSSL.error(.invalidKey, "cannot tell whether the EC key names its curve")
        }
        guard explicit == 0 else {
            throw HubProtocolError(.invalidKey, "the EC key gives explicit curve parameters instead of naming P-256")
        }
    }

    /// Makes OpenSSL encode the key's point uncompressed, whatever form it was read in,
    /// so `uncompressedPoint` and `publicKey` always see `04 ‖ x ‖ y`.
    static func useUncompressedPoints(_ pkey: OpaquePointer) throws {
        try OpenSSL.check("setting the point format") {
            EVP_PKEY_set_utf8_string_param(pkey, "point-format", "uncompressed")
        }
    }

    static func checkPublic(_ pkey: OpaquePointer) throws {
        ERR_clear_error()
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            throw OpenSSL.error(.crypto, "EVP_PKEY_CTX_new_from_pkey failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_public_check(ctx) == 1 else {
            throw OpenSSL.error(.invalidKey, "the public key is not a valid P-256 point")
        }
    }
}

extension P256PublicKey: Equatable {
    public static func == (lhs: P256PublicKey, rhs: P256PublicKey) -> Bool {
        lhs.uncompressedPoint == rhs.uncompressedPoint
    }
}
