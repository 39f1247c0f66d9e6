import Foundation
import Testing

@testable import HubProtocol

@Suite struct JWETests {
    static let sender = "99990000000000000001"
    static let recipient = "99990000000000000002"
    static let ref = "01890a5d-ac96-774b-bcce-b302099a8057"
    static let plaintext = Array(#"{"note":null,"pad":"  ","persons":[]}"#.utf8)

    struct Fixture {
        let key: P256PrivateKey
        let jwk: ECPublicJWK
        let compact: String

        init(plaintext: [UInt8] = JWETests.plaintext) throws {
            key = try P256PrivateKey()
            jwk = ECPublicJWK.encryptionKey(key.publicKey)
            compact = try JWE.seal(
                plaintext: plaintext,
                to: jwk,
                senderOIN: JWETests.sender,
                recipientOIN: JWETests.recipient,
                ref: JWETests.ref
            )
        }

        func open(
            _ compact: String? = nil,
            sender: String = JWETests.sender,
            recipient: String = JWETests.recipient,
            ref: String = JWETests.ref
        ) throws -> [UInt8] {
            try JWE.open(
                compact ?? self.compact,
                with: key,
                keyID: jwk.kid!,
                expectedSenderOIN: sender,
                expectedRecipientOIN: recipient,
                expectedRef: ref
            )
        }
    }

    /// Expects `body` to throw a HubProtocolError with `code`.
    static func expectCode(_ code: HubProtocolError.Code, _ comment: Comment? = nil, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected \(code), but it succeeded: \(comment?.description ?? "")")
        } catch let error as HubProtocolError {
            #expect(error.code == code, "\(comment?.description ?? ""): \(error)")
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func roundTrip() throws {
        for size in [0, 1, 15, 16, 17, 1024, 4096] {
            let plaintext = SecureRandom.bytes(size)
            let f = try Fixture(plaintext: plaintext)
            #expect(try f.open() == plaintext)
        }
    }

    @Test func shape() throws {
        let f = try Fixture()
        let parts = f.compact.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 5)
        #expect(parts[1].isEmpty)
        #expect(Base64URL.decode(parts[2])?.count == 12)
        #expect(Base64URL.decode(parts[3])?.count == Self.plaintext.count)
        #expect(Base64URL.decode(parts[4])?.count == 16)
        let headerBytes = try #require(Base64URL.decode(parts[0]))
        let json = try JSONParser.parse(headerBytes)
        // Serialised with JCS, exactly the PROTOCOL §7 members.
        #expect(JCS.serialize(json) == headerBytes)
        #expect(json.objectValue?.keys.sorted() == ["alg", "apu", "apv", "cty", "enc", "epk", "kid", "ref"])
        #expect(json["alg"] == .string("ECDH-ES"))
        #expect(json["enc"] == .string("A256GCM"))
        #expect(json["cty"] == .string("hub-identity+json"))
        #expect(json["kid"] == .string(f.jwk.thumbprint()))
        #expect(json["apu"] == .string(Base64URL.encode(Array(Self.sender.utf8))))
        #expect(json["apv"] == .string(Base64URL.encode(Array(Self.recipient.utf8))))
        #expect(json["ref"] == .string(Self.ref))
        #expect(json["epk"]?.objectValue?.keys.sorted() == ["crv", "kty", "x", "y"])
        let header = try JWE.header(of: f.compact)
        #expect(header.kid == f.jwk.kid)
        #expect(header.senderOIN == Self.sender)
        #expect(header.recipientOIN == Self.recipient)
        #expect(header.ref == Self.ref)
        // A fresh ephemeral key and IV every time.
        let again = try JWE.seal(
            plaintext: Self.plaintext,
            to: f.jwk,
            senderOIN: Self.sender,
            recipientOIN: Self.recipient,
            ref: Self.ref
        )
        #expect(try JWE.header(of: again).ephemeralKey != header.ephemeralKey)
        #expect(again.split(separator: ".")[1] != parts[2])
    }

    /// Replaces every character, one at a time, with another base64url
    /// character (a '.' too): opening must fail every time.
    @Test func everyCharacterIsProtected() throws {
        let f = try Fixture()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let original = Array(f.compact.utf8)
        var failures: [HubProtocolError.Code: Int] = [:]
        for i in original.indices {
            var tampered = original
            // A deterministic but varied replacement that differs from the original.
            var c = alphabet[(i * 7 + 3) % alphabet.count]
            if c == original[i] { c = alphabet[(i * 7 + 4) % alphabet.count] }
            tampered[i] = c
            do {
                _ = try f.open(String(decoding: tampered, as: UTF8.self))
                Issue.record("position \(i) of \(original.count) changed and the JWE still opened")
            } catch let error as HubProtocolError {
                // A changed kid that still parses is an unknown key; everything else is invalid_body.
                #expect(error.code == .invalidBody || error.code == .unknownKey)
                failures[error.code, default: 0] += 1
            }
        }
        print("JWE tamper test: \(original.count) positions changed, all refused: \(failures)")
        #expect(failures.values.reduce(0, +) == original.count)
        #expect(try f.open() == Self.plaintext)
    }

    @Test func wrongRecipientKey() throws {
        let f = try Fixture()
        let other = try P256PrivateKey()
        Self.expectCode(.invalidBody, "another key under the same kid") {
            _ = try JWE.open(
                f.compact,
                with: other,
                keyID: f.jwk.kid!,
                expectedSenderOIN: Self.sender,
                expectedRecipientOIN: Self.recipient,
                expectedRef: Self.ref
            )
        }
    }

    @Test func unknownKid() throws {
        let f = try Fixture()
        Self.expectCode(.unknownKey, "kid not held") {
            _ = try JWE.open(
                f.compact,
                with: f.key,
                keyID: "another-kid",
                expectedSenderOIN: Self.sender,
                expectedRecipientOIN: Self.recipient,
                expectedRef: Self.ref
            )
        }
        // The lookup sees the header's kid and may hold several keys (rotation).
        let old = try P256PrivateKey()
        let keys = [ECPublicJWK.thumbprint(of: old.publicKey): old, f.jwk.kid!: f.key]
        let opened = try JWE.open(
            f.compact,
            keys: { keys[$0] },
            expectedSenderOIN: Self.sender,
            expectedRecipientOIN: Self.recipient,
            expectedRef: Self.ref
        )
        #expect(opened == Self.plaintext)
    }

    @Test func mismatchedContext() throws {
        let f = try Fixture()
        Self.expectCode(.invalidBody, "apu") { _ = try f.open(sender: "99990000000000000009") }
        Self.expectCode(.invalidBody, "apv") { _ = try f.open(recipient: "99990000000000000009") }
        Self.expectCode(.invalidBody, "ref") { _ = try f.open(ref: "01890a5d-ac96-774b-bcce-b302099a8058") }
        // Mismatches are final: they are reported even when the kid is unknown.
        Self.expectCode(.invalidBody, "apu before kid") {
            _ = try JWE.open(
                f.compact,
                keys: { _ in nil },
                expectedSenderOIN: "x",
                expectedRecipientOIN: Self.recipient,
                expectedRef: Self.ref
            )
        }
    }

    @Test func partCounts() throws {
        let f = try Fixture()
        let parts = f.compact.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        Self.expectCode(.invalidBody, "4 parts") { _ = try f.open(parts.prefix(4).joined(separator: ".")) }
        Self.expectCode(.invalidBody, "6 parts") { _ = try f.open((parts + [""]).joined(separator: ".")) }
        Self.expectCode(.invalidBody, "6 parts") { _ = try f.open((parts + [parts[4]]).joined(separator: ".")) }
        Self.expectCode(.invalidBody, "empty") { _ = try f.open("") }
        Self.expectCode(.invalidBody, "trailing newline") { _ = try f.open(f.compact + "\n") }
        Self.expectCode(.invalidBody, "padded tag") { _ = try f.open(f.compact + "==") }
        var withKey = parts
        withKey[1] = Base64URL.encode(SecureRandom.bytes(40))
        Self.expectCode(.invalidBody, "encrypted key part") { _ = try f.open(withKey.joined(separator: ".")) }
        Self.expectCode(.invalidBody, "header(of:)") { _ = try JWE.header(of: withKey.joined(separator: ".")) }
    }
}
