import Prometheus

/// Every metric family the node exports: its name (prefix `hub_`, unit in
/// the name), its help text and its label names. docs/metrics.md lists them.
enum MetricFamily: CaseIterable {
    case messagesReceived
    case messagesSent
    case outboxQueued
    case outboxOldestAge
    case outboxParked
    case handshakeFailures
    case httpRequestDuration
    case deliveryDuration
    case certificateNotAfter
    case crlNextUpdate
    case databaseSize

    /// The part after `hub_` and before the unit.
    private var base: (name: String, unit: String) {
        switch self {
        case .messagesReceived: ("messages_received", "total")
        case .messagesSent: ("messages_sent", "total")
        case .outboxQueued: ("outbox_queued", "")
        case .outboxOldestAge: ("outbox_oldest_age", "seconds")
        case .outboxParked: ("outbox_parked", "")
        case .handshakeFailures: ("tls_handshake_failures", "total")
        case .httpRequestDuration: ("http_request_duration", "seconds")
        case .deliveryDuration: ("delivery_duration", "seconds")
        case .certificateNotAfter: ("certificate_not_after", "seconds")
        case .crlNextUpdate: ("crl_next_update", "seconds")
        case .databaseSize: ("database_size", "bytes")
        }
    }

    /// The `# HELP` text.
    var help: String {
        switch self {
        case .messagesReceived:
            "Federation messages received, by message type and the status of the receipt answered"
        case .messagesSent:
            "Federation messages sent, by message type and outcome (accepted, rejected, parked, retry)"
        case .outboxQueued: "Messages queued for a peer and not yet delivered"
        case .outboxOldestAge: "Age of the oldest message queued for a peer, 0 when none is queued"
        case .outboxParked: "Messages to a peer parked for an operator (final rejection, no capability, too old)"
        case .handshakeFailures: "TLS handshakes on the main listener that did not complete, by reason"
        case .httpRequestDuration: "Requests on the main listener, by route pattern, method and status class"
        case .deliveryDuration: "Batch deliveries to a peer (one POST /v1/messages), by peer and outcome"
        case .certificateNotAfter: "notAfter of the node's TLS and signing certificate, in Unix seconds"
        case .crlNextUpdate: "nextUpdate of each configured CRL, by issuer, in Unix seconds"
        case .databaseSize: "Size of the SQLite database: main file plus write-ahead log"
        }
    }

    /// The label names, in the order they are written.
    var labelNames: [String] {
        switch self {
        case .messagesReceived, .messagesSent: ["type", "status"]
        case .outboxQueued, .outboxOldestAge, .outboxParked: ["peer"]
        case .handshakeFailures: ["reason"]
        case .httpRequestDuration: ["route", "method", "status_class"]
        case .deliveryDuration: ["peer", "outcome"]
        case .crlNextUpdate: ["issuer"]
        case .certificateNotAfter, .databaseSize: []
        }
    }

    /// The full metric name, for example `hub_messages_received_total`.
    var name: String { descriptor.name }

    /// The descriptor swift-prometheus registers the family with.
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "hub", metricName: base.name, unitName: base.unit, helpText: help)
    }
}
