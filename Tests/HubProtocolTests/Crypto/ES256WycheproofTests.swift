import Foundation
import Testing

@testable import HubProtocol

/// Every vector of Wycheproof's ecdsa_secp256r1_sha256_p1363_test.json through ES256.
@Suite struct ES256WycheproofTests {
    @Test func p1363Vectors() throws {
        let file = try WycheproofFile("ecdsa_secp256r1_sha256_p1363_test")
        var counts: [String: Int] = [:]
        var run = 0
        for group in file.groups {
            let point = try #require((group.parameters["publicKey"] as? [String: Any])?["uncompressed"] as? String)
            let key = try P256PublicKey(uncompressedPoint: #require(Hex.decode(point)))
            for v in group.tests {
                let id = v["tcId"] as? Int ?? -1
                let message = try #require(Hex.decode(v["msg"] as? String ?? ""))
                let signature = try #require(Hex.decode(v["sig"] as? String ?? ""))
                let result = v["result"] as? String ?? "?"
                let ok = ES256.verify(signature: signature, of: message, with: key)
                switch result {
                case "valid": #expect(ok, "tcId \(id) should verify")
                case "invalid": #expect(!ok, "tcId \(id) should be refused")
                default: break  // "acceptable": either outcome is allowed
                }
                counts[result, default: 0] += 1
                run += 1
            }
        }
        #expect(run == file.numberOfTests)
        print(
            "wycheproof ecdsa_secp256r1_sha256_p1363_test.json: \(run) of \(file.numberOfTests) vectors run and passed "
                + "(\(counts["valid"] ?? 0) valid accepted, \(counts["invalid"] ?? 0) invalid refused, \(counts["acceptable"] ?? 0) acceptable)"
        )
    }

    @Test func derConversionRoundTrips() throws {
        let key = try P256PrivateKey()
        for i in 0..<200 {
            let raw = try ES256.sign(Array("message \(i)".utf8), with: key)
            #expect(try ES256.derToRaw(ES256.rawToDER(raw)) == raw)
        }
        #expect(throws: HubProtocolError.self) { try ES256.rawToDER([UInt8](repeating: 1, count: 63)) }
        #expect(throws: HubProtocolError.self) { try ES256.derToRaw([0x30, 0x00, 0x00]) }
    }
}
