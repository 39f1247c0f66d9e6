import Foundation
import HubProtocol
import Testing

/// Two real `hub-node` processes on loopback (issue "The node", acceptance).
@Suite(.serialized) struct NodeExchangeTests {
    /// Signs a methodology message from `from` to `to` and puts it in `from`'s
    /// outbox, as the node's own code would (a test peer crafting messages).
    static func enqueue(
        _ federation: TestFederation,
        from: TestFederation.Member,
        to: TestFederation.Member,
        title: String,
        iat: Int64? = nil,
        aud: String? = nil
    ) throws -> (jti: String, hash: String) {
        let now = iat ?? Int64(Date().timeIntervalSince1970)
        let body = try JSONValueEncoder().encode(
            MethodologyPublish(
                docID: HubUUID.v4(),
                version: 1,
                title: title,
                summary: "test",
                language: "nl",
                mediaType: .plain,
                content: "Werkwijze \(title)",
                license: "CC-BY-4.0",
                supersedes: nil,
                tags: []
            )
        )
        let jti = HubUUID.v7()
        let payload = MessagePayload(
            type: "methodology.publish",
            jti: jti,
            iss: from.oin,
            aud: aud ?? to.oin,
            iat: now,
            exp: now + 86_400,
            body: body
        )
        let jws = try federation.signer(from).sign(encoding: payload, typ: .message)
        let hash = CompactJWS.hash(jws)
        let sql = """
            INSERT INTO outbox (destination_oin, type, jti, hash, jws, body_json, created_at, attempts, next_attempt_at, state)
            VALUES ('\(to.oin)', 'methodology.publish', '\(jti)', '\(hash)', '\(jws)', '\(JCS.string(body).replacingOccurrences(of: "'", with: "''"))',
                    \(Int64(Date().timeIntervalSince1970)), 0, 0, 'queued');
            """
        _ = try federation.sql(from, sql)
        return (jti, hash)
    }

    /// Wakes `member`'s delivery at once (operator endpoint).
    static func wake(_ federation: TestFederation, _ member: TestFederation.Member, peer: TestFederation.Member) throws
    {
        let answer = try Curl.call(
            port: federation.ports[member.oin]!,
            "POST",
            "/v1/local/peers/\(peer.oin)/reset-backoff",
            cert: member.operatorCert,
            key: member.operatorKey,
            ca: federation.root.url.appendingPathComponent("federation-ca.pem")
        )
        #expect(answer.status == 200, "\(answer.body) \(answer.stderr)")
    }

