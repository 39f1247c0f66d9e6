import Foundation
import HubProtocol
import Testing

/// Key rotation without downtime between two real nodes (issue "Operator
/// experience" item 6, PROTOCOL §7): a new encryption key with `hubctl keys
/// rotate-enc`, then a new TLS/signing certificate and key on SIGHUP.
@Suite(.serialized) struct KeyRotationTests {
    let federation: TestFederation
    var a: TestFederation.Member { federation.members[0] }
    var b: TestFederation.Member { federation.members[1] }
    var ca: URL { federation.root.url.appendingPathComponent("federation-ca.pem") }
    var portB: Int { federation.ports[b.oin]! }
    var now: Int64 { Int64(Date().timeIntervalSince1970) }
    var today: CalendarDate { CalendarDate(daysSinceEpoch: Int(now / 86_400)) }

    init() throws {
        federation = try TestFederation(count: 2)
        try federation.startAll()
    }

    func json(_ out: ProcessRunner.Output, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)", sourceLocation: sourceLocation)
        return try JSONParser.parse(Array(out.stdout.utf8))
    }

    /// B's descriptor as anyone fetches it: verified payload and the leaf certificate that signed it.
    func descriptorOfB() throws -> (DescriptorPayload, Certificate) {
        let answer = try Curl.call(
            port: portB,
            "GET",
            "/v1/descriptor",
            cert: b.operatorCert,
            key: b.operatorKey,
            ca: ca
        )
        #expect(answer.status == 200, "\(answer.body) \(answer.stderr)")
        let jws = try JSONParser.parse(Array(answer.body.utf8))["descriptor"]?.stringValue ?? ""
        let verifier = JWSVerifier(federation: try TrustBundle(roots: [federation.federationCA.certificate]))
        let payload = try verifier.verify(jws, typ: .descriptor, at: now).decode(DescriptorPayload.self)
        return (payload, try Self.leaf(of: jws))
    }

    static func leaf(of jws: String) throws -> Certificate {
        let header = try JSONParser.parse(try CompactJWS(jws).header)
        let der = try #require(header["x5c"]?.arrayValue?.first?.stringValue.flatMap { Base64URL.decodeStandard($0) })
        return try Certificate(der: der)
    }

    /// The `kid` of the sealed block in a stored `referral.offer`.
    static func sealedKid(of jws: String) throws -> String? {
        let sealed = try JSONParser.parse(try CompactJWS(jws).payload)["body"]?["sealed"]?.stringValue ?? ""
        let header = Base64URL.decode(sealed.prefix { $0 != "." }) ?? []
        return try JSONParser.parse(header)["kid"]?.stringValue
    }

    @Test func encryptionAndTLSKeysRotateWithoutDowntime() throws {
        // B's descriptor names one encryption key.
        let (before, oldLeaf) = try descriptorOfB()
        let oldKey = try #require(before.encKeys.first)
        #expect(before.encKeys.count == 1)

        // The operator rotates B's encryption key online.
        let rotated = try json(federation.hubctl(b, ["keys", "rotate-enc", "--json"], asOperator: true))
        let newKid = try #require(rotated["kid"]?.stringValue)
        #expect(newKid != oldKey.kid && rotated["previous"]?["kid"]?.stringValue == oldKey.kid)
        let created = rotated["created_at"]?.intValue ?? 0
        #expect(rotated["previous"]?["leaves_descriptor_at"]?.intValue == created + 86_400)
        #expect(rotated["previous"]?["destroy_at"]?.intValue == created + 86_400 + 37 * 86_400)
        let listed = try federation.hubctl(b, ["keys", "list"], asOperator: true)
        #expect(listed.status == 0 && listed.stdout.contains(newKid) && listed.stdout.contains("retired"), "\(listed)")
        let caseworkerRefused = try federation.hubctl(b, ["keys", "rotate-enc"])
        #expect(caseworkerRefused.status != 0 && caseworkerRefused.stderr.contains("role_not_allowed"))
        #expect(
            try federation.count(b, "SELECT COUNT(*) FROM audit_log WHERE action = 'keys.rotate_enc'") == 1
        )
        #expect(try descriptorOfB().0.encKeys.map(\.kid) == [newKid, oldKey.kid])

        // A fetches B's new descriptor and seals a transfer to the new key; B accepts it.
        let persons = """
            {"persons":[{"role":"parent","bsn":"111222333","given_names":"Annemarie","family_name":"Verhoeven"}],
             "entry_phase":"separation_intent","help_domains":["children"],"referral_source":"gp"}
            """
        let caseID =
            try json(federation.hubctl(a, ["case", "open", "--json"], stdin: persons))["id"]?.stringValue ?? ""
        let offer = try json(
            federation.hubctl(
                a,
                [
                    "referral", "offer", "--json", "--case", caseID, "--to", b.name, "--kind", "transfer",
                    "--effective-date", today.adding(days: 14).description, "--respond-by",
                    today.adding(days: 7).description, "--consent-basis", "consent", "--consent-date",
                    today.description,
                ]
            )
        )
        let referral = try #require(offer["referral_id"]?.stringValue)
        let stateAtB = "SELECT state FROM referrals WHERE sender_oin = '\(a.oin)' AND referral_id = '\(referral)'"
        try federation.waitUntil("the offer sealed to the new key reaches B", timeout: 20) {
            try federation.sql(b, stateAtB) == "offered"
        }
        let stored = try federation.sql(b, "SELECT jws FROM inbox WHERE type = 'referral.offer'")
        #expect(try Self.sealedKid(of: stored) == newKid)

        // An offer sealed to the old key, as A sends it from a descriptor cached before
        // the rotation, still opens on B.
        let oldOffer = try Self.offer(sealedTo: oldKey, from: a.oin, to: b.oin, today: today)
        let message = try federation.signer(a).sign(
            .object([
                "v": .integer(1), "type": .string("referral.offer"), "jti": .string(HubUUID.v7()),
                "iss": .string(a.oin), "aud": .string(b.oin), "iat": .integer(now), "exp": .integer(now + 3600),
                "body": oldOffer.body,
            ]),
            typ: .message
        )
        let receipt = try postAsA(message)
        #expect(receipt.status == .accepted, "\(receipt.reason?.rawValue ?? "")")
        #expect(try federation.sql(b, stateAtB.replacingOccurrences(of: referral, with: oldOffer.id)) == "offered")

        // TLS/signing rotation: new certificate and key files, then SIGHUP.
        let newKey = try P256PrivateKey()
        let newLeaf = try federation.federationCA.issue(
            .node(
                oin: b.oin,
                displayName: b.name,
                dnsNames: ["localhost"],
                ipAddresses: ["127.0.0.1"],
                notBefore: federation.now - 3600,
                notAfter: federation.now + 60 * 86_400
            ),
            publicKey: newKey.publicKey
        )
        #expect(newLeaf.der != oldLeaf.der)
        let slug = b.code.lowercased()
        try federation.write("\(slug)/node.key", newKey.pkcs8PEM(), mode: 0o600)
        try federation.write("\(slug)/node.pem", newLeaf.pem)
        try federation.reload(b)
        // New connections present the new certificate.
        #expect(try serverLeafOfB().der == newLeaf.der)
        // The descriptor is re-signed by the new key and still lists both encryption keys.
        let (after, signedBy) = try descriptorOfB()
        #expect(signedBy.der == newLeaf.der)
        #expect(after.encKeys.map(\.kid) == [newKid, oldKey.kid])
        // B's messages are signed by the new key, and A accepts them.
        let accepted = try federation.hubctl(b, ["referral", "accept", a.oin, referral])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        let stateAtA = "SELECT state FROM referrals WHERE referral_id = '\(referral)'"
        try federation.waitUntil("A receives B's accept signed with the new key", timeout: 20) {
            try federation.sql(a, stateAtA) == "accepted"
        }
        let accept = try federation.sql(a, "SELECT jws FROM inbox WHERE type = 'referral.accept'")
        #expect(try Self.leaf(of: accept).der == newLeaf.der)
    }

    /// POSTs one message to B as peer A (curl with A's node certificate).
    func postAsA(_ message: String) throws -> ReceiptPayload {
        let cert = try federation.write("a-as-peer.pem", a.nodeCert.pem)
        let key = try federation.write("a-as-peer.key", a.nodeKey.pkcs8PEM(), mode: 0o600)
        let answer = try Curl.call(
            port: portB,
            "POST",
            "/v1/messages",
            cert: cert,
            key: key,
            ca: ca,
            body: JCS.string(.object(["messages": .array([.string(message)])]))
        )
        #expect(answer.status == 200, "\(answer.body)")
        let jws = try JSONParser.parse(Array(answer.body.utf8))["receipts"]?.arrayValue?.first?.stringValue ?? ""
        let verifier = JWSVerifier(federation: try TrustBundle(roots: [federation.federationCA.certificate]))
        return try verifier.verify(jws, typ: .receipt, at: now).decode(ReceiptPayload.self)
    }

    /// The leaf certificate B presents to a new TLS connection (openssl s_client).
    func serverLeafOfB() throws -> Certificate {
        let cert = try federation.write("a-as-peer.pem", a.nodeCert.pem)
        let key = try federation.write("a-as-peer.key", a.nodeKey.pkcs8PEM(), mode: 0o600)
        let out = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            [
                "s_client", "-connect", "127.0.0.1:\(portB)", "-servername", "localhost", "-cert", cert.path, "-key",
                key.path, "-CAfile", ca.path,
            ],
            timeout: 20
        )
        guard let start = out.stdout.range(of: "-----BEGIN CERTIFICATE-----"),
            let end = out.stdout.range(of: "-----END CERTIFICATE-----", range: start.upperBound..<out.stdout.endIndex)
        else { throw RunnerError("s_client printed no certificate: \(out.stderr)") }
        return try Certificate(pem: String(out.stdout[start.lowerBound..<end.upperBound]))
    }

    /// A transfer offer whose identity is sealed to `key`.
    static func offer(
        sealedTo key: ECPublicJWK,
        from: String,
        to: String,
        today: CalendarDate
    ) throws -> (
        id: String, body: JSONValue
    ) {
        let id = HubUUID.v4()
        let identity = SealedIdentity(persons: [.init(role: .parent, bsn: try BSN("123456782"))], note: nil)
        let offer = ReferralOffer(
            referralID: id,
            kind: .transfer,
            effectiveDate: today.adding(days: 14),
            entryPhase: .postSeparation,
            helpDomains: [.children],
            referralSource: .municipality,
            children: [],
            safety: .init(),
            priority: .normal,
            respondBy: today.adding(days: 7),
            consent: .init(basis: .consent, date: today),
            sealed: try identity.seal(to: key, senderOIN: from, recipientOIN: to, referralID: id)
        )
        return (id, try JSONValueEncoder().encode(offer))
    }
}
