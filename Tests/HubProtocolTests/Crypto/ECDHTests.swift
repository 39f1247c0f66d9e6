import Foundation
import Testing

@testable import HubProtocol

@Suite struct ECDHTests {
    /// A Wycheproof private key as 32 bytes: strips the DER-style leading 00 and left-pads short ones.
    static func scalar32(_ bytes: [UInt8]) throws -> [UInt8] {
        let trimmed = Array(bytes.drop { $0 == 0 })
        try #require(trimmed.count <= 32, "private key longer than 32 bytes")
        return [UInt8](repeating: 0, count: 32 - trimmed.count) + trimmed
    }

    @Test func wycheproofECDHSecp256r1() throws {
        let file = try WycheproofFile("ecdh_secp256r1_test")
        var counts: [String: Int] = [:]
        var acceptableAccepted: [Int] = []
        var acceptableRefused: [Int] = []
        for (_, test) in file.tests {
            let id = test.tcId
            let privateKey = try P256PrivateKey(rawScalar: try Self.scalar32(try test.hex("private")))
            let expected = try test.hex("shared")
            let peer: P256PublicKey
            do {
                peer = try P256PublicKey(derSubjectPublicKeyInfo: try test.hex("public"))
            } catch {
                switch test.result {
                case "invalid": counts["invalid refused at load", default: 0] += 1
                case "acceptable": acceptableRefused.append(id)
                default: Issue.record("tcId \(id) (valid, \(test.flags)) refused at load: \(error)")
                }
                continue
            }
            switch test.result {
            case "invalid":
                Issue.record("tcId \(id) (invalid, \(test.flags)) was loaded; it must be refused before use")
            case "acceptable":
                let shared = try privateKey.sharedSecret(with: peer)
                #expect(shared == expected, "tcId \(id): acceptable key loaded but the shared secret differs")
                acceptableAccepted.append(id)
            default:
                let shared = try privateKey.sharedSecret(with: peer)
                #expect(shared == expected, "tcId \(id): shared secret differs")
                counts["valid passed", default: 0] += 1
            }
        }
        let total = counts.values.reduce(0, +) + acceptableAccepted.count + acceptableRefused.count
        print(
            "wycheproof ecdh_secp256r1_test.json: \(file.numberOfTests) vectors, \(total) run: "
                + "\(counts["valid passed", default: 0]) valid passed, "
                + "\(counts["invalid refused at load", default: 0]) invalid refused at key load, "
                + "acceptable: \(acceptableAccepted.count) accepted (secret matched), \(acceptableRefused.count) refused "
                + "(refused tcIds \(Self.ranges(acceptableRefused)); accepted tcIds \(Self.ranges(acceptableAccepted)))"
        )
        #expect(total == file.numberOfTests)
        #expect(counts["valid passed"] == 330)
        #expect(counts["invalid refused at load"] == 52)
        // P256PublicKey takes only canonical named-curve uncompressed DER, so every "acceptable"
        // oddity (compressed point, BER lengths, explicit parameters) is refused.
        #expect(acceptableRefused.count == 230)
        #expect(acceptableAccepted.isEmpty)
    }

