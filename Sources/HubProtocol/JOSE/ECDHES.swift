/// JOSE ECDH-ES key agreement in direct mode (RFC 7518 §4.6): ECDH on P-256
/// followed by the Concat KDF with SHA-256.
///
/// The hub calls it with `algorithmID` = `A256GCM` and a 256-bit key; other
/// values exist so the RFC 7518 Appendix C example (A128GCM) can be run.
public enum ECDHES {
    /// Derives the content-encryption key shared by `privateKey` and `peer`.
    ///
    /// - Parameters:
    ///   - algorithmID: the `enc` value (direct key agreement uses the content
    ///     encryption algorithm as AlgorithmID).
    ///   - partyUInfo: the decoded `apu` bytes.
    ///   - partyVInfo: the decoded `apv` bytes.
    ///   - keyBitLength: the key length in bits, a positive multiple of 8.
    /// - Returns: the key; the caller zeroises it after use.
    public static func deriveKey(
        privateKey: P256PrivateKey,
        peer: P256PublicKey,
        algorithmID: String,
        partyUInfo: [UInt8],
        partyVInfo: [UInt8],
        keyBitLength: Int
    ) throws -> [UInt8] {
        guard keyBitLength > 0, keyBitLength % 8 == 0, keyBitLength <= 1 << 16 else {
            throw HubProtocolError(.crypto, "ECDH-ES key length \(keyBitLength) is not a positive multiple of 8 bits")
        }
        var z = try privateKey.sharedSecret(with: peer)
        defer { zeroize(&z) }
        let otherInfo = ConcatKDF.joseOtherInfo(
            algorithmID: algorithmID,
            partyUInfo: partyUInfo,
            partyVInfo: partyVInfo,
            keyBitLength: keyBitLength
        )
        return try ConcatKDF.sha256(sharedSecret: z, otherInfo: otherInfo, byteCount: keyBitLength / 8)
    }
}
