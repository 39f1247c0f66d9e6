import Foundation
import HubProtocol
import Testing

@testable import HubNode

/// Every sample of an exposition, keyed by its series as written
/// (`name{label="value",…}`), with the `# TYPE` of each family.
struct Exposition {
    var values: [String: Double] = [:]
    var types: [String: String] = [:]
    var help: [String: String] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                let parts = line.dropFirst(7).split(separator: " ", maxSplits: 1).map(String.init)
                try #require(parts.count == 2, "\(line)")
                if line.hasPrefix("# TYPE ") { types[parts[0]] = parts[1] } else { help[parts[0]] = parts[1] }
                continue
            }
            let space = try #require(line.lastIndex(of: " "), "\(line)")
            let series = String(line[..<space])
            try #require(values[series] == nil, "\(series) appears twice")
            let value = try #require(Double(String(line[line.index(after: space)...])), "\(line)")
            values[series] = value
        }
    }

    subscript(_ series: String) -> Double? { values[series] }

    /// The series of family `name` (samples whose name is exactly `name`).
    func series(of name: String) -> [String: Double] {
        values.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
    }
}

@Suite("Metrics: HubMetrics exposition")
struct HubMetricsTests {
    @Test("every family has HELP and TYPE; fixed label values start at 0")
    func zeroSeries() throws {
        let metrics = HubMetrics()
        metrics.setOutbox([:], peers: ["99990000000000000193"], now: 1_750_000_000)
        metrics.setCertificates(.init(certificateNotAfter: 1_800_000_000, crlNextUpdates: ["CN=Root": 1_750_086_400]))
        metrics.setDatabaseSize(4096)
        metrics.requestFinished(route: "/v1/messages", method: "POST", status: 200, duration: .milliseconds(3))
        metrics.deliveryFinished(peer: "99990000000000000193", outcome: .ok, duration: .milliseconds(40))
        let text = metrics.exposition()
        let e = try Exposition(text)
        let expectedTypes: [String: String] = [
            "hub_messages_received_total": "counter", "hub_messages_sent_total": "counter",
            "hub_outbox_queued": "gauge", "hub_outbox_oldest_age_seconds": "gauge", "hub_outbox_parked": "gauge",
            "hub_tls_handshake_failures_total": "counter", "hub_http_request_duration_seconds": "histogram",
            "hub_delivery_duration_seconds": "histogram", "hub_certificate_not_after_seconds": "gauge",
            "hub_crl_next_update_seconds": "gauge", "hub_database_size_bytes": "gauge",
        ]
        #expect(e.types == expectedTypes)
        #expect(Set(e.help.keys) == Set(expectedTypes.keys))
        #expect(Set(MetricFamily.allCases.map(\.name)) == Set(expectedTypes.keys))
        // 7 types + unknown, two statuses; 7 types, four outcomes; 12 handshake reasons.
        #expect(e.series(of: "hub_messages_received_total").count == 16)
        #expect(e.series(of: "hub_messages_sent_total").count == 28)
        #expect(e.series(of: "hub_tls_handshake_failures_total").count == HandshakeFailureReason.allCases.count)
        #expect(e.series(of: "hub_tls_handshake_failures_total").values.allSatisfy { $0 == 0 })
        #expect(e[#"hub_messages_received_total{type="referral.offer",status="accepted"}"#] == 0)
        #expect(e[#"hub_tls_handshake_failures_total{reason="rate_limited"}"#] == 0)
        #expect(e[#"hub_certificate_not_after_seconds"#] == 1_800_000_000)
        #expect(e[#"hub_crl_next_update_seconds{issuer="CN=Root"}"#] == 1_750_086_400)
        #expect(e[#"hub_database_size_bytes"#] == 4096)
        #expect(e[#"hub_outbox_queued{peer="99990000000000000193"}"#] == 0)
        print("exposition: \(e.values.count) samples in \(e.types.count) families")
    }

    @Test("events are counted by fixed labels; unknown values collapse")
    func counting() throws {
        let metrics = HubMetrics()
        metrics.messageReceived(type: "referral.offer", accepted: true)
        metrics.messageReceived(type: "referral.offer", accepted: true)
        metrics.messageReceived(type: "referral.offer", accepted: false)
        // An attacker-chosen type never becomes a label value.
        metrics.messageReceived(type: "x\"}\nhub_fake 1", accepted: false)
        metrics.messageReceived(type: nil, accepted: false)
        metrics.messageSent(type: "referral.accept", status: .accepted)
        metrics.messageSent(type: "referral.accept", status: .retry)
        metrics.handshakeFailed(.revoked)
        metrics.handshakeFailed(.revoked)
        metrics.handshakeFailed(.rateLimited)
        let e = try Exposition(metrics.exposition())
        #expect(e[#"hub_messages_received_total{type="referral.offer",status="accepted"}"#] == 2)
        #expect(e[#"hub_messages_received_total{type="referral.offer",status="rejected"}"#] == 1)
        #expect(e[#"hub_messages_received_total{type="unknown",status="rejected"}"#] == 2)
        #expect(e.series(of: "hub_messages_received_total").count == 16)
        #expect(e.series(of: "hub_fake").isEmpty)
        #expect(e[#"hub_messages_sent_total{type="referral.accept",status="accepted"}"#] == 1)
        #expect(e[#"hub_messages_sent_total{type="referral.accept",status="retry"}"#] == 1)
        #expect(e[#"hub_tls_handshake_failures_total{reason="revoked"}"#] == 2)
        #expect(e[#"hub_tls_handshake_failures_total{reason="rate_limited"}"#] == 1)
        #expect(e[#"hub_tls_handshake_failures_total{reason="expired"}"#] == 0)
    }

