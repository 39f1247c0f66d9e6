public import GRDB

/// One row of `outbox`: a signed message waiting for, or done with, delivery.
public struct OutboxRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    /// Where the message is in its life.
    public enum State: String, Codable, Sendable, DatabaseValueConvertible {
        /// Waiting to be sent (or re-sent).
        case queued
        /// The peer's receipt said `accepted`.
        case delivered
        /// Out of the queue until an operator retries or drops it.
        case parked
    }

    public static let databaseTableName = "outbox"

    /// Row id, set on insert: the send order.
    public var id: Int64?
    /// OIN of the peer the message is for.
    public var destinationOIN: String
    /// Payload `type`.
    public var type: String
    /// Payload `jti`.
    public var jti: String
    /// Content address of `jws` (PROTOCOL §4).
    public var hash: String
    /// The signed compact JWS, sent verbatim.
    public var jws: String
    /// The payload's `body` as JSON, kept so the message can be re-signed.
    public var bodyJSON: String
    /// When the message was enqueued.
    public var createdAt: Int64
    /// Failed delivery attempts of this row.
    public var attempts: Int
    /// Not sent before this time.
    public var nextAttemptAt: Int64
    /// Why the last attempt failed (no personal data).
    public var lastError: String?
    /// Where the message is in its life.
    public var state: State
    /// Why the message was parked (a reason code such as `no_capability`).
    public var parkedReason: String?
    /// The peer's signed receipt: proof of delivery, or of a final rejection.
    public var receiptJWS: String?
    /// When the accepting receipt arrived.
    public var deliveredAt: Int64?

    /// Makes a queued row, due at once.
    public init(
        destinationOIN: String,
        type: String,
        jti: String,
        hash: String,
        jws: String,
        bodyJSON: String,
        createdAt: Int64
    ) {
        self.id = nil
        self.destinationOIN = destinationOIN
        self.type = type
        self.jti = jti
        self.hash = hash
        self.jws = jws
        self.bodyJSON = bodyJSON
        self.createdAt = createdAt
        self.attempts = 0
        self.nextAttemptAt = 0
        self.lastError = nil
        self.state = .queued
        self.parkedReason = nil
        self.receiptJWS = nil
        self.deliveredAt = nil
    }

    private enum CodingKeys: String, CodingKey {
        case id, type, jti, hash, jws, attempts, state
        case destinationOIN = "destination_oin"
        case bodyJSON = "body_json"
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
        case parkedReason = "parked_reason"
        case receiptJWS = "receipt_jws"
        case deliveredAt = "delivered_at"
    }

    /// Records the row id after an insert.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
