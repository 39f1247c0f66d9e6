import HubProtocol
import Prometheus
internal import Synchronization

/// The node's Prometheus metrics: one registry per runtime (never the global
/// `MetricsSystem`, so several nodes can share a process in tests).
///
/// Events are counted where they happen, after their transaction committed;
/// gauges about stored state (outbox, certificates, database size) are set
/// at scrape time by ``MetricsCollector``. Label values come from small
/// fixed sets or configured peers' OINs, never from personal data.
public final class HubMetrics: Sendable {
    /// What became of one message sent to a peer.
    public enum SentStatus: String, Sendable, CaseIterable {
        /// The receipt said `accepted`.
        case accepted
        /// A final rejection the feature handled or that parked the message.
        case rejected
        /// Parked without a receipt (the peer lacks the capability).
        case parked
        /// A transient rejection: the message stays queued.
        case retry
    }

    /// How one batch delivery (a `POST /v1/messages`) ended.
    public enum DeliveryOutcome: String, Sendable, CaseIterable {
        /// HTTP 200 with receipts.
        case ok
        /// Another HTTP status.
        case httpError = "http_error"
        /// No answer: connection, TLS or timeout.
        case failed
    }

    let registry = PrometheusCollectorRegistry()
    private let scrape = Mutex(ScrapeState())

    /// Label values of the gauges set at the previous scrape, so series that
    /// disappear fall to 0 (peers) or are removed (CRL issuers).
    private struct ScrapeState {
        var peers: Set<String> = []
        var issuers: Set<String> = []
    }

    /// Makes an empty registry with a zero series for every fixed label
    /// value, so rates work from the first scrape.
    public init() {
        let types = MessageType.allCases.map(\.rawValue)
        for type in types + [Self.unknownType] {
            for status in ["accepted", "rejected"] { _ = counter(.messagesReceived, [type, status]) }
        }
        for type in types {
            for status in SentStatus.allCases { _ = counter(.messagesSent, [type, status.rawValue]) }
        }
        for reason in HandshakeFailureReason.allCases { _ = counter(.handshakeFailures, [reason.rawValue]) }
    }

    /// The `type` label for a message type: a known type, or `unknown`.
    static func typeLabel(_ type: String?) -> String {
        type.flatMap(MessageType.init(rawValue:))?.rawValue ?? unknownType
    }

    static let unknownType = "unknown"

    // MARK: Events

    /// Counts one received message by its type and the receipt's status.
    public func messageReceived(type: String?, accepted: Bool) {
        counter(.messagesReceived, [Self.typeLabel(type), accepted ? "accepted" : "rejected"]).increment()
    }

    /// Counts one sent message by its type and what became of it.
    public func messageSent(type: String, status: SentStatus) {
        counter(.messagesSent, [Self.typeLabel(type), status.rawValue]).increment()
    }

    /// Counts one failed handshake on the main listener.
    public func handshakeFailed(_ reason: HandshakeFailureReason) {
        counter(.handshakeFailures, [reason.rawValue]).increment()
    }

    /// Records one request on the main listener.
    ///
    /// - Parameters:
    ///   - route: the route pattern (`/v1/local/outbox/{id}/retry`), or nil when no route matched.
    public func requestFinished(route: String?, method: String, status: Int, duration: Duration) {
        let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        let labels = [
            route ?? "unmatched", methods.contains(method) ? method : "other",
            (100...599).contains(status) ? "\(status / 100)xx" : "other",
        ]
        histogram(.httpRequestDuration, labels).record(duration)
    }

    /// Records one batch delivery to `peer`.
    public func deliveryFinished(peer: String, outcome: DeliveryOutcome, duration: Duration) {
        histogram(.deliveryDuration, [peer, outcome.rawValue]).record(duration)
    }

    // MARK: Scrape-time gauges

    /// Sets the outbox gauges: every destination in `summary`, every
    /// configured peer, and every peer seen before (at 0 when it has nothing).
    func setOutbox(_ summary: [String: Outbox.DestinationSummary], peers: Set<String>, now: Int64) {
        let all = scrape.withLock { state in
            state.peers.formUnion(peers.union(summary.keys))
            return state.peers
        }
        for peer in all {
            let entry = summary[peer] ?? Outbox.DestinationSummary()
            gauge(.outboxQueued, [peer]).set(Double(entry.queued))
            gauge(.outboxOldestAge, [peer]).set(Double(entry.oldestAge(now: now) ?? 0))
            gauge(.outboxParked, [peer]).set(Double(entry.parked))
        }
    }

    /// Sets the certificate and CRL expiry gauges; CRLs no longer configured disappear.
    func setCertificates(_ facts: OperatorAPI.CertificateFacts) {
        gauge(.certificateNotAfter, []).set(Double(facts.certificateNotAfter))
        let gone = scrape.withLock { state in
            let gone = state.issuers.subtracting(facts.crlNextUpdates.keys)
            state.issuers = Set(facts.crlNextUpdates.keys)
            return gone
        }
        for issuer in gone { registry.unregisterGauge(gauge(.crlNextUpdate, [issuer])) }
        for (issuer, next) in facts.crlNextUpdates { gauge(.crlNextUpdate, [issuer]).set(Double(next)) }
    }

    /// Sets the database size gauge.
    func setDatabaseSize(_ bytes: Int64) {
        gauge(.databaseSize, []).set(Double(bytes))
    }

    // MARK: Exposition

    /// The text exposition format (0.0.4) of every metric.
    public func exposition() -> String {
        registry.emitToString()
    }

    // MARK: Registry access

    private func labels(_ family: MetricFamily, _ values: [String]) -> [(String, String)] {
        precondition(values.count == family.labelNames.count, "\(family.name) takes \(family.labelNames)")
        return Array(zip(family.labelNames, values))
    }

    private func counter(_ family: MetricFamily, _ values: [String]) -> Counter {
        registry.makeCounter(descriptor: family.descriptor, labels: labels(family, values))
    }

    private func gauge(_ family: MetricFamily, _ values: [String]) -> Gauge {
        values.isEmpty
            ? registry.makeGauge(descriptor: family.descriptor)
            : registry.makeGauge(descriptor: family.descriptor, labels: labels(family, values))
    }

    private func histogram(_ family: MetricFamily, _ values: [String]) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: family.descriptor,
            labels: labels(family, values),
            buckets: Self.buckets
        )
    }

    /// 5 ms to 30 s.
    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        .seconds(30),
    ]
}
