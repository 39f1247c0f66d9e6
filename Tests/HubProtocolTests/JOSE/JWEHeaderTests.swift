import Foundation
import Testing

@testable import HubProtocol

/// Headers that break PROTOCOL §7, each in a JWE whose encryption is otherwise
/// right (key, IV, tag, AAD), so only the header checks can refuse it.
@Suite struct JWEHeaderTests {
    let key: P256PrivateKey
    let ephemeral: P256PrivateKey
    let good: [String: JSONValue]

    init() throws {
        key = try P256PrivateKey()
        ephemeral = try P256PrivateKey()
        good = try #require(
            JWEHeader(
                kid: ECPublicJWK.thumbprint(of: key.publicKey),
                ephemeralKey: ephemeral.publicKey,
                senderOIN: JWETests.sender,
                recipientOIN: JWETests.recipient,
                ref: JWETests.ref
            ).jsonValue.objectValue
        )
    }

    /// A JWE with `header` serialised as `headerBytes` (JCS by default), sealed properly.
    func craft(
        _ header: [String: JSONValue],
        headerBytes: [UInt8]? = nil,
        encryptedKey: String = "",
        ivCount: Int = 12,
        tagCount: Int = 16,
        enc: String = "A256GCM"
    ) throws -> String {
        let encoded = Base64URL.encode(headerBytes ?? JCS.serialize(.object(header)))
        let apu = header["apu"]?.stringValue.flatMap { Base64URL.decode($0) } ?? Array(JWETests.sender.utf8)
        let apv = header["apv"]?.stringValue.flatMap { Base64URL.decode($0) } ?? Array(JWETests.recipient.utf8)
        let cek = try ECDHES.deriveKey(
            privateKey: ephemeral,
            peer: key.publicKey,
            algorithmID: enc,
            partyUInfo: apu,
            partyVInfo: apv,
            keyBitLength: 256
        )
        let iv = SecureRandom.bytes(ivCount)
        let sealed = try AESGCM.seal(key: cek, iv: iv, plaintext: JWETests.plaintext, aad: Array(encoded.utf8))
        return [
            encoded, encryptedKey, Base64URL.encode(iv), Base64URL.encode(sealed.ciphertext),
            Base64URL.encode(sealed.tag.prefix(tagCount)),
        ]
        .joined(separator: ".")
    }

    func open(_ compact: String) throws -> [UInt8] {
        try JWE.open(
            compact,
            with: key,
            keyID: ECPublicJWK.thumbprint(of: key.publicKey),
            expectedSenderOIN: JWETests.sender,
            expectedRecipientOIN: JWETests.recipient,
            expectedRef: JWETests.ref
        )
    }

    func refused(_ why: Comment, _ change: (inout [String: JSONValue]) throws -> Void) throws {
        var header = good
        try change(&header)
        let compact = try craft(header)
        JWETests.expectCode(.invalidBody, why) { _ = try open(compact) }
    }

    @Test func craftedGoodHeaderOpens() throws {
        #expect(try open(try craft(good)) == JWETests.plaintext)
        // The header is authenticated as received: a non-JCS layout (other JOSE libraries) still opens.
        let rest = JCS.serialize(.object(good.filter { $0.key != "alg" && $0.key != "enc" }))
        let spaced =
            Array(#"{ "enc": "A256GCM", "alg": "ECDH-ES", "#.utf8) + rest.dropFirst().dropLast() + Array(" }\n".utf8)
        #expect(try open(try craft(good, headerBytes: spaced)) == JWETests.plaintext)
    }

    @Test func memberSet() throws {
        try refused("zip") { $0["zip"] = .string("DEF") }
        try refused("extra member") { $0["typ"] = .string("JWE") }
        try refused("crit") { $0["crit"] = .array([.string("ref")]) }
        for name in JWEHeader.memberNames.sorted() {
            try refused("missing \(name)") { $0[name] = nil }
        }
    }

    @Test func memberValues() throws {
        try refused("alg with key wrap") { $0["alg"] = .string("ECDH-ES+A256KW") }
        try refused("alg dir") { $0["alg"] = .string("dir") }
        try refused("cty") { $0["cty"] = .string("json") }
        try refused("kid not a string") { $0["kid"] = .number(1) }
        try refused("ref not a string") { $0["ref"] = .null }
        try refused("empty ref") { $0["ref"] = .string("") }
        try refused("apu padded") { $0["apu"] = .string(Base64URL.encode(Array(JWETests.sender.utf8)) + "=") }
        try refused("apu empty") { $0["apu"] = .string("") }
        try refused("apu not UTF-8") { $0["apu"] = .string(Base64URL.encode([0xff, 0xfe])) }
        try refused("apv standard base64") {
            $0["apv"] = .string(Base64URL.encodeStandard(Array(JWETests.recipient.utf8)))
        }
        // enc A128GCM, with the KDF's AlgorithmID matching it.
        var header = good
        header["enc"] = .string("A128GCM")
        let compact = try craft(header, enc: "A128GCM")
        JWETests.expectCode(.invalidBody, "enc A128GCM") { _ = try open(compact) }
    }

    @Test func ephemeralKey() throws {
        let epk = try #require(good["epk"]?.objectValue)
        try refused("epk with kid") { $0["epk"] = .object(epk.merging(["kid": .string("e")]) { $1 }) }
        try refused("epk with d") {
            $0["epk"] = .object(epk.merging(["d": .string(Base64URL.encode(try ephemeral.rawScalar()))]) { $1 })
        }
        try refused("epk off the curve") {
            let encoded = try #require(epk["y"]?.stringValue)
            var y = try #require(Base64URL.decode(encoded))
            y[31] ^= 1
            $0["epk"] = .object(epk.merging(["y": .string(Base64URL.encode(y))]) { $1 })
        }
        try refused("epk on P-384") { $0["epk"] = .object(epk.merging(["crv": .string("P-384")]) { $1 }) }
        try refused("epk a string") { $0["epk"] = .string("key") }
    }

    @Test func otherParts() throws {
        JWETests.expectCode(.invalidBody, "16-byte IV") { _ = try open(try craft(good, ivCount: 16)) }
        JWETests.expectCode(.invalidBody, "8-byte IV") { _ = try open(try craft(good, ivCount: 8)) }
        JWETests.expectCode(.invalidBody, "12-byte tag") { _ = try open(try craft(good, tagCount: 12)) }
        JWETests.expectCode(.invalidBody, "encrypted key") { _ = try open(try craft(good, encryptedKey: "AAAA")) }
    }

    @Test func headerNotIJSON() throws {
        let jcs = JCS.serialize(.object(good))
        JWETests.expectCode(.invalidBody, "duplicate member") {
            let duplicated = Array(#"{"ref":"x","#.utf8) + jcs.dropFirst()
            _ = try open(try craft(good, headerBytes: duplicated))
        }
        JWETests.expectCode(.invalidBody, "array") { _ = try open(try craft(good, headerBytes: Array("[]".utf8))) }
        JWETests.expectCode(.invalidBody, "trailing bytes") {
            _ = try open(try craft(good, headerBytes: jcs + [0x20, 0x78]))
        }
        JWETests.expectCode(.invalidBody, "not UTF-8") {
            _ = try open(
                try craft(good, headerBytes: Array(jcs.dropLast()) + Array(#","x":""#.utf8) + [0xc3, 0x28, 0x22, 0x7d])
            )
        }
    }
}
