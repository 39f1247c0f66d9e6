internal import COpenSSL

/// AES-GCM (NIST SP 800-38D) through OpenSSL's EVP cipher interface.
///
/// The hub uses AES-256-GCM with 12-byte IVs (RFC 7518 §5.3, `A256GCM`); the
/// primitive also takes 128- and 192-bit keys and IVs of other lengths so that
/// published vectors can run through it. Tags are always 16 bytes: shorter
/// tags are refused. OpenSSL compares the tag in constant time; when it does
/// not match, ``open(key:iv:ciphertext:tag:aad:)`` throws and returns nothing.
public enum AESGCM {
    /// The tag length, in bytes, this primitive produces and accepts.
    public static let tagByteCount = 16

    /// The IV length, in bytes, that JWE `A256GCM` uses (RFC 7518 §5.3).
    public static let standardIVByteCount = 12

    /// The longest IV OpenSSL 3 accepts for GCM (`GCM_IV_MAX_SIZE`, 1024 bits).
    public static let maximumIVByteCount = 128

    /// Encrypts `plaintext` and authenticates it together with `aad`.
    ///
    /// `key` is 16, 24 or 32 bytes; `iv` is 1–128 bytes and MUST never repeat
    /// under the same key (use 12 random bytes from ``SecureRandom``).
    public static func seal(
        key: [UInt8],
        iv: [UInt8],
        plaintext: [UInt8],
        aad: [UInt8] = []
    ) throws -> (ciphertext: [UInt8], tag: [UInt8]) {
        let ctx = try context(key: key, iv: iv, aad: aad, inputCount: plaintext.count, encrypt: true)
        defer { EVP_CIPHER_CTX_free(ctx) }
        let ciphertext = try update(ctx, plaintext)
        var outLength: Int32 = 0
        // GCM is a stream mode: Final writes nothing, but OpenSSL wants a valid pointer.
        var scratch = [UInt8](repeating: 0, count: 16)
        try OpenSSL.check("EVP_EncryptFinal_ex") { EVP_EncryptFinal_ex(ctx, &scratch, &outLength) }
        guard outLength == 0 else { throw HubProtocolError(.crypto, "AES-GCM final wrote \(outLength) bytes") }
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        try OpenSSL.check("reading the GCM tag") {
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), &tag)
        }
        return (ciphertext, tag)
    }

    /// Checks `tag` over `aad` and `ciphertext` and returns the plaintext.
    ///
    /// Throws `authentication_failed` when the tag does not match (a wrong key
    /// or IV, or any change to the ciphertext, tag or AAD), and no plaintext
    /// leaves this function.
    public static func open(
        key: [UInt8],
        iv: [UInt8],
        ciphertext: [UInt8],
        tag: [UInt8],
        aad: [UInt8] = []
    ) throws -> [UInt8] {
        guard tag.count == tagByteCount else {
            throw HubProtocolError(
                .authenticationFailed,
                "an AES-GCM tag must be \(tagByteCount) bytes, got \(tag.count)"
            )
        }
        let ctx = try context(key: key, iv: iv, aad: aad, inputCount: ciphertext.count, encrypt: false)
        defer { EVP_CIPHER_CTX_free(ctx) }
        var plaintext = try update(ctx, ciphertext)
        var outLength: Int32 = 0
        do {
            var expected = tag
            try OpenSSL.check("setting the GCM tag") {
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), &expected)
            }
            var scratch = [UInt8](repeating: 0, count: 16)
            ERR_clear_error()
            // DecryptFinal compares the tag (CRYPTO_memcmp) and fails on a mismatch.
            guard EVP_DecryptFinal_ex(ctx, &scratch, &outLength) == 1, outLength == 0 else {
                throw OpenSSL.error(.authenticationFailed, "the AES-GCM tag does not match")
            }
        } catch {
            zeroize(&plaintext)
            throw error
        }
        return plaintext
    }

    /// A cipher context keyed, IV'd and fed `aad` for one operation; the caller frees it.
    private static func context(
        key: [UInt8],
        iv: [UInt8],
        aad: [UInt8],
        inputCount: Int,
        encrypt: Bool
    ) throws -> OpaquePointer {
        let cipher: OpaquePointer?
        switch key.count {
        case 16: cipher = EVP_aes_128_gcm()
        case 24: cipher = EVP_aes_192_gcm()
        case 32: cipher = EVP_aes_256_gcm()
        default: throw HubProtocolError(.invalidKey, "an AES key is 16, 24 or 32 bytes, got \(key.count)")
        }
        guard (1...maximumIVByteCount).contains(iv.count) else {
            throw HubProtocolError(.invalidKey, "an AES-GCM IV must be 1–\(maximumIVByteCount) bytes, got \(iv.count)")
        }
        // EVP_*Update take an int length.
        guard inputCount < Int(Int32.max), aad.count < Int(Int32.max) else {
            throw HubProtocolError(.crypto, "AES-GCM input longer than 2 GiB")
        }
        ERR_clear_error()
        guard let ctx = EVP_CIPHER_CTX_new() else { throw OpenSSL.error(.crypto, "EVP_CIPHER_CTX_new failed") }
        do {
            try OpenSSL.check("EVP_CipherInit_ex2 (cipher)") {
                EVP_CipherInit_ex2(ctx, cipher, nil, nil, encrypt ? 1 : 0, nil)
            }
            try OpenSSL.check("setting the GCM IV length") {
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(iv.count), nil)
            }
            try OpenSSL.check("EVP_CipherInit_ex2 (key, IV)") {
                EVP_CipherInit_ex2(ctx, nil, key, iv, encrypt ? 1 : 0, nil)
            }
            if !aad.isEmpty {
                var ignored: Int32 = 0
                // A NULL output pointer tells GCM that the input is additional data.
                try OpenSSL.check("EVP_CipherUpdate (AAD)") {
                    EVP_CipherUpdate(ctx, nil, &ignored, aad, Int32(aad.count))
                }
            }
        } catch {
            EVP_CIPHER_CTX_free(ctx)
            throw error
        }
        return ctx
    }

    /// Runs `input` through the cipher; GCM writes exactly as many bytes as it reads.
    /// The output is zeroised if the call fails.
    private static func update(_ ctx: OpaquePointer, _ input: [UInt8]) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: input.count)
        // Skipped when empty: a NULL output pointer would make the call feed AAD.
        guard !input.isEmpty else { return output }
        var outLength: Int32 = 0
        do {
            try OpenSSL.check("EVP_CipherUpdate") {
                EVP_CipherUpdate(ctx, &output, &outLength, input, Int32(input.count))
            }
            guard Int(outLength) == input.count else {
                throw HubProtocolError(.crypto, "AES-GCM wrote \(outLength) bytes for \(input.count)")
            }
        } catch {
            zeroize(&output)
            throw error
        }
        return output
    }
}

extension HubProtocolError.Code {
    /// An authenticated decryption failed: the tag does not match.
    public static let authenticationFailed = Self("authentication_failed")
}
