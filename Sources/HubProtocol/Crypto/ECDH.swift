internal import COpenSSL

extension P256PrivateKey {
    /// The raw ECDH shared secret with `peer`: the 32-byte x coordinate of
    /// d·Q (Z in NIST SP 800-56A §5.7.1.2).
    ///
    /// Z is not a key: feed it to a KDF (``ConcatKDF``) and zeroise it. The
    /// peer key was validated on the curve when it was loaded
    /// (``P256PublicKey``); OpenSSL checks it once more before deriving.
    public func sharedSecret(with peer: P256PublicKey) throws -> [UInt8] {
        ERR_clear_error()
        guard let ctx = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            throw OpenSSL.error(.crypto, "EVP_PKEY_CTX_new_from_pkey failed")
        }
        defer { EVP_PKEY_CTX_free(ctx) }
        try OpenSSL.check("EVP_PKEY_derive_init") { EVP_PKEY_derive_init(ctx) }
        ERR_clear_error()
        // validate_peer = 1: OpenSSL runs its own public-key check on the peer too.
        guard EVP_PKEY_derive_set_peer_ex(ctx, peer.pkey, 1) == 1 else {
            throw OpenSSL.error(.invalidKey, "the peer key cannot be used for ECDH with this key")
        }
        var length = 0
        try OpenSSL.check("EVP_PKEY_derive (size)") { EVP_PKEY_derive(ctx, nil, &length) }
        guard length == 32 else {
            throw HubProtocolError(.crypto, "ECDH on P-256 gave a \(length)-byte secret, expected 32")
        }
        var secret = [UInt8](repeating: 0, count: 32)
        do {
            try OpenSSL.check("EVP_PKEY_derive") { EVP_PKEY_derive(ctx, &secret, &length) }
            guard length == 32 else {
                throw HubProtocolError(.crypto, "ECDH on P-256 gave a \(length)-byte secret, expected 32")
            }
        } catch {
            zeroize(&secret)
            throw error
        }
        return secret
    }
}
