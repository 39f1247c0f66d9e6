import Foundation
import HubProtocol
import Testing

/// `/metrics` and `/healthz` of real nodes (issue 5, "Metrics and health"):
/// the queue depth rises while a peer is down and falls after it returns.
@Suite(.serialized) struct MetricsTests {
    static func scrape(_ federation: TestFederation, _ member: TestFederation.Member) throws -> PrometheusText {
        let port = try #require(federation.metricsPorts[member.oin], "\(member.name) has no metrics port")
        let answer = try Curl.plainGet(port: port, "/metrics")
        #expect(answer.status == 200)
        #expect(answer.contentType == "text/plain; version=0.0.4; charset=utf-8")
        return try PrometheusText(answer.body)
    }

    @Test func queueDepthRisesWhileAPeerIsDownAndFallsWhenItReturns() throws {
        let federation = try TestFederation(count: 2)
        defer { federation.stopAll() }
        try federation.startAll()
        let (a, b) = (federation.members[0], federation.members[1])
        let ca = federation.root.url.appendingPathComponent("federation-ca.pem")

        // Liveness on the plain-HTTP listener.
        let health = try Curl.plainGet(port: try #require(federation.metricsPorts[a.oin]), "/healthz")
        #expect(health.status == 200)
        #expect(health.body == #"{"status":"ok"}"#)
        #expect(try Curl.plainGet(port: federation.metricsPorts[a.oin]!, "/nothing").status == 404)

        let before = try Self.scrape(federation, a)
        #expect(before.types["hub_outbox_queued"] == "gauge")
        #expect(before.types["hub_messages_sent_total"] == "counter")
        #expect(before.value("hub_outbox_queued", ["peer": b.oin]) == 0)
        #expect(before.value("hub_outbox_oldest_age_seconds", ["peer": b.oin]) == 0)
        #expect(before.value("hub_outbox_parked", ["peer": b.oin]) == 0)
        #expect(before.value("hub_certificate_not_after_seconds") == Double(a.nodeCert.notAfter))
        #expect((before.value("hub_database_size_bytes") ?? 0) > 0)
        let sentBefore = before.sum("hub_messages_sent_total", ["status": "accepted"])
        #expect(sentBefore == 0)

        // A client without a certificate is refused at the handshake, and counted.
        let refusedBefore = try #require(before.value("hub_tls_handshake_failures_total", ["reason": "no_certificate"]))
        let anonymous = try Curl.call(
            port: federation.ports[a.oin]!,
            "GET",
            "/v1/descriptor",
            cert: nil,
            key: nil,
            ca: ca
        )
        #expect(anonymous.status != 200)
        try federation.waitUntil("A counts the refused handshake") {
            try Self.scrape(federation, a).value("hub_tls_handshake_failures_total", ["reason": "no_certificate"])
                == refusedBefore + 1
        }

        // B goes down; A queues messages for it.
        let port = federation.ports[b.oin]!
        federation.stop(b)
        let count = 7
        for i in 0..<count {
            _ = try NodeExchangeTests.enqueue(federation, from: a, to: b, title: "metrics \(i)")
        }
        try NodeExchangeTests.wake(federation, a, peer: b)
        var down = before
        try federation.waitUntil("A's metrics show \(count) queued for B, the oldest older than 0 s") {
            down = try Self.scrape(federation, a)
            return down.value("hub_outbox_queued", ["peer": b.oin]) == Double(count)
                && (down.value("hub_outbox_oldest_age_seconds", ["peer": b.oin]) ?? 0) > 0
        }
        #expect(down.value("hub_outbox_parked", ["peer": b.oin]) == 0)
        #expect(down.sum("hub_messages_sent_total", ["status": "accepted"]) == sentBefore)
        // The operator call that woke delivery is timed under its route pattern, not the raw path.
        let reset = ["route": "/v1/local/peers/{oin}/reset-backoff", "method": "POST", "status_class": "2xx"]
        #expect(down.types["hub_http_request_duration_seconds"] == "histogram")
        #expect((down.value("hub_http_request_duration_seconds_count", reset) ?? 0) >= 1)
        #expect(!down.samples.contains { $0.labels["route"]?.contains(b.oin) == true })
        // A stays healthy while its peer is down.
        #expect(try Curl.plainGet(port: federation.metricsPorts[a.oin]!, "/healthz").status == 200)

        // B returns on the same port; the queue drains.
        try federation.start(b, port: port)
        try NodeExchangeTests.wake(federation, a, peer: b)
        var after = down
        try federation.waitUntil("A's metrics show the queue for B empty", timeout: 90) {
            after = try Self.scrape(federation, a)
            return after.value("hub_outbox_queued", ["peer": b.oin]) == 0
        }
        #expect(try federation.count(a, "SELECT COUNT(*) FROM outbox WHERE state = 'delivered'") == count)
        #expect(after.value("hub_outbox_oldest_age_seconds", ["peer": b.oin]) == 0)
        #expect(after.value("hub_outbox_parked", ["peer": b.oin]) == 0)
        #expect(
            after.value("hub_messages_sent_total", ["type": "methodology.publish", "status": "accepted"])
                == Double(count)
        )
        #expect(after.sum("hub_messages_sent_total", ["status": "accepted"]) == sentBefore + Double(count))
        #expect((after.value("hub_delivery_duration_seconds_count", ["peer": b.oin, "outcome": "ok"]) ?? 0) >= 1)

        // B, restarted, counted what it accepted and timed the federation route.
        let received = try Self.scrape(federation, b)
        #expect(
            received.value("hub_messages_received_total", ["type": "methodology.publish", "status": "accepted"])
                == Double(count)
        )
        let messages = ["route": "/v1/messages", "method": "POST", "status_class": "2xx"]
        #expect((received.value("hub_http_request_duration_seconds_count", messages) ?? 0) >= 1)
        let health2 = try Curl.plainGet(port: federation.metricsPorts[b.oin]!, "/healthz")
        #expect(health2.status == 200)
        print(
            "metrics: \(count) queued for B while down (oldest \(down.value("hub_outbox_oldest_age_seconds", ["peer": b.oin]) ?? -1) s), 0 after; \(Int(after.sum("hub_messages_sent_total", ["status": "accepted"]))) sent accepted"
        )
    }
}
