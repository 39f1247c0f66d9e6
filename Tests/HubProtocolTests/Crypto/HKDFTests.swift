import Foundation
import HubProtocol
import Testing

@Suite struct HKDFTests {
    /// Every vector of Wycheproof's HKDF-SHA-256 file: valid ones give `okm`,
    /// invalid ones (an output longer than 255 hash lengths) are refused.
    @Test func wycheproofHKDFSHA256() throws {
        let file = try WycheproofFile("hkdf_sha256_test")
        var run = 0
        var valid = 0
        var refused = 0
        for (_, test) in file.tests {
            let ikm = try test.hex("ikm")
            let salt = try test.hex("salt")
            let info = try test.hex("info")
            let size = try #require((test["size"] as? NSNumber)?.intValue)
            run += 1
            switch test.result {
            case "valid":
                let okm = try HKDF.sha256(ikm: ikm, salt: salt, info: info, byteCount: size)
                #expect(okm == (try test.hex("okm")), "tcId \(test.tcId)")
                valid += 1
            default:
                #expect(throws: HubProtocolError.self, "tcId \(test.tcId)") {
                    try HKDF.sha256(ikm: ikm, salt: salt, info: info, byteCount: size)
                }
                refused += 1
            }
        }
        print(
            "wycheproof hkdf_sha256_test.json: \(file.numberOfTests) vectors, \(run) run, \(valid) valid derived, \(refused) invalid refused, all passed"
        )
        #expect(run == file.numberOfTests)
        #expect(run == 86 && valid == 83 && refused == 3)
    }

    @Test func refusesEmptyInputAndBadLengths() {
        #expect(throws: HubProtocolError.self) { try HKDF.sha256(ikm: [], byteCount: 32) }
        #expect(throws: HubProtocolError.self) { try HKDF.sha256(ikm: [1], byteCount: 0) }
        #expect(throws: HubProtocolError.self) { try HKDF.sha256(ikm: [1], byteCount: HKDF.maximumByteCount + 1) }
        #expect((try? HKDF.sha256(ikm: [1], byteCount: HKDF.maximumByteCount))?.count == HKDF.maximumByteCount)
    }

    /// The pseudonym key derives with HKDF(K, salt empty, info), and different
    /// purposes or keys give different keys.
    @Test func pseudonymKeyDerivation() throws {
        let k = (0..<32).map { UInt8($0) }
        let key = try PseudonymKey(bytes: k)
        let derived = try key.derive(info: "hub/v1/identity-at-rest")
        #expect(derived.count == 32)
        #expect(
            derived == (try HKDF.sha256(ikm: k, salt: [], info: Array("hub/v1/identity-at-rest".utf8), byteCount: 32))
        )
        #expect(derived != (try key.derive(info: "hub/v1/other")))
        #expect(derived != (try PseudonymKey.generate().derive(info: "hub/v1/identity-at-rest")))
        // An empty salt equals a salt of 32 zero bytes (RFC 5869 §2.2).
        #expect(
            derived
                == (try HKDF.sha256(
                    ikm: k,
                    salt: [UInt8](repeating: 0, count: 32),
                    info: Array("hub/v1/identity-at-rest".utf8),
                    byteCount: 32
                ))
        )
    }
}
