public import GRDB

/// One row of `inbox`: an incoming message with a final outcome and the
/// receipt this node signed for it.
public struct InboxRow: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    /// Outcome of the message.
    public enum Status: String, Codable, Sendable, DatabaseValueConvertible {
        /// Passed every step; its effects are committed with this row.
        case accepted
        /// Finally rejected (transient rejections are never stored).
        case rejected
    }

    public static let databaseTableName = "inbox"

    /// Row id, set on insert.
    public var id: Int64?
    /// Content address of the bytes as received (PROTOCOL §4).
    public var hash: String
    /// Payload `iss`, when the payload parsed.
    public var iss: String?
    /// Payload `jti`, when the payload parsed.
    public var jti: String?
    /// Equal to `jti` when the message passed step 7 and so reserves
    /// `(iss, jti)`; nil otherwise.
    public var reservedJTI: String?
    /// Payload `type`, when known.
    public var type: String?
    /// Header `typ`, when known.
    public var typ: String?
    /// The compact JWS verbatim; nil once erased for retention, or when a
    /// rejected message is recorded by hash only.
    public var jws: String?
    /// When the message arrived.
    public var receivedAt: Int64
    /// OIN of the TLS client that delivered the message.
    public var peerOIN: String
    /// Outcome.
    public var status: Status
    /// Reason code of a rejection; nil when accepted.
    public var reason: String?
    /// The signed receipt, byte for byte.
    public var receiptJWS: String
    /// Payload `exp`, when known.
    public var exp: Int64?
    /// When retention erased the message's bytes (PROTOCOL §13).
    public var sealedDeletedAt: Int64?

    /// Makes a row. `reservesJTI` says whether the message passed step 7
    /// (and was not itself a `jti_conflict`), so it claims `(iss, jti)`.
    public init(
        hash: String,
        iss: String?,
        jti: String?,
        reservesJTI: Bool,
        type: String?,
        typ: String?,
        jws: String?,
        receivedAt: Int64,
        peerOIN: String,
        status: Status,
        reason: String?,
        receiptJWS: String,
        exp: Int64?
    ) {
        self.id = nil
        self.hash = hash
        self.iss = iss
        self.jti = jti
        self.reservedJTI = reservesJTI ? jti : nil
        self.type = type
        self.typ = typ
        self.jws = jws
        self.receivedAt = receivedAt
        self.peerOIN = peerOIN
        self.status = status
        self.reason = reason
        self.receiptJWS = receiptJWS
        self.exp = exp
        self.sealedDeletedAt = nil
    }

    private enum CodingKeys: String, CodingKey {
        case id, hash, iss, jti, type, typ, jws, status, reason, exp
        case reservedJTI = "reserved_jti"
        case receivedAt = "received_at"
        case peerOIN = "peer_oin"
        case receiptJWS = "receipt_jws"
        case sealedDeletedAt = "sealed_deleted_at"
    }

    /// Records the row id after an insert.
    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
