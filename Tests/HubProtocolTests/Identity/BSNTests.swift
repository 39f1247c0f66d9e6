import Foundation
import Testing

@testable import HubProtocol

@Suite struct BSNTests {
    @Test(arguments: ["111222333", "123456782", " 123456782 ", "999999990"])
    func validNumbers(_ text: String) throws {
        let bsn = try BSN(text)
        #expect(bsn.digits.count == 9)
    }

    @Test func eightDigitsGetALeadingZero() throws {
        #expect(try BSN("12345672").digits == "012345672")
    }

    @Test func refusals() {
        let cases: [(String, String)] = [
            ("123456789", "11-proof"),
            ("000000000", "000000000"),
            ("1234567", "9 digits"),
            ("1234567890", "9 digits"),
            ("12345678a", "only digits"),
            ("", "9 digits"),
            ("12345-782", "only digits"),
        ]
        for (text, phrase) in cases {
            #expect {
                try BSN(text)
            } throws: { error in
                guard let e = error as? HubProtocolError else { return false }
                // The message names the rule, never the digits.
                return e.code == .invalidBSN && e.message.contains(phrase)
                    && (text.count < 5 || text == "000000000" || !e.message.contains(text))
            }
        }
    }

    @Test func descriptionIsRedacted() throws {
        let bsn = try BSN("111222333")
        #expect("\(bsn)" == "BSN(redacted)")
        #expect(String(reflecting: bsn) == "BSN(redacted)")
    }
}

@Suite struct PseudonymTests {
    // Expected values computed independently with Python's hmac/base64 modules:
    // base64.b32encode(hmac.new(bytes(range(32)), b"hub/v1/person/" + bsn, sha256).digest()[:16]).rstrip("=").lower()
    @Test func matchesIndependentComputation() throws {
        let key = try PseudonymKey(bytes: Array(0..<32))
        #expect(key.pseudonym(for: try BSN("111222333")) == "vx7n3ijmyf5lptpmoea6giwek4")
        #expect(key.pseudonym(for: try BSN("123456782")) == "gm2npdaviz6v7hhha4dx3fewg4")
        #expect(key.pseudonym(for: try BSN("12345672")) == "za25uqdw67a5dctnmixiqhss6m")
    }

    @Test func differentKeysGiveDifferentPseudonyms() throws {
        let bsn = try BSN("111222333")
        let a = PseudonymKey.generate().pseudonym(for: bsn)
        let b = PseudonymKey.generate().pseudonym(for: bsn)
        #expect(a.count == 26 && b.count == 26 && a != b)
    }

    @Test func keyFileRoundTripAndPermissions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-pk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("pseudonym.key").path
        let key = PseudonymKey.generate()
        try key.write(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let loaded = try PseudonymKey.load(path: path)
        let bsn = try BSN("123456782")
        #expect(loaded.pseudonym(for: bsn) == key.pseudonym(for: bsn))

        // Refuses to overwrite.
        #expect(throws: HubProtocolError.self) { try key.write(path: path) }

        // Refuses a key readable by group or others, and says how to fix it.
        for mode in [0o640, 0o604, 0o660] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
            #expect {
                try PseudonymKey.load(path: path)
            } throws: { error in
                (error as? HubProtocolError)?.message.contains("chmod 600") == true
            }
        }

        // Refuses a file that is not 64 hex characters.
        let bad = dir.appendingPathComponent("bad.key").path
        try SecretFile.create(path: bad, contents: Array("not a key\n".utf8))
        #expect(throws: HubProtocolError.self) { try PseudonymKey.load(path: bad) }
        #expect(throws: HubProtocolError.self) {
            try PseudonymKey.load(path: dir.appendingPathComponent("missing").path)
        }
    }
}
