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
        return try KeyDerivation.sha256(
            "HKDF",
            inputs: [(.key, ikm), (.salt, salt), (.info, info)],
            byteCount: byteCount
        )
    }
}