    @Test func twoNodesExchangeABatch() throws {
        let federation = try TestFederation(count: 2)
        defer { federation.stopAll() }
        try federation.startAll()
        let (a, b) = (federation.members[0], federation.members[1])
        var sent: [(String, String)] = []
        for i in 0..<25 { sent.append(try Self.enqueue(federation, from: a, to: b, title: "Werkwijze \(i)")) }
        try Self.wake(federation, a, peer: b)
        try federation.waitUntil("B holds all 25 messages") {
            try federation.count(b, "SELECT COUNT(*) FROM inbox WHERE status = 'accepted'") == 25
        }
        try federation.waitUntil("A marked all 25 delivered") {
            try federation.count(a, "SELECT COUNT(*) FROM outbox WHERE state = 'delivered' AND receipt_jws IS NOT NULL")
                == 25
        }
        // Both sides hold the verbatim JWS: the hash of B's stored bytes is the hash A sent.
        let verifier = JWSVerifier(federation: try TrustBundle(roots: [federation.federationCA.certificate]))
        for (jti, hash) in sent {
            let stored = try federation.sql(b, "SELECT jws FROM inbox WHERE jti = '\(jti)'")
            #expect(CompactJWS.hash(stored) == hash)
            let receipt = try federation.sql(a, "SELECT receipt_jws FROM outbox WHERE jti = '\(jti)'")
            let verified = try verifier.verify(receipt, typ: .receipt, at: Int64(Date().timeIntervalSince1970))
            let payload = try verified.decode(ReceiptPayload.self)
            #expect(
                payload.status == .accepted && payload.ref == hash && payload.refJTI == jti && payload.iss == b.oin
                    && payload.aud == a.oin
            )
            // B's stored receipt is byte for byte the one A holds.
            #expect(try federation.sql(b, "SELECT receipt_jws FROM inbox WHERE jti = '\(jti)'") == receipt)
        }
        // The audit logs recorded both sides.
        #expect(try federation.count(a, "SELECT COUNT(*) FROM audit_log WHERE action = 'message.sent'") == 25)
        #expect(try federation.count(b, "SELECT COUNT(*) FROM audit_log WHERE action = 'message.received'") == 25)
        // Graceful stop exits 0.
        #expect(federation.stop(a) == 0)
        #expect(federation.stop(b) == 0)
    }

    @Test func parkedMessageDoesNotBlockTheRestAndNotYetValidArrivesLater() throws {
        let federation = try TestFederation(count: 2)
        defer { federation.stopAll() }
        try federation.startAll()
        let (a, b) = (federation.members[0], federation.members[1])
        let first = try Self.enqueue(federation, from: a, to: b, title: "eerste")
        // Addressed to a third node: B refuses it finally (wrong_audience).
        let misaddressed = try Self.enqueue(federation, from: a, to: b, title: "verkeerd", aud: "99990000000000000999")
        let third = try Self.enqueue(federation, from: a, to: b, title: "derde")
        // Signed 20 s "in the future": B refuses it as not_yet_valid until the clocks agree.
        let early = try Self.enqueue(
            federation,
            from: a,
            to: b,
            title: "te vroeg",
            iat: Int64(Date().timeIntervalSince1970) + 320
        )
        try Self.wake(federation, a, peer: b)
        try federation.waitUntil("the misaddressed message is parked") {
            try federation.sql(
                a,
                "SELECT state || ':' || COALESCE(parked_reason, '') FROM outbox WHERE jti = '\(misaddressed.jti)'"
            ) == "parked:wrong_audience"
        }
        try federation.waitUntil("the messages around it are delivered") {
            try federation.count(
                a,
                "SELECT COUNT(*) FROM outbox WHERE state = 'delivered' AND jti IN ('\(first.jti)', '\(third.jti)')"
            ) == 2
        }
        #expect(
            try federation.count(b, "SELECT COUNT(*) FROM inbox WHERE jti = '\(early.jti)' AND status = 'accepted'")
                == 0
        )
        // Transient rejections are not recorded at the receiver.
        #expect(try federation.count(b, "SELECT COUNT(*) FROM inbox WHERE jti = '\(early.jti)'") == 0)
        try federation.waitUntil("the early message arrives once the clocks agree", timeout: 90) {
            try federation.count(b, "SELECT COUNT(*) FROM inbox WHERE jti = '\(early.jti)' AND status = 'accepted'")
                == 1
        }
        #expect(try federation.sql(a, "SELECT state FROM outbox WHERE jti = '\(early.jti)'") == "delivered")
        // The operator sees the parked message and drops it.
        let env = [
            "HUB_NODE=https://localhost:\(federation.ports[a.oin]!)", "HUB_CERT=\(a.operatorCert.path)",
            "HUB_KEY=\(a.operatorKey.path)",
            "HUB_CA=\(federation.root.url.appendingPathComponent("federation-ca.pem").path)",
        ]
        let hubctl = ProcessRunner.binDirectory.appendingPathComponent("hubctl").path
        let list = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), env + [hubctl, "outbox", "list"])
        #expect(
            list.status == 0 && list.stdout.contains("wrong_audience") && list.stdout.contains(b.oin),
            "\(list.stdout)\(list.stderr)"
        )
        let id = try federation.sql(a, "SELECT id FROM outbox WHERE jti = '\(misaddressed.jti)'")
        let drop = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), env + [hubctl, "outbox", "drop", id])
        #expect(drop.status == 0, "\(drop.stderr)")
        #expect(try federation.count(a, "SELECT COUNT(*) FROM outbox WHERE jti = '\(misaddressed.jti)'") == 0)
        #expect(try federation.count(a, "SELECT COUNT(*) FROM audit_log WHERE action = 'operator.outbox.drop'") == 1)
        let again = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/env"), env + [hubctl, "outbox", "drop", id])
        #expect(again.status != 0 && again.stderr.contains("not_found"), "\(again.stderr)")
    }

    @Test func peerDownReceivesEverythingInOrderWhenBack() throws {
        let federation = try TestFederation(count: 2)
        defer { federation.stopAll() }
        try federation.startAll()
        let (a, b) = (federation.members[0], federation.members[1])
        let port = federation.ports[b.oin]!
        federation.stop(b)
        var jtis: [String] = []
        for i in 0..<30 { jtis.append(try Self.enqueue(federation, from: a, to: b, title: "offline \(i)").jti) }
        try Self.wake(federation, a, peer: b)
        try federation.waitUntil("A records failed attempts") {
            try federation.count(a, "SELECT attempts FROM peer_state WHERE destination_oin = '\(b.oin)'") >= 2
        }
        // B comes back on the same port.
        try federation.start(b, port: port)
        try federation.waitUntil("B received all 30", timeout: 90) {
            try federation.count(b, "SELECT COUNT(*) FROM inbox WHERE status = 'accepted'") == 30
        }
        let order = try federation.sql(b, "SELECT jti FROM inbox ORDER BY id").components(separatedBy: "\n")
        #expect(order == jtis)
    }

    @Test func receiverKilledMidStreamLosesNothingAndDoublesNothing() throws {
        let federation = try TestFederation(count: 2)
        defer { federation.stopAll() }
        try federation.startAll()
        let (a, b) = (federation.members[0], federation.members[1])
        let port = federation.ports[b.oin]!
        let total = 400
        for i in 0..<total { _ = try Self.enqueue(federation, from: a, to: b, title: "stroom \(i)") }
        try Self.wake(federation, a, peer: b)
        try federation.waitUntil("B is part-way through the stream") {
            try federation.count(b, "SELECT COUNT(*) FROM inbox") >= 50
        }
        federation.stop(b, signal: SIGKILL)
        let atKill = try federation.count(b, "SELECT COUNT(*) FROM inbox")
        #expect(atKill < total, "the kill should land mid-stream")
        try federation.start(b, port: port)
        try Self.wake(federation, a, peer: b)
        try federation.waitUntil("every message delivered once", timeout: 120) {
            try federation.count(a, "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") == total
        }
        #expect(try federation.count(b, "SELECT COUNT(*) FROM inbox") == total)
        #expect(try federation.count(b, "SELECT COUNT(DISTINCT hash) FROM inbox WHERE status = 'accepted'") == total)
        #expect(try federation.count(b, "SELECT COUNT(*) FROM audit_log WHERE action = 'message.received'") >= total)
    }
}
