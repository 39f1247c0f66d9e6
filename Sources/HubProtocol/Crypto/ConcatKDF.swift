internal import COpenSSL

/// The Concat KDF of NIST SP 800-56A §5.8.1 with SHA-256, as JOSE uses it for
/// ECDH-ES (RFC 7518 §4.6.2), through OpenSSL's `SSKDF` (the SP 800-56C
/// single-step KDF, which is the same construction).
///
/// Each round hashes `counter ‖ Z ‖ OtherInfo` with a 32-bit big-endian
/// counter starting at 1; the output is the rounds concatenated and truncated.
public enum ConcatKDF {
    /// Derives `byteCount` bytes from the shared secret `z` and `otherInfo`.
    ///
    /// The caller zeroises `z` and the result when done with them.
    public static func sha256(sharedSecret z: [UInt8], otherInfo: [UInt8], byteCount: Int) throws -> [UInt8] {
        guard !z.isEmpty else { throw HubProtocolError(.invalidKey, "the Concat KDF needs a non-empty shared secret") }
        // SP 800-56A caps the output at (2^32 − 1) hash lengths; the hub never needs more than one.
        guard (1...(1 << 16)).contains(byteCount) else {
            throw HubProtocolError(.crypto, "the Concat KDF output length \(byteCount) is out of range")
        }
        return try KeyDerivation.sha256("SSKDF", inputs: [(.key, z), (.info, otherInfo)], byteCount: byteCount)
    }

    /// OtherInfo for JOSE ECDH-ES (RFC 7518 §4.6.2):
    /// `AlgorithmID ‖ PartyUInfo ‖ PartyVInfo ‖ SuppPubInfo`, each of the first
    /// three a 32-bit big-endian length followed by the bytes, SuppPubInfo the
    /// key length in bits as 32-bit big-endian, SuppPrivInfo empty.
    ///
    /// For direct key agreement `algorithmID` is the `enc` value (`A256GCM`);
    /// `partyUInfo`/`partyVInfo` are the decoded `apu`/`apv`.
    public static func joseOtherInfo(
        algorithmID: String,
        partyUInfo: [UInt8],
        partyVInfo: [UInt8],
        keyBitLength: Int
    ) -> [UInt8] {
        precondition(keyBitLength > 0 && keyBitLength <= Int(UInt32.max), "key length out of range")
        var out: [UInt8] = []
        func append32(_ value: Int) {
            let v = UInt32(value)
            out.append(contentsOf: [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)])
        }
        for field in [Array(algorithmID.utf8), partyUInfo, partyVInfo] {
            precondition(field.count <= Int(UInt32.max), "OtherInfo field too long")
            append32(field.count)
            out.append(contentsOf: field)
        }
        append32(keyBitLength)
        return out
    }
}
