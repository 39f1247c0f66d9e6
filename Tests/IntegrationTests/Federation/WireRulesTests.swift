import Foundation
import HubProtocol
import Testing

/// PROTOCOL §2–§5 over the wire against a real node: every reason code a
/// test peer can provoke, malformed batches, TLS refusals with curl and
/// openssl s_client, roles, and the audit chain.
@Suite(.serialized) struct WireRulesTests {
    var ca: URL { federation.root.url.appendingPathComponent("federation-ca.pem") }
    let federation: TestFederation
    var a: TestFederation.Member { federation.members[0] }
    var b: TestFederation.Member { federation.members[1] }
    var port: Int { federation.ports[b.oin]! }

    init() throws {
        federation = try TestFederation(count: 2)
        try federation.startAll()
    }

    /// Node A's certificate and key as files, for curl to act as peer A.
    func peerCredentials() throws -> (URL, URL) {
        (
            try federation.write("a-as-peer.pem", a.nodeCert.pem),
            try federation.write("a-as-peer.key", a.nodeKey.pkcs8PEM(), mode: 0o600)
        )
    }

    /// POSTs `messages` to B as peer A with curl; returns the status and receipts.
    func post(_ messages: [String]) throws -> (Int, [ReceiptPayload]) {
        let body = JCS.string(.object(["messages": .array(messages.map { .string($0) })]))
        let (certPath, keyPath) = try peerCredentials()
        let answer = try Curl.call(port: port, "POST", "/v1/messages", cert: certPath, key: keyPath, ca: ca, body: body)
        guard answer.status == 200 else { return (answer.status, []) }
        let value = try JSONParser.parse(Array(answer.body.utf8))
        let verifier = JWSVerifier(federation: try TrustBundle(roots: [federation.federationCA.certificate]))
        let receipts = try (value["receipts"]?.arrayValue ?? []).map { element in
            try verifier.verify(element.stringValue ?? "", typ: .receipt, at: Int64(Date().timeIntervalSince1970))
                .decode(ReceiptPayload.self)
        }
        return (200, receipts)
    }

    /// A message B accepts (a new consult offer without sealed data), changed by `change`.
    func payload(_ change: (inout [String: JSONValue]) -> Void = { _ in }) -> JSONValue {
        let now = Int64(Date().timeIntervalSince1970)
        var p: [String: JSONValue] = [
            "v": .integer(1), "type": .string("referral.offer"), "jti": .string(HubUUID.v7()), "iss": .string(a.oin),
            "aud": .string(b.oin), "iat": .integer(now), "exp": .integer(now + 3600),
            "body": Self.consultOffer(today: CalendarDate(daysSinceEpoch: Int(now / 86_400))),
        ]
        change(&p)
        return .object(p)
    }

    /// A `referral.offer` body for a consult without sealed data.
    static func consultOffer(today: CalendarDate) -> JSONValue {
        let offer = ReferralOffer(
            referralID: HubUUID.v4(),
            kind: .consult,
            effectiveDate: today,
            entryPhase: .relationship,
            helpDomains: [.relational],
            referralSource: .`self`,
            children: [],
            safety: .init(),
            priority: .normal,
            respondBy: today.adding(days: 7),
            consent: .init(basis: .consent, date: today),
            sealed: nil
        )
        return try! JSONValueEncoder().encode(offer)
    }

