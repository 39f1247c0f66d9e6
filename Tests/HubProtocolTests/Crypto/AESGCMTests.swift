import Foundation
import Testing

@testable import HubProtocol

@Suite struct AESGCMTests {
    @Test func wycheproofAESGCM() throws {
        let file = try WycheproofFile("aes_gcm_test")
        var counts: [String: Int] = [:]
        var perKeySize: [Int: Int] = [:]
        for (group, test) in file.tests {
            let id = test.tcId
            let key = try test.hex("key")
            let iv = try test.hex("iv")
            let aad = try test.hex("aad")
            let msg = try test.hex("msg")
            let ct = try test.hex("ct")
            let tag = try test.hex("tag")
            let keySize = try #require(group.int("keySize"))
            #expect(key.count * 8 == keySize)
            perKeySize[keySize, default: 0] += 1
            if iv.isEmpty || iv.count > AESGCM.maximumIVByteCount {
                // A 0-byte IV is forbidden by SP 800-38D; OpenSSL 3 takes at most 128 bytes.
                #expect(throws: HubProtocolError.self) { try AESGCM.seal(key: key, iv: iv, plaintext: msg, aad: aad) }
                #expect(throws: HubProtocolError.self) {
                    try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: tag, aad: aad)
                }
                let kind = iv.isEmpty ? "0-byte IV" : "IV > 128 bytes"
                counts["\(test.result), refused (\(kind))", default: 0] += 1
                continue
            }
            switch test.result {
            case "valid":
                let sealed = try AESGCM.seal(key: key, iv: iv, plaintext: msg, aad: aad)
                #expect(sealed.ciphertext == ct, "tcId \(id): ciphertext differs")
                #expect(sealed.tag == tag, "tcId \(id): tag differs")
                let opened = try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: tag, aad: aad)
                #expect(opened == msg, "tcId \(id): plaintext differs")
                if sealed.ciphertext == ct, sealed.tag == tag, opened == msg { counts["valid passed", default: 0] += 1 }
            case "invalid":
                do {
                    _ = try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: tag, aad: aad)
                    Issue.record("tcId \(id) (invalid, \(test.flags)) opened")
                } catch let error as HubProtocolError {
                    #expect(error.code == .authenticationFailed, "tcId \(id): \(error)")
                    counts["invalid refused", default: 0] += 1
                }
            default:
                Issue.record("tcId \(id): unexpected result \(test.result)")
            }
        }
        let summary = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let sizes = perKeySize.sorted { $0.key < $1.key }.map { "\($0.value) with \($0.key)-bit keys" }.joined(
            separator: ", "
        )
        print("wycheproof aes_gcm_test.json: \(file.numberOfTests) vectors, all run (\(sizes)): \(summary)")
        #expect(counts.values.reduce(0, +) == file.numberOfTests)
        #expect(perKeySize[256] == 105)
        #expect(counts["valid passed"] == 226)
        #expect(counts["invalid refused"] == 81)
        #expect(counts["invalid, refused (0-byte IV)"] == 6)
        #expect(counts["valid, refused (IV > 128 bytes)"] == 3)
    }

    @Test func roundTripAndTamper() throws {
        let key = SecureRandom.bytes(32)
        let iv = SecureRandom.bytes(12)
        let aad = Array("header".utf8)
        let plaintext = Array("the identity of a person".utf8)
        let (ct, tag) = try AESGCM.seal(key: key, iv: iv, plaintext: plaintext, aad: aad)
        #expect(tag.count == 16)
        #expect(ct.count == plaintext.count)
        #expect(try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: tag, aad: aad) == plaintext)
        for i in ct.indices {
            var bad = ct
            bad[i] ^= 1
            #expect(throws: HubProtocolError.self) {
                try AESGCM.open(key: key, iv: iv, ciphertext: bad, tag: tag, aad: aad)
            }
        }
        var badTag = tag
        badTag[15] ^= 0x80
        #expect(throws: HubProtocolError.self) {
            try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: badTag, aad: aad)
        }
        #expect(throws: HubProtocolError.self) {
            try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: tag, aad: aad + [0])
        }
        #expect(throws: HubProtocolError.self) { try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: tag, aad: []) }
        var badKey = key
        badKey[0] ^= 1
        #expect(throws: HubProtocolError.self) {
            try AESGCM.open(key: badKey, iv: iv, ciphertext: ct, tag: tag, aad: aad)
        }
        // Truncated tags are refused even when they are a prefix of the right one.
        #expect(throws: HubProtocolError.self) {
            try AESGCM.open(key: key, iv: iv, ciphertext: ct, tag: Array(tag.prefix(12)), aad: aad)
        }
        // Empty plaintext and AAD still produce and check a tag.
        let empty = try AESGCM.seal(key: key, iv: iv, plaintext: [], aad: [])
        #expect(empty.ciphertext.isEmpty)
        #expect(try AESGCM.open(key: key, iv: iv, ciphertext: [], tag: empty.tag, aad: []) == [])
        #expect(throws: HubProtocolError.self) { try AESGCM.open(key: key, iv: iv, ciphertext: [], tag: tag, aad: []) }
    }

    @Test func refusesBadParameters() {
        let iv = [UInt8](repeating: 0, count: 12)
        for size in [0, 15, 17, 31, 33, 64] {
            #expect(throws: HubProtocolError.self) {
                try AESGCM.seal(key: [UInt8](repeating: 1, count: size), iv: iv, plaintext: [1])
            }
        }
        #expect(throws: HubProtocolError.self) {
            try AESGCM.seal(key: [UInt8](repeating: 1, count: 32), iv: [], plaintext: [1])
        }
    }
}
