internal import COpenSSL

/// HKDF with SHA-256 (RFC 5869): extract, then expand, through OpenSSL's
/// `HKDF` KDF (`EVP_KDF_fetch(NULL, "HKDF", NULL)`).
///
/// The hub uses it to derive keys from a node secret, for example the key that
/// encrypts identities at rest from the pseudonym key (``PseudonymKey/derive(info:byteCount:)``).
public enum HKDF {
    /// The longest output RFC 5869 allows with SHA-256: 255 hash lengths.
    public static let maximumByteCount = 255 * 32

    /// Derives `byteCount` bytes from `ikm` with `salt` and `info`.
    ///
    /// An empty `salt` is the RFC's "not provided" (HashLen zero bytes). `ikm`
    /// must not be empty. The caller zeroises `ikm` and the result when done.
    /// Throws for a length outside 1…``maximumByteCount``.
    public static func sha256(ikm: [UInt8], salt: [UInt8] = [], info: [UInt8] = [], byteCount: Int) throws -> [UInt8] {
        guard !ikm.isEmpty else { throw HubProtocolError(.invalidKey, "HKDF needs non-empty input keying material") }
        guard (1...maximumByteCount).contains(byteCount) else {
            throw HubProtocolError(
                .crypto,
                "HKDF-SHA256 output must be 1 to \(maximumByteCount) bytes, not \(byteCount)"
            )
        }
        let kdf = try OpenSSL.make("EVP_KDF_fetch(HKDF)") { EVP_KDF_fetch(nil, "HKDF", nil) }
        defer { EVP_KDF_free(kdf) }
        let ctx = try OpenSSL.make("EVP_KDF_CTX_new") { EVP_KDF_CTX_new(kdf) }
        // Freeing an HKDF context cleanses the copies of the key, salt and info it holds.
        defer { EVP_KDF_CTX_free(ctx) }
        var digest = Array("SHA256".utf8CString)
        var out = [UInt8](repeating: 0, count: byteCount)
        do {
            try ikm.withUnsafeBytes { ikmBytes in
                try salt.withUnsafeBytes { saltBytes in
                    try info.withUnsafeBytes { infoBytes in
                        try digest.withUnsafeMutableBufferPointer { digestName in
                            // The params point at these buffers; OpenSSL only reads them and copies
                            // them into the context before EVP_KDF_derive returns. Empty salt and
                            // info are left out rather than passed as zero-length pointers.
                            var params = [
                                OSSL_PARAM_construct_utf8_string(
                                    hub_OSSL_KDF_PARAM_DIGEST(),
                                    digestName.baseAddress,
                                    0
                                ),
                                OSSL_PARAM_construct_octet_string(
                                    hub_OSSL_KDF_PARAM_KEY(),
                                    UnsafeMutableRawPointer(mutating: ikmBytes.baseAddress),
                                    ikmBytes.count
                                ),
                            ]
                            if !saltBytes.isEmpty {
                                params.append(
                                    OSSL_PARAM_construct_octet_string(
                                        hub_OSSL_KDF_PARAM_SALT(),
                                        UnsafeMutableRawPointer(mutating: saltBytes.baseAddress),
                                        saltBytes.count
                                    )
                                )
                            }
                            if !infoBytes.isEmpty {
                                params.append(
                                    OSSL_PARAM_construct_octet_string(
                                        hub_OSSL_KDF_PARAM_INFO(),
                                        UnsafeMutableRawPointer(mutating: infoBytes.baseAddress),
                                        infoBytes.count
                                    )
                                )
                            }
                            params.append(OSSL_PARAM_construct_end())
                            try OpenSSL.check("EVP_KDF_derive(HKDF)") { EVP_KDF_derive(ctx, &out, byteCount, params) }
                        }
                    }
                }
            }
        } catch {
            zeroize(&out)
            throw error
        }
        return out
    }
}
