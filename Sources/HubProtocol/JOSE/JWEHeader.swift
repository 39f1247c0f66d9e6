/// The protected header of a hub JWE (PROTOCOL §7): exactly the members
/// `alg` = `ECDH-ES`, `enc` = `A256GCM`, `kid`, `epk`, `apu`, `apv`,
/// `cty` = `hub-identity+json` and `ref`.
///
/// `apu` and `apv` carry the sender's and recipient's OINs as base64url of
/// their UTF-8 bytes; this type holds them decoded.
public struct JWEHeader: Sendable, Equatable {
    /// The only `alg`: ECDH-ES in direct key agreement mode.
    public static let algorithm = "ECDH-ES"
    /// The only `enc`: AES-256-GCM.
    public static let encryption = "A256GCM"
    /// The only `cty`.
    public static let contentType = "hub-identity+json"
    /// The member names, no more and no fewer.
    public static let memberNames: Set<String> = ["alg", "enc", "kid", "epk", "apu", "apv", "cty", "ref"]

    /// The recipient key's ID (its RFC 7638 thumbprint).
    public let kid: String
    /// The sender's ephemeral public key (`epk`).
    public let ephemeralKey: P256PublicKey
    /// The sender's OIN, decoded from `apu`.
    public let senderOIN: String
    /// The recipient's OIN, decoded from `apv`.
    public let recipientOIN: String
    /// The referral the sealed data belongs to (`ref`).
    public let ref: String

    /// Makes a header.
    public init(kid: String, ephemeralKey: P256PublicKey, senderOIN: String, recipientOIN: String, ref: String) {
        self.kid = kid
        self.ephemeralKey = ephemeralKey
        self.senderOIN = senderOIN
        self.recipientOIN = recipientOIN
        self.ref = ref
    }

    /// The `apu` bytes: the sender OIN's UTF-8.
    public var partyUInfo: [UInt8] { Array(senderOIN.utf8) }
    /// The `apv` bytes: the recipient OIN's UTF-8.
    public var partyVInfo: [UInt8] { Array(recipientOIN.utf8) }

    /// The header as a JSON object (serialise it with JCS).
    public var jsonValue: JSONValue {
        .object([
            "alg": .string(Self.algorithm),
            "enc": .string(Self.encryption),
            "kid": .string(kid),
            "epk": ECPublicJWK(ephemeralKey).jsonValue,
            "apu": .string(Base64URL.encode(partyUInfo)),
            "apv": .string(Base64URL.encode(partyVInfo)),
            "cty": .string(Self.contentType),
            "ref": .string(ref),
        ])
    }

    /// Parses and checks a header object. Every failure is `invalid_body` and
    /// names the member, never its value.
    public init(json: JSONValue) throws {
        guard let members = json.objectValue else { throw Self.invalid("the JWE header is not a JSON object") }
        let names = Set(members.keys)
        if let extra = names.subtracting(Self.memberNames).sorted().first {
            throw Self.invalid("unexpected JWE header member \"\(extra)\"")
        }
        if let missing = Self.memberNames.subtracting(names).sorted().first {
            throw Self.invalid("JWE header member \"\(missing)\" is missing")
        }
        func string(_ name: String) throws -> String {
            guard let value = members[name]?.stringValue else {
                throw Self.invalid("JWE header member \"\(name)\" must be a string")
            }
            return value
        }
        func require(_ name: String, _ expected: String) throws {
            guard try string(name) == expected else {
                throw Self.invalid("JWE header member \"\(name)\" must be \"\(expected)\"")
            }
        }
        /// Canonical base64url of non-empty valid UTF-8.
        func text(_ name: String) throws -> String {
            guard let bytes = Base64URL.decode(try string(name)), !bytes.isEmpty else {
                throw Self.invalid("JWE header member \"\(name)\" must be non-empty canonical base64url")
            }
            let decoded = String(decoding: bytes, as: UTF8.self)
            guard Array(decoded.utf8) == bytes else {
                throw Self.invalid("JWE header member \"\(name)\" is not base64url of UTF-8")
            }
            return decoded
        }
        try require("alg", Self.algorithm)
        try require("enc", Self.encryption)
        try require("cty", Self.contentType)
        let kid = try string("kid")
        let ref = try string("ref")
        guard !kid.isEmpty else { throw Self.invalid("JWE header member \"kid\" is empty") }
        guard !ref.isEmpty else { throw Self.invalid("JWE header member \"ref\" is empty") }
        let epk: ECPublicJWK
        do {
            epk = try ECPublicJWK(json: members["epk"]!, profile: .bare)
        } catch let error as HubProtocolError {
            throw Self.invalid("JWE header member \"epk\": \(error.message)")
        }
        self.init(
            kid: kid,
            ephemeralKey: epk.publicKey,
            senderOIN: try text("apu"),
            recipientOIN: try text("apv"),
            ref: ref
        )
    }

    static func invalid(_ message: String) -> HubProtocolError { HubProtocolError(.invalidBody, message) }
}
