/// Signs the hub's objects: JCS payload, ES256, header `{alg, typ, x5c}`.
public struct JWSSigner: Sendable {
    /// The signing key; its public half is the leaf certificate's.
    public let key: P256PrivateKey
    /// The certificate chain, leaf first, root omitted (1–4 certificates).
    public let chain: [Certificate]
    /// The signer's OIN, from the leaf.
    public let oin: String

    /// Makes a signer, checking that the chain fits the header rules and that
    /// the key belongs to the leaf.
    public init(key: P256PrivateKey, chain: [Certificate]) throws {
        guard (1...4).contains(chain.count) else {
            throw HubProtocolError(
                .invalidKey,
                "the x5c chain must hold 1 to 4 certificates (leaf first, root omitted); got \(chain.count)"
            )
        }
        for (i, c) in chain.enumerated() where c.der.count > 8192 {
            throw HubProtocolError(.invalidKey, "certificate \(i) of the chain is larger than 8 KiB of DER")
        }
        guard let leafKey = chain[0].publicKey else {
            throw HubProtocolError(.invalidKey, "the leaf certificate does not hold an EC P-256 key")
        }
        guard leafKey == key.publicKey else {
            throw HubProtocolError(.invalidKey, "the private key does not belong to the leaf certificate")
        }
        guard let oin = chain[0].oin else {
            throw HubProtocolError(.invalidKey, "the leaf certificate has no OIN (subject serialNumber of 20 digits)")
        }
        self.key = key
        self.chain = chain
        self.oin = oin
    }

    /// The protected header for `typ`.
    public func header(typ: JWSType) -> JSONValue {
        .object([
            "alg": .string("ES256"),
            "typ": .string(typ.rawValue),
            "x5c": .array(chain.map { .string(Base64URL.encodeStandard($0.der)) }),
        ])
    }

    /// Signs a JSON payload (serialised with JCS) as `typ`.
    public func sign(_ payload: JSONValue, typ: JWSType) throws -> String {
        try CompactJWS.signES256(header: JCS.serialize(header(typ: typ)), payload: JCS.serialize(payload), with: key)
    }

    /// Encodes `payload` and signs it as `typ`.
    public func sign(encoding payload: some Encodable, typ: JWSType) throws -> String {
        try sign(JSONValueEncoder().encode(payload), typ: typ)
    }
}
