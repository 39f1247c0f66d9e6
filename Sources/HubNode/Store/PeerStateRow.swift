public import GRDB

/// One row of `peer_state`: the delivery backoff of one destination.
public struct PeerStateRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "peer_state"

    /// OIN of the destination.
    public var destinationOIN: String
    /// Failed attempts since the last success.
    public var attempts: Int
    /// No batch is sent to the destination before this time.
    public var nextAttemptAt: Int64
    /// When a batch to the destination last succeeded.
    public var lastSuccessAt: Int64?
    /// Why the last attempt failed (no personal data).
    public var lastError: String?
    /// Whether an operator alert was raised for the current run of failures.
    public var alerted: Bool

    /// Makes a row for a destination with no failures.
    public init(destinationOIN: String) {
        self.destinationOIN = destinationOIN
        self.attempts = 0
        self.nextAttemptAt = 0
        self.lastSuccessAt = nil
        self.lastError = nil
        self.alerted = false
    }

    private enum CodingKeys: String, CodingKey {
        case attempts, alerted
        case destinationOIN = "destination_oin"
        case nextAttemptAt = "next_attempt_at"
        case lastSuccessAt = "last_success_at"
        case lastError = "last_error"
    }
}
