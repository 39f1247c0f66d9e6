internal import COpenSSL

/// Runs one of OpenSSL's EVP_KDFs with SHA-256: the shared plumbing of
/// ``ConcatKDF`` and ``HKDF``, which differ only in the KDF's name and inputs.
enum KeyDerivation {
    /// Which octet-string input a parameter is.
    enum Input {
        case key, salt, info

        var name: UnsafePointer<CChar> {
            switch self {
            case .key: hub_OSSL_KDF_PARAM_KEY()
            case .salt: hub_OSSL_KDF_PARAM_SALT()
            case .info: hub_OSSL_KDF_PARAM_INFO()
            }
        }
    }

    /// Derives `byteCount` bytes with the KDF `algorithm` (`"SSKDF"`, `"HKDF"`)
    /// over SHA-256 from `inputs`; empty inputs are left out (the KDFs'
    /// "not provided"). The context cleanses its copies when freed.
    static func sha256(_ algorithm: String, inputs: [(Input, [UInt8])], byteCount: Int) throws -> [UInt8] {
        let kdf = try OpenSSL.make("EVP_KDF_fetch(\(algorithm))") { EVP_KDF_fetch(nil, algorithm, nil) }
        defer { EVP_KDF_free(kdf) }
        let ctx = try OpenSSL.make("EVP_KDF_CTX_new") { EVP_KDF_CTX_new(kdf) }
        defer { EVP_KDF_CTX_free(ctx) }
        var digest = Array("SHA256".utf8CString)
        var out = [UInt8](repeating: 0, count: byteCount)
        // One contiguous copy of the inputs, so every parameter points into memory that
        // outlives the derive call; wiped before it is released.
        var storage = inputs.flatMap(\.1)
        defer { zeroize(&storage) }
        do {
            try storage.withUnsafeMutableBytes { raw in
                try digest.withUnsafeMutableBufferPointer { digestName in
                    var params = [
                        OSSL_PARAM_construct_utf8_string(hub_OSSL_KDF_PARAM_DIGEST(), digestName.baseAddress, 0)
                    ]
                    var offset = 0
                    for (input, bytes) in inputs {
                        defer { offset += bytes.count }
                        guard !bytes.isEmpty, let base = raw.baseAddress else { continue }
                        params.append(OSSL_PARAM_construct_octet_string(input.name, base + offset, bytes.count))
                    }
                    params.append(OSSL_PARAM_construct_end())
                    try OpenSSL.check("EVP_KDF_derive(\(algorithm))") { EVP_KDF_derive(ctx, &out, byteCount, params) }
                }
            }
        } catch {
            zeroize(&out)
            throw error
        }
        return out
    }
}