    @Test func everyReasonCodeOverTheWire() throws {
        let signer = try federation.signer(a)
        let good = try signer.sign(payload(), typ: .message)
        let header = JCS.string(signer.header(typ: .message))
        func raw(_ header: String, _ payload: String, key: P256PrivateKey? = nil) throws -> String {
            try CompactJWS.signES256(header: Array(header.utf8), payload: Array(payload.utf8), with: key ?? a.nodeKey)
        }
        let stranger = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Stranger CA"),
            key: P256PrivateKey(),
            notAfter: federation.now + 86_400
        )
        let strangerKey = try P256PrivateKey()
        let strangerCert = try stranger.issue(
            .node(oin: a.oin, displayName: "Fake Arnhem", dnsNames: ["x.example"], notAfter: federation.now + 86_400),
            publicKey: strangerKey.publicKey
        )
        let parts = good.split(separator: ".").map(String.init)
        let conflictJTI = HubUUID.v7()
        let cases: [(String, ReceiptReason)] = [
            ("not.a.jws", .malformed),
            (try raw(header.replacingOccurrences(of: "}", with: ",\"kid\":\"1\"}"), JCS.string(payload())), .badHeader),
            (
                try JWSSigner(key: strangerKey, chain: [strangerCert]).sign(payload(), typ: .message),
                .untrustedCertificate
            ),
            (
                parts[0] + "." + parts[1] + "."
                    + String(try signer.sign(payload(), typ: .message).split(separator: ".")[2]), .badSignature
            ),
            (try raw(header, JCS.string(payload()) + " "), .nonCanonical),
            (try signer.sign(payload { $0.removeValue(forKey: "exp") }, typ: .message), .invalidBody),
            (try signer.sign(payload { $0["iss"] = .string(b.oin) }, typ: .message), .identityMismatch),
            (try signer.sign(payload { $0["aud"] = .string("99990000000000000999") }, typ: .message), .wrongAudience),
            (
                try signer.sign(
                    payload { $0["iat"] = .integer(Int64(Date().timeIntervalSince1970) + 900) },
                    typ: .message
                ), .notYetValid
            ),
            (
                try signer.sign(
                    payload {
                        $0["exp"] = .integer(Int64(Date().timeIntervalSince1970) - 400)
                        $0["iat"] = .integer(Int64(Date().timeIntervalSince1970) - 4000)
                    },
                    typ: .message
                ), .expired
            ),
            // The first use of this jti is accepted; the second, with other bytes, is the conflict.
            (try signer.sign(payload { $0["jti"] = .string(conflictJTI) }, typ: .message), .jtiConflict),
            (
                try signer.sign(
                    payload {
                        $0["jti"] = .string(conflictJTI)
                        $0["body"] = .object(["referral_id": .string(HubUUID.v4())])
                    },
                    typ: .message
                ), .jtiConflict
            ),
            (try signer.sign(payload { $0["type"] = .string("referral.frobnicate") }, typ: .message), .unknownType),
            (
                try signer.sign(
                    payload { $0["body"] = .object(["referral_id": .string("not-a-uuid")]) },
                    typ: .message
                ), .invalidBody
            ),
            (
                try signer.sign(
                    payload {
                        $0["type"] = .string("referral.offer")
                        $0["body"] = try! Self.offerSealed(to: P256PrivateKey(), from: a.oin, to: b.oin)
                    },
                    typ: .message
                ), .unknownKey
            ),
            // An answer to a referral B never received.
            (
                try signer.sign(
                    payload {
                        $0["type"] = .string("referral.accept")
                        $0["body"] = .object(["referral_id": .string(HubUUID.v4())])
                    },
                    typ: .message
                ), .invalidState
            ),
        ]
        let (status, receipts) = try post(cases.map(\.0))
        #expect(status == 200)
        #expect(receipts.count == cases.count)
        for (i, receipt) in receipts.enumerated() {
            if i == 10 {
                #expect(receipt.status == .accepted, "the first use of the jti is accepted")
                continue
            }
            #expect(
                receipt.status == .rejected && receipt.reason == cases[i].1,
                "message \(i): expected \(cases[i].1.rawValue), got \(receipt.reason?.rawValue ?? "accepted")"
            )
            #expect(receipt.ref == CompactJWS.hash(cases[i].0))
        }
        // ref_jti is null for a message whose payload cannot be read.
        #expect(receipts[0].refJTI == nil)
        // Transient rejections record nothing; final ones are recorded by hash.
        for (i, c) in cases.enumerated() where c.1.isTransient {
            #expect(
                try federation.count(b, "SELECT COUNT(*) FROM inbox WHERE hash = '\(CompactJWS.hash(c.0))'") == 0,
                "case \(i)"
            )
        }
        #expect(
            try federation.count(
                b,
                "SELECT COUNT(*) FROM inbox WHERE hash = '\(CompactJWS.hash(cases[3].0))' AND reason = 'bad_signature'"
            ) == 1
        )
        // The jti conflict raised an operator alert.
        #expect(try federation.count(b, "SELECT COUNT(*) FROM alerts WHERE kind = 'jti_conflict'") == 1)
        // The same bytes again get the stored receipt back, byte for byte.
        let repeatBody = JCS.string(.object(["messages": .array([.string(cases[3].0)])]))
        let (certPath, keyPath) = try peerCredentials()
        let first = try Curl.call(
            port: port,
            "POST",
            "/v1/messages",
            cert: certPath,
            key: keyPath,
            ca: ca,
            body: repeatBody
        )
        let second = try Curl.call(
            port: port,
            "POST",
            "/v1/messages",
            cert: certPath,
            key: keyPath,
            ca: ca,
            body: repeatBody
        )
        #expect(first.status == 200 && first.body == second.body)
        let stored = try federation.sql(
            b,
            "SELECT receipt_jws FROM inbox WHERE hash = '\(CompactJWS.hash(cases[3].0))'"
        )
        #expect(first.body.contains(stored))
    }

    /// A referral.offer body whose sealed block is for `key`, which the receiver does not hold.
    static func offerSealed(to key: P256PrivateKey, from: String, to recipient: String) throws -> JSONValue {
        let referral = HubUUID.v4()
        let identity = SealedIdentity(
            persons: [SealedIdentity.Person(role: .parent, bsn: try BSN("111222333"))],
            note: nil
        )
        let sealed = try identity.seal(
            to: ECPublicJWK.encryptionKey(key.publicKey),
            senderOIN: from,
            recipientOIN: recipient,
            referralID: referral
        )
        let offer = ReferralOffer(
            referralID: referral,
            kind: .transfer,
            effectiveDate: CalendarDate("2026-12-01")!,
            entryPhase: .postSeparation,
            helpDomains: [.children],
            referralSource: .municipality,
            children: [],
            safety: .init(),
            priority: .normal,
            respondBy: CalendarDate("2026-12-15")!,
            consent: .init(basis: .consent, date: CalendarDate("2026-11-01")!),
            sealed: sealed
        )
        return try JSONValueEncoder().encode(offer)
    }

    @Test func malformedBatchesAreRefusedWholeAndStoreNothing() throws {
        let before = try federation.count(b, "SELECT COUNT(*) FROM inbox")
        let good = try federation.signer(a).sign(payload(), typ: .message)
        let tooMany = JCS.string(.object(["messages": .array(Array(repeating: .string(good), count: 101))]))
        let bodies = [
            "not json", "[]", "{\"messages\":[]}", "{\"messages\":[\"\(good)\"],\"extra\":1}", "{\"messages\":[1]}",
            "{\"messages\":\"\(good)\"}", tooMany, "{\"messages\":[\"\(good)\"],\"messages\":[]}",
        ]
        let (certPath, keyPath) = try peerCredentials()
        for body in bodies {
            let answer = try Curl.call(
                port: port,
                "POST",
                "/v1/messages",
                cert: certPath,
                key: keyPath,
                ca: ca,
                body: body
            )
            #expect(answer.status == 400, "\(body.prefix(40)): \(answer.status) \(answer.body)")
            #expect(answer.body.contains("\"code\":\"malformed_batch\""))
        }
        #expect(try federation.count(b, "SELECT COUNT(*) FROM inbox") == before)
        // A body over the limit gets 413.
        let huge = "{\"messages\":[\"" + String(repeating: "A", count: 9 << 20) + "\"]}"
        let answer = try Curl.call(port: port, "POST", "/v1/messages", cert: certPath, key: keyPath, ca: ca, body: huge)
        #expect(answer.status == 413, "\(answer.status) \(answer.stderr)")
    }

    @Test func rolesAndUnknownPeers() throws {
        // A case worker may read the descriptor, not deliver messages.
        let descriptor = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca
        )
        #expect(descriptor.status == 200 && descriptor.body.hasPrefix("{\"descriptor\":\""))
        let refused = try Curl.call(
            port: port,
            "POST",
            "/v1/messages",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca,
            body: "{\"messages\":[]}"
        )
        #expect(refused.status == 403 && refused.body.contains("role_not_allowed"), "\(refused.body)")
        // A valid federation certificate whose OIN is not a configured peer.
        let outsiderKey = try P256PrivateKey()
        let outsider = try federation.federationCA.issue(
            .node(
                oin: "99990000000000000777",
                displayName: "Gemeente Elders",
                dnsNames: ["localhost"],
                notAfter: federation.now + 86_400
            ),
            publicKey: outsiderKey.publicKey
        )
        let cert = try federation.write("outsider.pem", outsider.pem)
        let key = try federation.write("outsider.key", outsiderKey.pkcs8PEM(), mode: 0o600)
        let unknown = try Curl.call(
            port: port,
            "POST",
            "/v1/messages",
            cert: cert,
            key: key,
            ca: ca,
            body: "{\"messages\":[]}"
        )
        #expect(unknown.status == 403 && unknown.body.contains("\"code\":\"unknown_peer\""), "\(unknown.body)")
        // A peer may not call operator endpoints; another node's operator certificate does not chain here.
        let nodeAsOperator = try Curl.call(
            port: port,
            "GET",
            "/v1/local/status",
            cert: try federation.write("a.pem", a.nodeCert.pem),
            key: try federation.write("a.key", a.nodeKey.pkcs8PEM(), mode: 0o600),
            ca: ca
        )
        #expect(nodeAsOperator.status == 403)
        let foreignOperator = try Curl.call(
            port: port,
            "GET",
            "/v1/local/status",
            cert: a.operatorCert,
            key: a.operatorKey,
            ca: ca
        )
        #expect(
            foreignOperator.status == 0 || foreignOperator.exitCode != 0,
            "a certificate from another municipality's local CA must fail the handshake"
        )
        let status = try Curl.call(
            port: port,
            "GET",
            "/v1/local/status",
            cert: b.operatorCert,
            key: b.operatorKey,
            ca: ca
        )
        #expect(status.status == 200 && status.body.contains("\"oin\":\"\(b.oin)\""))
        // A request head over 16 KiB gets 431.
        let big = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca,
            extra: ["-H", "X-Padding: " + String(repeating: "p", count: 20 << 10)]
        )
        #expect(big.status == 431 && big.body.contains("header_too_large"), "\(big.status) \(big.body) \(big.stderr)")
        // Unknown endpoints answer JSON too.
        let missing = try Curl.call(port: port, "GET", "/v1/nothing", cert: b.operatorCert, key: b.operatorKey, ca: ca)
        #expect(missing.status == 404)
    }

    @Test func tlsRefusals() throws {
        // No client certificate.
        let none = try Curl.call(port: port, "GET", "/v1/descriptor", cert: nil, key: nil, ca: ca)
        #expect(none.exitCode != 0 && none.status == 0, "\(none.stderr)")
        // A certificate from another CA.
        let stranger = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Other CA"),
            key: P256PrivateKey(),
            notAfter: federation.now + 86_400
        )
        let k = try P256PrivateKey()
        let c = try stranger.issue(
            .person(commonName: "Mallory", nodeOIN: b.oin, role: .operator, notAfter: federation.now + 86_400),
            publicKey: k.publicKey
        )
        let other = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: try federation.write("other.pem", c.pem),
            key: try federation.write("other.key", k.pkcs8PEM(), mode: 0o600),
            ca: ca
        )
        #expect(other.exitCode != 0 && other.status == 0)
        // An expired certificate.
        let ek = try P256PrivateKey()
        let ec = try b.localCA.issue(
            .person(
                commonName: "Old Casemanager",
                nodeOIN: b.oin,
                role: .caseworker,
                notBefore: federation.now - 86_400 * 10,
                notAfter: federation.now - 86_400
            ),
            publicKey: ek.publicKey
        )
        let expired = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: try federation.write("expired.pem", ec.pem),
            key: try federation.write("expired.key", ek.pkcs8PEM(), mode: 0o600),
            ca: ca
        )
        #expect(expired.exitCode != 0 && expired.status == 0)
        // TLS 1.2 only.
        let tls12 = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca,
            extra: ["--tlsv1.2", "--tls-max", "1.2"]
        )
        #expect(tls12.exitCode != 0 && tls12.status == 0)
        let sclient12 = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            [
                "s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-cert", b.caseworkerCert.path, "-key",
                b.caseworkerKey.path, "-CAfile", ca.path,
            ],
            stdin: "",
            timeout: 30
        )
        #expect(sclient12.status != 0, "openssl s_client -tls1_2 must fail")
        let sclientNoCert = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/openssl"),
            ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_3", "-CAfile", ca.path, "-ign_eof"],
            stdin: "GET /v1/descriptor HTTP/1.1\r\nHost: localhost\r\n\r\n",
            timeout: 30
        )
        #expect(!sclientNoCert.stdout.contains("HTTP/1.1 200"), "no certificate, no answer")
        // A valid certificate gets JSON.
        let ok = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca
        )
        #expect(ok.status == 200 && ok.body.contains("descriptor"))
    }

    @Test func auditVerifyPassesThenNamesTheAlteredEntry() throws {
        // Something to audit.
        _ = try post([try federation.signer(a).sign(payload(), typ: .message)])
        let env = [
            "HUB_NODE=https://localhost:\(port)", "HUB_CERT=\(b.operatorCert.path)", "HUB_KEY=\(b.operatorKey.path)",
            "HUB_CA=\(ca.path)",
        ]
        func hubctl(_ args: [String]) throws -> ProcessRunner.Output {
            try ProcessRunner.run(
                URL(fileURLWithPath: "/usr/bin/env"),
                env + [ProcessRunner.binDirectory.appendingPathComponent("hubctl").path] + args
            )
        }
        let intact = try hubctl(["audit", "verify"])
        #expect(intact.status == 0 && intact.stdout.contains("audit log intact"), "\(intact.stdout)\(intact.stderr)")
        let status = try hubctl(["status"])
        #expect(
            status.status == 0 && status.stdout.contains(b.oin) && status.stdout.contains(a.name),
            "\(status.stdout)\(status.stderr)"
        )
        let json = try hubctl(["peers", "--json"])
        #expect(json.status == 0 && json.stdout.hasPrefix("{\"peers\":["))
        // Alter one entry behind the node's back (dropping the append-only trigger first).
        let target = try federation.count(b, "SELECT MIN(i) FROM audit_log WHERE entry_json LIKE '%accepted%'")
        #expect(target > 0)
        _ = try federation.sql(
            b,
            "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET entry_json = replace(entry_json, 'accepted', 'rejected') WHERE i = \(target);"
        )
        let broken = try hubctl(["audit", "verify"])
        #expect(
            broken.status == 1 && broken.stdout.contains("BROKEN at entry \(target)"),
            "\(broken.stdout)\(broken.stderr)"
        )
    }
}
