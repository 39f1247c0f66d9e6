/// The payload of a `hub-descriptor+jws` (PROTOCOL §7): who a node is, where it
/// listens, which keys seal data to it and what it can receive.
public struct DescriptorPayload: Sendable, Equatable, Codable {
    /// The capabilities this implementation understands.
    public static let knownCapabilities: Set<String> = ["referral/1", "methodology/1", "stats/1"]

    public var v: Int = 1
    public var type: String = "descriptor"
    public var iss: String
    public var iat: Int64
    public var exp: Int64
    /// Display name, e.g. `Gemeente Arnhem`.
    public var name: String
    /// CBS municipality code, e.g. `GM0202`.
    public var municipalityCode: String
    /// `https://host:port`.
    public var endpoint: String
    /// Encryption keys, newest first.
    public var encKeys: [ECPublicJWK]
    /// Capabilities such as `referral/1`.
    public var capabilities: [String]

    /// Makes a descriptor payload.
    public init(
        iss: String,
        iat: Int64,
        exp: Int64,
        name: String,
        municipalityCode: String,
        endpoint: String,
        encKeys: [ECPublicJWK],
        capabilities: [String]
    ) {
        self.iss = iss
        self.iat = iat
        self.exp = exp
        self.name = name
        self.municipalityCode = municipalityCode
        self.endpoint = endpoint
        self.encKeys = encKeys
        self.capabilities = capabilities
    }

    /// Whether `code` is a CBS municipality code: `GM` and four digits.
    public static func isMunicipalityCode(_ code: String) -> Bool {
        let u = Array(code.utf8)
        return u.count == 6 && u[0] == UInt8(ascii: "G") && u[1] == UInt8(ascii: "M")
            && u[2...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case v, type, iss, iat, exp, name
        case municipalityCode = "municipality_code"
        case endpoint
        case encKeys = "enc_keys"
        case capabilities
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try c.decodeConstant(.v, 1)
        try c.decodeConstant(.type, "descriptor")
        iss = try c.decodeOIN(.iss)
        iat = try c.decode(Int64.self, forKey: .iat)
        exp = try c.decode(Int64.self, forKey: .exp)
        name = try c.decodeText(.name, max: 200)
        municipalityCode = try c.decode(String.self, forKey: .municipalityCode)
        guard Self.isMunicipalityCode(municipalityCode) else {
            throw c.invalid(.municipalityCode, "not a CBS code such as GM0202")
        }
        endpoint = try c.decodeText(.endpoint, max: 300)
        guard endpoint.hasPrefix("https://") else { throw c.invalid(.endpoint, "must be an https:// URL") }
        let keys = try c.decode([JSONValue].self, forKey: .encKeys)
        guard (1...4).contains(keys.count) else { throw c.invalid(.encKeys, "must list 1 to 4 keys") }
        do {
            encKeys = try keys.map { try ECPublicJWK(json: $0, profile: .encryptionKey) }
        } catch let error as HubProtocolError {
            throw c.invalid(.encKeys, error.message)
        }
        capabilities = try c.decode([String].self, forKey: .capabilities)
        guard Set(capabilities).count == capabilities.count, capabilities.count <= 32 else {
            throw c.invalid(.capabilities, "must be at most 32 distinct values")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(v, forKey: .v)
        try c.encode(type, forKey: .type)
        try c.encode(iss, forKey: .iss)
        try c.encode(iat, forKey: .iat)
        try c.encode(exp, forKey: .exp)
        try c.encode(name, forKey: .name)
        try c.encode(municipalityCode, forKey: .municipalityCode)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(encKeys.map(\.jsonValue), forKey: .encKeys)
        try c.encode(capabilities, forKey: .capabilities)
    }
}
