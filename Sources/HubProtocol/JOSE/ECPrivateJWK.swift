/// An EC P-256 private key as a JSON Web Key (RFC 7518 §6.2.2): the public
/// members plus `d`, for key files and test vectors.
///
/// Parsing checks that `d` is in [1, n−1] and that `x`/`y` are its public
/// point. The JSON form holds the secret in an ordinary `String`, which cannot
/// be zeroised: prefer PKCS#8 PEM (``P256PrivateKey/pkcs8PEM()``) for keys
/// that live long.
public struct ECPrivateJWK: Sendable {
    /// The private key.
    public let privateKey: P256PrivateKey
    /// The public half with its metadata (`kid`, `use`, `alg`).
    public let publicJWK: ECPublicJWK

    /// Wraps a private key; the metadata goes on the public half.
    public init(_ privateKey: P256PrivateKey, kid: String? = nil, use: String? = nil, alg: String? = nil) {
        self.privateKey = privateKey
        self.publicJWK = ECPublicJWK(privateKey.publicKey, kid: kid, use: use, alg: alg)
    }

    /// Parses `{"kty":"EC","crv":"P-256","x","y","d"}`, optionally with `kid`,
    /// `use` and `alg` strings; any other member is refused.
    public init(json: JSONValue) throws {
        guard let members = json.objectValue else { throw HubProtocolError(.invalidKey, "a JWK must be a JSON object") }
        let required: Set<String> = ["kty", "crv", "x", "y", "d"]
        let optional: Set<String> = ["kid", "use", "alg"]
        try ECPublicJWK.requireMembers(
            members,
            exactly: required.union(optional.filter { members[$0] != nil })
        )
        let publicKey = try ECPublicJWK.parsePoint(members)
        var d = try ECPublicJWK.coordinate(members, "d")
        defer { zeroize(&d) }
        let privateKey = try P256PrivateKey(rawScalar: d)
        guard privateKey.publicKey == publicKey else {
            throw HubProtocolError(.invalidKey, "JWK members \"x\" and \"y\" are not the public point of \"d\"")
        }
        func meta(_ name: String) throws -> String? {
            members[name] == nil ? nil : try ECPublicJWK.string(members, name)
        }
        self.privateKey = privateKey
        self.publicJWK = ECPublicJWK(publicKey, kid: try meta("kid"), use: try meta("use"), alg: try meta("alg"))
    }

    /// The JWK as a JSON object, including the secret `d`.
    public func jsonValue() throws -> JSONValue {
        var d = try privateKey.rawScalar()
        defer { zeroize(&d) }
        guard case .object(var members) = publicJWK.jsonValue else { preconditionFailure("a JWK is an object") }
        members["d"] = .string(Base64URL.encode(d))
        return .object(members)
    }
}