    @Test func wycheproofECDHWebCrypto() throws {
        let file = try WycheproofFile("ecdh_secp256r1_webcrypto_test")
        var validPassed = 0
        var invalidRefused = 0
        for (_, test) in file.tests {
            let id = test.tcId
            // The vectors label each key "kid":"none"; the bare profile takes only the key members.
            var publicObject = try #require(test["public"] as? [String: Any])
            publicObject["kid"] = nil
            let privateJWK = try ECPrivateJWK(json: try jsonValue(fromFoundation: try #require(test["private"])))
            let expected = try test.hex("shared")
            let peer: ECPublicJWK
            do {
                peer = try ECPublicJWK(json: try jsonValue(fromFoundation: publicObject), profile: .bare)
            } catch {
                if test.result == "invalid" {
                    invalidRefused += 1
                } else {
                    Issue.record("tcId \(id) (\(test.result), \(test.flags)) refused at load: \(error)")
                }
                continue
            }
            if test.result == "invalid" {
                Issue.record("tcId \(id) (invalid, \(test.flags)) was loaded; it must be refused before use")
                continue
            }
            let shared = try privateJWK.privateKey.sharedSecret(with: peer.publicKey)
            #expect(shared == expected, "tcId \(id): shared secret differs")
            if shared == expected { validPassed += 1 }
        }
        print(
            "wycheproof ecdh_secp256r1_webcrypto_test.json: \(file.numberOfTests) vectors, "
                + "\(validPassed + invalidRefused) run: \(validPassed) valid passed, \(invalidRefused) invalid refused at JWK load"
        )
        #expect(validPassed == 330)
        #expect(invalidRefused == 23)
        #expect(validPassed + invalidRefused == file.numberOfTests)
    }

    @Test func bothSidesAgree() throws {
        let a = try P256PrivateKey()
        let b = try P256PrivateKey()
        let ab = try a.sharedSecret(with: b.publicKey)
        let ba = try b.sharedSecret(with: a.publicKey)
        #expect(ab.count == 32)
        #expect(ab == ba)
        let c = try P256PrivateKey()
        #expect(try a.sharedSecret(with: c.publicKey) != ab)
    }

    /// Compresses sorted IDs into "1-3, 7" for the log line.
    static func ranges(_ ids: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let sorted = ids.sorted()
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

@Suite struct P256PublicKeyLoadingTests {
    static func vector(_ id: Int) throws -> [UInt8] {
        let file = try WycheproofFile("ecdh_secp256r1_test")
        let test = try #require(file.tests.first { $0.test.tcId == id }?.test)
        return try test.hex("public")
    }

    static func pem(_ der: [UInt8]) -> String {
        let b64 = Base64URL.encodeStandard(der)
        var lines: [String] = []
        var rest = Substring(b64)
        while !rest.isEmpty {
            lines.append(String(rest.prefix(64)))
            rest = rest.dropFirst(64)
        }
        return "-----BEGIN PUBLIC KEY-----\n" + lines.joined(separator: "\n") + "\n-----END PUBLIC KEY-----\n"
    }

    /// The PEM path goes through OpenSSL's lenient decoder; explicit curve parameters must still be refused.
    @Test func explicitParametersRefusedThroughPEM() throws {
        for id in [359, 360, 361, 362] {
            #expect(throws: HubProtocolError.self, "tcId \(id)") {
                try P256PublicKey(pem: Self.pem(try Self.vector(id)))
            }
        }
    }

    /// A compressed point read through PEM is re-encoded uncompressed (no crash in `x`/`y`).
    @Test func compressedPointThroughPEMIsNormalised() throws {
        let compressed = try P256PublicKey(pem: Self.pem(try Self.vector(2)))
        let uncompressed = try P256PublicKey(derSubjectPublicKeyInfo: try Self.vector(1))
        #expect(compressed.uncompressedPoint == uncompressed.uncompressedPoint)
        #expect(compressed.derSubjectPublicKeyInfo.count == 91)
    }

    /// The DER path takes only the canonical encoding: BER variants and compressed points are refused.
    @Test func derIsStrict() throws {
        #expect(throws: HubProtocolError.self) { try P256PublicKey(derSubjectPublicKeyInfo: try Self.vector(2)) }
        #expect(throws: HubProtocolError.self) { try P256PublicKey(derSubjectPublicKeyInfo: try Self.vector(391)) }
        #expect(throws: HubProtocolError.self) { try P256PublicKey(derSubjectPublicKeyInfo: try Self.vector(459)) }
        let good = try Self.vector(1)
        #expect(try P256PublicKey(derSubjectPublicKeyInfo: good).derSubjectPublicKeyInfo == good)
    }
}
