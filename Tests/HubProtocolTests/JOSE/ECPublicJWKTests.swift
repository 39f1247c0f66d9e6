import Foundation
import Testing

@testable import HubProtocol

@Suite struct ECPublicJWKTests {
    /// Bob's key from RFC 7518 Appendix C.
    static let bob = [
        "kty": "EC", "crv": "P-256", "x": "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
        "y": "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
    ]

    /// RFC 7638 has no EC example; this value was computed independently with
    ///
    ///     python3 -c 'import json,hashlib,base64
    ///     k={"kty":"EC","crv":"P-256","x":"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ","y":"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck"}
    ///     s=json.dumps(k,separators=(",",":"),sort_keys=True)
    ///     print(base64.urlsafe_b64encode(hashlib.sha256(s.encode()).digest()).rstrip(b"=").decode())'
    ///
    /// (the interop test also checks thumbprints of random keys against Python at run time).
    @Test func thumbprintOfAppendixCKey() throws {
        let jwk = try ECPublicJWK(json: stringObject(Self.bob), profile: .bare)
        #expect(jwk.thumbprint() == "Vy57XrArUrW0NbpI12tEzDHABxMwrTh6HHXRenSpnCo")
        #expect(jwk.xBase64URL == Self.bob["x"])
        #expect(jwk.yBase64URL == Self.bob["y"])
    }

    @Test func encryptionKeyRoundTrip() throws {
        let key = try P256PrivateKey().publicKey
        let jwk = ECPublicJWK.encryptionKey(key)
        #expect(jwk.kid == jwk.thumbprint())
        #expect(jwk.use == "enc")
        #expect(jwk.alg == "ECDH-ES")
        #expect(jwk.jsonValue.objectValue?.keys.sorted() == ["alg", "crv", "kid", "kty", "use", "x", "y"])
        let parsed = try ECPublicJWK(json: jwk.jsonValue, profile: .encryptionKey)
        #expect(parsed == jwk)
        #expect(parsed.publicKey == key)
        // The bare profile refuses the descriptor members, and the descriptor profile needs them.
        #expect(throws: HubProtocolError.self) { try ECPublicJWK(json: jwk.jsonValue, profile: .bare) }
        #expect(throws: HubProtocolError.self) {
            try ECPublicJWK(json: ECPublicJWK(key).jsonValue, profile: .encryptionKey)
        }
    }

    @Test func descriptorKeyChecks() throws {
        let jwk = ECPublicJWK.encryptionKey(try P256PrivateKey().publicKey)
        let good = try #require(jwk.jsonValue.objectValue)
        func refused(_ change: (inout [String: JSONValue]) -> Void, _ why: Comment) {
            var members = good
            change(&members)
            #expect(throws: HubProtocolError.self, why) {
                try ECPublicJWK(json: .object(members), profile: .encryptionKey)
            }
        }
        refused(
            { $0["kid"] = .string(ECPublicJWK(try! P256PrivateKey().publicKey).thumbprint()) },
            "kid of another key"
        )
        refused({ $0["use"] = .string("sig") }, "use sig")
        refused({ $0["alg"] = .string("ECDH-ES+A256KW") }, "alg with key wrap")
        refused({ $0["key_ops"] = .array([.string("deriveKey")]) }, "extra member")
        refused({ $0["kid"] = nil }, "no kid")
        refused({ $0["kid"] = .number(1) }, "kid not a string")
    }

    @Test func bareKeyChecks() throws {
        func refused(_ change: (inout [String: String]) -> Void, _ why: Comment) {
            var members = Self.bob
            change(&members)
            #expect(throws: HubProtocolError.self, why) { try ECPublicJWK(json: stringObject(members), profile: .bare) }
        }
        refused({ $0["kty"] = "OKP" }, "kty")
        refused({ $0["crv"] = "P-384" }, "crv")
        refused({ $0["crv"] = "secp256r1" }, "crv alias")
        refused({ $0["x"] = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ=" }, "padded")
        refused({ $0["x"] = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMR" }, "non-canonical trailing bits")
        refused({ $0["x"] = "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_Px" }, "31 bytes")
        refused({ $0["x"] = Base64URL.encode([0] + Base64URL.decode(Self.bob["x"]!)!) }, "leading zero byte, 33 bytes")
        refused({ $0["y"] = "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOycs" }, "not on the curve")
        refused({ $0["y"] = nil }, "no y")
        refused({ $0["d"] = "VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw" }, "private member in a public key")
        #expect(throws: HubProtocolError.self) { try ECPublicJWK(json: .array([]), profile: .bare) }
        #expect(throws: HubProtocolError.self) {
            try ECPublicJWK(
                json: .object(stringObject(Self.bob).objectValue!.merging(["x": .number(1)]) { $1 }),
                profile: .bare
            )
        }
    }

    @Test func privateJWK() throws {
        let key = try P256PrivateKey()
        let jwk = ECPrivateJWK(key, kid: "k1")
        let json = try jwk.jsonValue()
        #expect(json.objectValue?.keys.sorted() == ["crv", "d", "kid", "kty", "x", "y"])
        let parsed = try ECPrivateJWK(json: json)
        #expect(try parsed.privateKey.rawScalar() == key.rawScalar())
        #expect(parsed.publicJWK == jwk.publicJWK)
        // d that does not belong to x/y is refused.
        var members = try #require(json.objectValue)
        members["d"] = .string(Base64URL.encode(try P256PrivateKey().rawScalar()))
        #expect(throws: HubProtocolError.self) { try ECPrivateJWK(json: .object(members)) }
        // d = 0 and d = n are refused.
        members = try #require(json.objectValue)
        members["d"] = .string(Base64URL.encode([UInt8](repeating: 0, count: 32)))
        #expect(throws: HubProtocolError.self) { try ECPrivateJWK(json: .object(members)) }
        let n = try #require(Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
        members["d"] = .string(Base64URL.encode(n))
        #expect(throws: HubProtocolError.self) { try ECPrivateJWK(json: .object(members)) }
    }
}
