public import GRDB

/// One row of `referrals`: a referral this node sent or received (PROTOCOL §9),
/// keyed by `(sender OIN, referral_id)`.
public struct ReferralRow: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    /// Which side of the referral this node is.
    public enum Direction: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
        /// This node offered it; the state mirrors the receiver's answers.
        case outgoing
        /// This node received it and holds the authoritative state.
        case incoming
    }

    public static let databaseTableName = "referrals"

    /// The OIN of the node that offered it.
    public var senderOIN: String
    /// The referral id (lowercase UUID).
    public var referralID: String
    /// Which side this node is.
    public var direction: Direction
    /// The other node's OIN.
    public var peerOIN: String
    /// Outgoing: the case offered. Incoming: the case opened for an accepted transfer.
    public var caseID: String?
    /// `transfer` or `consult`.
    public var kind: String
    /// The offer body without `sealed` (JCS).
    public var category: String
    /// The offer's `effective_date`.
    public var effectiveDate: String
    /// The offer's `respond_by`.
    public var respondBy: String
    /// The offer's `priority`.
    public var priority: String
    /// Whether the offer carried sealed data.
    public var hasSealed: Bool
    /// The state (receiver: authoritative; sender: mirrored).
    public var state: String
    /// The reject reason, once rejected; the withdraw reason, once withdrawn.
    public var reason: String?
    /// A withdraw was sent and its receipt has not come back.
    public var withdrawPending: Bool
    /// The reason of the pending (or refused) withdraw.
    public var withdrawReason: String?
    /// The receiver refused the withdraw (`invalid_state`): shown as "too late".
    public var tooLate: Bool
    /// Incoming: the inbox hash of the offer message.
    public var offerHash: String?
    /// The receipt that refused a withdraw, kept as proof.
    public var answerReceipt: String?
    /// The staff CN who offered it (outgoing) or the sender's OIN (incoming).
    public var createdBy: String
    /// When the row was made.
    public var createdAt: Int64
    /// When the row last changed.
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case direction, kind, category, priority, state, reason
        case senderOIN = "sender_oin"
        case referralID = "referral_id"
        case peerOIN = "peer_oin"
        case caseID = "case_id"
        case effectiveDate = "effective_date"
        case respondBy = "respond_by"
        case hasSealed = "has_sealed"
        case withdrawPending = "withdraw_pending"
        case withdrawReason = "withdraw_reason"
        case tooLate = "too_late"
        case offerHash = "offer_hash"
        case answerReceipt = "answer_receipt"
        case createdBy = "created_by"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// The state as the machine sees it.
    public var machine: ReferralStateMachine {
        ReferralStateMachine(state: ReferralStateMachine.State(rawValue: state) ?? .offered)
    }

    /// The row for `(sender, id)`, if any.
    public static func find(sender: String, id: String, in db: Database) throws -> ReferralRow? {
        try ReferralRow.fetchOne(db, key: ["sender_oin": sender, "referral_id": id])
    }
}
