/// An EC P-256 public key as a JSON Web Key (RFC 7517, RFC 7518 §6.2):
/// `{"kty":"EC","crv":"P-256","x":…,"y":…}` with optional `kid`, `use`, `alg`.
///
/// A value always holds a point that is on the curve: every way in goes
/// through ``P256PublicKey``. The hub uses two shapes (``Profile``): the bare
/// key of a JWE `epk`, and the encryption key of a node descriptor
/// (PROTOCOL §7), whose `kid` is the key's RFC 7638 thumbprint.
public struct ECPublicJWK: Sendable, Equatable {
    /// The members a parsed JWK must have, no more and no fewer.
    public enum Profile: Sendable {
        /// Exactly `kty`, `crv`, `x`, `y`: a JWE `epk`.
        case bare
        /// Exactly `kty`, `crv`, `x`, `y`, `kid`, `use`, `alg`, with `kid` the
        /// key's thumbprint, `use` = `enc` and `alg` = `ECDH-ES`: a descriptor's `enc_keys` entry.
        case encryptionKey
    }

    /// The key.
    public let publicKey: P256PublicKey
    /// The key ID, if any.
    public let kid: String?
    /// The intended use (`enc`, `sig`), if any.
    public let use: String?
    /// The algorithm the key is for, if any.
    public let alg: String?

    /// The JWK `use` of a hub encryption key.
    public static let encryptionUse = "enc"
    /// The JWK `alg` of a hub encryption key.
    public static let encryptionAlgorithm = "ECDH-ES"

    /// Wraps a key, with optional metadata.
    public init(_ publicKey: P256PublicKey, kid: String? = nil, use: String? = nil, alg: String? = nil) {
        self.publicKey = publicKey
        self.kid = kid
        self.use = use
        self.alg = alg
    }

    /// A descriptor encryption key: `kid` = thumbprint, `use` = `enc`, `alg` = `ECDH-ES`.
    public static func encryptionKey(_ publicKey: P256PublicKey) -> ECPublicJWK {
        ECPublicJWK(publicKey, kid: thumbprint(of: publicKey), use: encryptionUse, alg: encryptionAlgorithm)
    }

    /// The x coordinate as base64url of its 32 big-endian bytes.
    public var xBase64URL: String { Base64URL.encode(publicKey.x) }
    /// The y coordinate as base64url of its 32 big-endian bytes.
    public var yBase64URL: String { Base64URL.encode(publicKey.y) }

    /// The RFC 7638 thumbprint: base64url(SHA-256(`{"crv":"P-256","kty":"EC","x":…,"y":…}`)).
    public func thumbprint() -> String { Self.thumbprint(of: publicKey) }

    /// The RFC 7638 thumbprint of `key`.
    public static func thumbprint(of key: P256PublicKey) -> String {
        // Required members in lexicographic order, no whitespace (RFC 7638 §3.2);
        // base64url needs no JSON escaping, so this string is already the JCS form.
        let x = Base64URL.encode(key.x)
        let y = Base64URL.encode(key.y)
        let canonical = #"{"crv":"P-256","kty":"EC","x":""# + x + #"","y":""# + y + #""}"#
        return Base64URL.encode(SHA256.hash(Array(canonical.utf8)))
    }

    /// The JWK as a JSON object (metadata members only when set).
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = [
            "kty": .string("EC"), "crv": .string("P-256"), "x": .string(xBase64URL), "y": .string(yBase64URL),
        ]
        if let kid { members["kid"] = .string(kid) }
        if let use { members["use"] = .string(use) }
        if let alg { members["alg"] = .string(alg) }
        return .object(members)
    }

    /// Parses a JWK object with exactly the members `profile` names.
    ///
    /// `x` and `y` must be canonical unpadded base64url of exactly 32 bytes and
    /// the point must lie on P-256. Errors are `invalid_key` and name the member.
    public init(json: JSONValue, profile: Profile) throws {
        guard let members = json.objectValue else { throw HubProtocolError(.invalidKey, "a JWK must be a JSON object") }
        let expected: Set<String>
        switch profile {
        case .bare: expected = ["kty", "crv", "x", "y"]
        case .encryptionKey: expected = ["kty", "crv", "x", "y", "kid", "use", "alg"]
        }
        try Self.requireMembers(members, exactly: expected)
        let key = try Self.parsePoint(members)
        switch profile {
        case .bare:
            self.init(key)
        case .encryptionKey:
            let kid = try Self.string(members, "kid")
            guard try Self.string(members, "use") == Self.encryptionUse else {
                throw HubProtocolError(.invalidKey, "JWK member \"use\" must be \"enc\"")
            }
            guard try Self.string(members, "alg") == Self.encryptionAlgorithm else {
                throw HubProtocolError(.invalidKey, "JWK member \"alg\" must be \"ECDH-ES\"")
            }
            guard kid == Self.thumbprint(of: key) else {
                throw HubProtocolError(.invalidKey, "JWK member \"kid\" is not the key's RFC 7638 thumbprint")
            }
            self.init(key, kid: kid, use: Self.encryptionUse, alg: Self.encryptionAlgorithm)
        }
    }

    static func requireMembers(_ members: [String: JSONValue], exactly expected: Set<String>) throws {
        let names = Set(members.keys)
        if let extra = names.subtracting(expected).sorted().first {
            throw HubProtocolError(.invalidKey, "unexpected JWK member \"\(extra)\"")
        }
        if let missing = expected.subtracting(names).sorted().first {
            throw HubProtocolError(.invalidKey, "JWK member \"\(missing)\" is missing")
        }
    }

    static func string(_ members: [String: JSONValue], _ name: String) throws -> String {
        guard let value = members[name]?.stringValue else {
            throw HubProtocolError(.invalidKey, "JWK member \"\(name)\" must be a string")
        }
        return value
    }

    static func coordinate(_ members: [String: JSONValue], _ name: String) throws -> [UInt8] {
        guard let bytes = Base64URL.decode(try string(members, name)), bytes.count == 32 else {
            throw HubProtocolError(.invalidKey, "JWK member \"\(name)\" must be unpadded base64url of 32 bytes")
        }
        return bytes
    }

    /// Checks `kty`/`crv` and loads the point from `x`/`y`.
    static func parsePoint(_ members: [String: JSONValue]) throws -> P256PublicKey {
        guard try string(members, "kty") == "EC" else {
            throw HubProtocolError(.invalidKey, "JWK member \"kty\" must be \"EC\"")
        }
        guard try string(members, "crv") == "P-256" else {
            throw HubProtocolError(.invalidKey, "JWK member \"crv\" must be \"P-256\"")
        }
        return try P256PublicKey(x: try coordinate(members, "x"), y: try coordinate(members, "y"))
    }
}
