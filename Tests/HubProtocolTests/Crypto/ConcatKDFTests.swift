import Foundation
import Testing

@testable import HubProtocol

@Suite struct ConcatKDFTests {
    /// The shared secret Z printed in RFC 7518 Appendix C.
    static let appendixCZ: [UInt8] = [
        158, 86, 217, 29, 129, 113, 53, 211, 114, 131, 66, 131, 191, 132, 38, 156, 251, 49, 110, 163, 218, 128, 106, 72,
        246, 218, 167, 121, 140, 254, 144, 196,
    ]

    @Test func appendixCFromZ() throws {
        let info = ConcatKDF.joseOtherInfo(
            algorithmID: "A128GCM",
            partyUInfo: Array("Alice".utf8),
            partyVInfo: Array("Bob".utf8),
            keyBitLength: 128
        )
        // The OtherInfo bytes as RFC 7518 Appendix C lists them.
        #expect(
            info == [
                0, 0, 0, 7, 65, 49, 50, 56, 71, 67, 77, 0, 0, 0, 5, 65, 108, 105, 99, 101, 0, 0, 0, 3, 66, 111, 98, 0,
                0, 0, 128,
            ]
        )
        let key = try ConcatKDF.sha256(sharedSecret: Self.appendixCZ, otherInfo: info, byteCount: 16)
        #expect(key == [86, 170, 141, 234, 248, 35, 109, 32, 92, 34, 40, 205, 113, 167, 16, 26])
        #expect(Base64URL.encode(key) == "VqqN6vgjbSBcIijNcacQGg")
    }

    /// RFC 7518 Appendix C from the two JWKs: ECDH gives Z, ECDH-ES gives the key, both ways round.
    @Test func appendixCFromKeys() throws {
        let alice = try ECPrivateJWK(
            json: stringObject([
                "kty": "EC", "crv": "P-256", "x": "gI0GAILBdu7T53akrFmMyGcsF3n5dO7MmwNBHKW5SV0",
                "y": "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFpps", "d": "0_NxaRPUMQoAJt50Gz8YiTr8gRTwyEaCumd-MToTmIo",
            ])
        )
        let bob = try ECPrivateJWK(
            json: stringObject([
                "kty": "EC", "crv": "P-256", "x": "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
                "y": "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck", "d": "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw",
            ])
        )
        #expect(try alice.privateKey.sharedSecret(with: bob.publicJWK.publicKey) == Self.appendixCZ)
        #expect(try bob.privateKey.sharedSecret(with: alice.publicJWK.publicKey) == Self.appendixCZ)
        for (mine, theirs) in [(alice, bob), (bob, alice)] {
            let key = try ECDHES.deriveKey(
                privateKey: mine.privateKey,
                peer: theirs.publicJWK.publicKey,
                algorithmID: "A128GCM",
                partyUInfo: try #require(Base64URL.decode("QWxpY2U")),
                partyVInfo: try #require(Base64URL.decode("Qm9i")),
                keyBitLength: 128
            )
            #expect(Base64URL.encode(key) == "VqqN6vgjbSBcIijNcacQGg")
        }
    }

    /// OpenSSL's SSKDF against the construction spelled out with SHA-256, over several rounds.
    @Test func matchesComposedSHA256() throws {
        let z = SecureRandom.bytes(32)
        let info = ConcatKDF.joseOtherInfo(
            algorithmID: "A256GCM",
            partyUInfo: [1, 2],
            partyVInfo: [],
            keyBitLength: 256
        )
        for length in [1, 16, 31, 32, 33, 64, 100] {
            var composed: [UInt8] = []
            var counter: UInt32 = 1
            while composed.count < length {
                let c = [
                    UInt8(counter >> 24), UInt8(counter >> 16 & 0xff), UInt8(counter >> 8 & 0xff),
                    UInt8(counter & 0xff),
                ]
                composed += SHA256.hash(c + z + info)
                counter += 1
            }
            #expect(
                try ConcatKDF.sha256(sharedSecret: z, otherInfo: info, byteCount: length)
                    == Array(composed.prefix(length))
            )
        }
    }

    @Test func refusesBadArguments() {
        #expect(throws: HubProtocolError.self) { try ConcatKDF.sha256(sharedSecret: [], otherInfo: [1], byteCount: 32) }
        #expect(throws: HubProtocolError.self) { try ConcatKDF.sha256(sharedSecret: [1], otherInfo: [1], byteCount: 0) }
    }
}
