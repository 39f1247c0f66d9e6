import HubProtocol

/// A small federation PKI made in-process for tests: a root, an intermediate,
/// node certificates and a second, unrelated root.
struct SigningFixture: Sendable {
    static let oinA = "99990000000000000001"
    static let oinB = "99990000000000000002"
    static let now: Int64 = 1_767_225_600  // 2026-01-01T00:00:00Z
    static let year: Int64 = 365 * 86_400

    let root: CertificateAuthority
    let intermediate: CertificateAuthority
    let otherRoot: CertificateAuthority
    /// Node A, issued by the intermediate.
    let signerA: JWSSigner
    /// Node B, issued directly by the root.
    let signerB: JWSSigner
    let bundle: TrustBundle

    init() throws {
        root = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Test Federation Root", organization: "Hub Test"),
            key: P256PrivateKey(),
            notBefore: Self.now - Self.year,
            notAfter: Self.now + 10 * Self.year
        )
        intermediate = try root.makeIntermediate(
            subject: CertificateSubject(commonName: "Test Federation Issuing CA", organization: "Hub Test"),
            key: P256PrivateKey(),
            notBefore: Self.now - Self.year,
            notAfter: Self.now + 5 * Self.year
        )
        otherRoot = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Some Other Root", organization: "Elsewhere"),
            key: P256PrivateKey(),
            notBefore: Self.now - Self.year,
            notAfter: Self.now + 10 * Self.year
        )
        signerA = try Self.node(Self.oinA, "Gemeente Arnhem", by: intermediate, chainExtra: [intermediate.certificate])
        signerB = try Self.node(Self.oinB, "Gemeente Zwolle", by: root)
        bundle = try TrustBundle(roots: [root.certificate])
    }

    /// A node signer issued by `ca` (chain: leaf, then `chainExtra`).
    static func node(
        _ oin: String,
        _ name: String,
        by ca: CertificateAuthority,
        chainExtra: [Certificate] = [],
        notBefore: Int64? = nil,
        notAfter: Int64? = nil,
        uris: [String] = []
    ) throws -> JWSSigner {
        let key = try P256PrivateKey()
        let certificate = try ca.issue(
            .node(
                oin: oin,
                displayName: name,
                dnsNames: ["hub.\(oin).example"],
                uris: uris,
                notBefore: notBefore ?? now - 3600,
                notAfter: notAfter ?? now + year
            ),
            publicKey: key.publicKey
        )
        return try JWSSigner(key: key, chain: [certificate] + chainExtra)
    }

    /// A valid message payload from A to B.
    static func messagePayload(
        iss: String = oinA,
        aud: String = oinB,
        iat: Int64 = now,
        exp: Int64? = nil
    ) -> [String: JSONValue] {
        [
            "v": .integer(1), "type": .string("referral.accept"),
            "jti": .string("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"),
            "iss": .string(iss), "aud": .string(aud), "iat": .integer(iat), "exp": .integer(exp ?? iat + 86_400),
            "body": .object(["referral_id": .string("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c")]),
        ]
    }
}
