import Foundation
import Testing

@testable import HubProtocol

@Suite struct HMACSHA256Tests {
    /// Runs every vector; groups with a 128-bit tagSize compare the truncated MAC.
    @Test func wycheproofHMACSHA256() throws {
        let file = try WycheproofFile("hmac_sha256_test")
        var validPassed = 0
        var invalidRefused = 0
        var truncated = 0
        for (group, test) in file.tests {
            let tagBytes = try #require(group.int("tagSize")) / 8
            let key = try test.hex("key")
            let expected = try test.hex("tag")
            let mac = Array(HMACSHA256.authenticationCode(key: key, message: try test.hex("msg")).prefix(tagBytes))
            if tagBytes < 32 { truncated += 1 }
            let matches = HMACSHA256.isEqual(mac, expected)
            switch test.result {
            case "valid":
                #expect(matches, "tcId \(test.tcId): MAC differs")
                if matches { validPassed += 1 }
            case "invalid":
                #expect(!matches, "tcId \(test.tcId) (invalid, \(test.flags)) matched")
                if !matches { invalidRefused += 1 }
            default:
                Issue.record("tcId \(test.tcId): unexpected result \(test.result)")
            }
        }
        print(
            "wycheproof hmac_sha256_test.json: \(file.numberOfTests) vectors, \(validPassed + invalidRefused) run "
                + "(\(truncated) with 128-bit truncated tags): \(validPassed) valid passed, \(invalidRefused) invalid refused"
        )
        #expect(validPassed == 66)
        #expect(invalidRefused == 108)
        #expect(validPassed + invalidRefused == file.numberOfTests)
    }
}
