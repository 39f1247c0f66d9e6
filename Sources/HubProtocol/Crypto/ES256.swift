internal import COpenSSL

/// ECDSA over P-256 with SHA-256, signatures in the JOSE form (RFC 7518 §3.4):
/// the raw 64-byte `r ‖ s`, each 32 bytes big-endian, not DER.
public enum ES256 {
    /// Signs `message` (hashing it with SHA-256) and returns `r ‖ s`.
    public static func sign<Bytes: Collection<UInt8>>(_ message: Bytes, with key: P256PrivateKey) throws -> [UInt8] {
        let data = Array(message)
        ERR_clear_error()
        guard let ctx = EVP_MD_CTX_new() else { throw OpenSSL.error(.crypto, "EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(ctx) }
        try OpenSSL.check("EVP_DigestSignInit") { EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, key.pkey) }
        var length = 0
        try OpenSSL.check("EVP_DigestSign (size)") { EVP_DigestSign(ctx, nil, &length, data, data.count) }
        var der = [UInt8](repeating: 0, count: length)
        try OpenSSL.check("EVP_DigestSign") { EVP_DigestSign(ctx, &der, &length, data, data.count) }
        return try derToRaw(Array(der.prefix(length)))
    }

    /// Verifies a raw `r ‖ s` signature over `message`. Anything but exactly 64
    /// bytes, or `r`/`s` outside [1, n−1], is refused.
    public static func verify<Bytes: Collection<UInt8>>(
        signature: [UInt8],
        of message: Bytes,
        with key: P256PublicKey
    ) -> Bool {
        guard signature.count == 64, let der = try? rawToDER(signature) else { return false }
        let data = Array(message)
        ERR_clear_error()
        defer { ERR_clear_error() }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestVerifyInit(ctx, nil, EVP_sha256(), nil, key.pkey) == 1 else { return false }
        return EVP_DigestVerify(ctx, der, der.count, data, data.count) == 1
    }

    /// Converts a DER `ECDSA-Sig-Value` to raw `r ‖ s`.
    public static func derToRaw(_ der: [UInt8]) throws -> [UInt8] {
        try der.withUnsafeBufferPointer { buffer in
            var p = buffer.baseAddress
            ERR_clear_error()
            guard let sig = d2i_ECDSA_SIG(nil, &p, buffer.count), p == buffer.baseAddress! + buffer.count else {
                throw OpenSSL.error(.encoding, "not a DER ECDSA signature")
            }
            defer { ECDSA_SIG_free(sig) }
            var r: OpaquePointer? = nil
            var s: OpaquePointer? = nil
            ECDSA_SIG_get0(sig, &r, &s)
            var out = [UInt8](repeating: 0, count: 64)
            guard BN_bn2binpad(r, &out, 32) == 32,
                out.withUnsafeMutableBufferPointer({ BN_bn2binpad(s, $0.baseAddress! + 32, 32) }) == 32
            else { throw HubProtocolError(.encoding, "ECDSA signature component longer than 32 bytes") }
            return out
        }
    }

    /// Converts raw `r ‖ s` (64 bytes) to a DER `ECDSA-Sig-Value`.
    public static func rawToDER(_ raw: [UInt8]) throws -> [UInt8] {
        guard raw.count == 64 else {
            throw HubProtocolError(.encoding, "an ES256 signature is 64 bytes, got \(raw.count)")
        }
        ERR_clear_error()
        guard let sig = ECDSA_SIG_new() else { throw OpenSSL.error(.crypto, "ECDSA_SIG_new failed") }
        defer { ECDSA_SIG_free(sig) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + 32, 32, nil) }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            throw OpenSSL.error(.crypto, "BN_bin2bn failed")
        }
        // ECDSA_SIG_set0 takes ownership of r and s.
        guard ECDSA_SIG_set0(sig, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            throw OpenSSL.error(.crypto, "ECDSA_SIG_set0 failed")
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let n = i2d_ECDSA_SIG(sig, &out)
        guard n > 0, let out else { throw OpenSSL.error(.crypto, "i2d_ECDSA_SIG failed") }
        defer { hub_OPENSSL_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: Int(n)))
    }
}