    @Test("request histograms use the route pattern, a known method and the status class")
    func requestHistogram() throws {
        let metrics = HubMetrics()
        metrics.requestFinished(
            route: "/v1/local/outbox/{id}/retry",
            method: "POST",
            status: 200,
            duration: .milliseconds(7)
        )
        metrics.requestFinished(
            route: "/v1/local/outbox/{id}/retry",
            method: "POST",
            status: 201,
            duration: .milliseconds(700)
        )
        metrics.requestFinished(route: nil, method: "BREW", status: 404, duration: .milliseconds(1))
        metrics.requestFinished(route: "/v1/messages", method: "POST", status: 503, duration: .seconds(40))
        let e = try Exposition(metrics.exposition())
        let retry = #"route="/v1/local/outbox/{id}/retry",method="POST",status_class="2xx""#
        #expect(e["hub_http_request_duration_seconds_count{\(retry)}"] == 2)
        #expect(e["hub_http_request_duration_seconds_bucket{\(retry),le=\"0.01\"}"] == 1)
        #expect(e["hub_http_request_duration_seconds_bucket{\(retry),le=\"1.0\"}"] == 2)
        #expect(e["hub_http_request_duration_seconds_bucket{\(retry),le=\"+Inf\"}"] == 2)
        let sum = try #require(e["hub_http_request_duration_seconds_sum{\(retry)}"])
        #expect(abs(sum - 0.707) < 1e-9)
        #expect(
            e[#"hub_http_request_duration_seconds_count{route="unmatched",method="other",status_class="4xx"}"#] == 1
        )
        let slow = #"route="/v1/messages",method="POST",status_class="5xx""#
        #expect(e["hub_http_request_duration_seconds_bucket{\(slow),le=\"30.0\"}"] == 0)
        #expect(e["hub_http_request_duration_seconds_bucket{\(slow),le=\"+Inf\"}"] == 1)
    }

    @Test("outbox gauges: set per peer, back to 0 when the queue empties")
    func outboxGauges() throws {
        let metrics = HubMetrics()
        let (zwolle, assen, gone) = ("99990000000000000193", "99990000000000000106", "99990000000000000999")
        metrics.setOutbox(
            [
                zwolle: .init(queued: 3, oldestQueuedAt: 1_750_000_000 - 42, parked: 1),
                gone: .init(queued: 1, oldestQueuedAt: 1_750_000_000 - 5, parked: 0),
            ],
            peers: [zwolle, assen],
            now: 1_750_000_000
        )
        var e = try Exposition(metrics.exposition())
        #expect(e[#"hub_outbox_queued{peer="\#(zwolle)"}"#] == 3)
        #expect(e[#"hub_outbox_oldest_age_seconds{peer="\#(zwolle)"}"#] == 42)
        #expect(e[#"hub_outbox_parked{peer="\#(zwolle)"}"#] == 1)
        #expect(e[#"hub_outbox_queued{peer="\#(assen)"}"#] == 0)
        #expect(e[#"hub_outbox_oldest_age_seconds{peer="\#(assen)"}"#] == 0)
        // Messages for a destination that is not a configured peer are shown too.
        #expect(e[#"hub_outbox_queued{peer="\#(gone)"}"#] == 1)

        metrics.setOutbox([:], peers: [zwolle, assen], now: 1_750_000_060)
        e = try Exposition(metrics.exposition())
        #expect(e[#"hub_outbox_queued{peer="\#(zwolle)"}"#] == 0)
        #expect(e[#"hub_outbox_oldest_age_seconds{peer="\#(zwolle)"}"#] == 0)
        #expect(e[#"hub_outbox_parked{peer="\#(zwolle)"}"#] == 0)
        #expect(e[#"hub_outbox_queued{peer="\#(gone)"}"#] == 0)
    }

    @Test("CRL gauges follow the configured CRLs across reloads")
    func crlGauges() throws {
        let metrics = HubMetrics()
        metrics.setCertificates(
            .init(certificateNotAfter: 1_800_000_000, crlNextUpdates: ["CN=Federation": 100, "CN=Local": 200])
        )
        var e = try Exposition(metrics.exposition())
        #expect(e.series(of: "hub_crl_next_update_seconds").count == 2)
        metrics.setCertificates(.init(certificateNotAfter: 1_900_000_000, crlNextUpdates: ["CN=Federation": 300]))
        e = try Exposition(metrics.exposition())
        #expect(
            e.series(of: "hub_crl_next_update_seconds") == [
                #"hub_crl_next_update_seconds{issuer="CN=Federation"}"#: 300
            ]
        )
        #expect(e["hub_certificate_not_after_seconds"] == 1_900_000_000)
    }
}
