public import GRDB
public import HubProtocol

/// What a feature does when one of its messages gets a final answer, run by
/// ``DeliveryService`` inside the write transaction that records the
/// outcome, so the feature's state and the outbox agree after a crash.
///
/// Keyed by message type; a type without hooks is simply marked delivered or
/// parked.
public struct DeliveryOutcomeHooks: Sendable {
    /// Called after the row is marked delivered (the receipt said `accepted`).
    public typealias Delivered = @Sendable (_ row: OutboxRow, _ now: Int64, _ db: Database) throws -> Void
    /// Called for a final rejection (the receipt, not transient). Returns
    /// true when the feature handled it: the row is then removed from the
    /// outbox instead of parked (the feature keeps the receipt as proof).
    public typealias Rejected =
        @Sendable (_ row: OutboxRow, _ reason: ReceiptReason, _ receipt: String, _ now: Int64, _ db: Database) throws
        -> Bool

    /// Called when the receiver answered `unknown_key` for a message and the
    /// peer's descriptor was fetched again: returns the message's new bytes,
    /// sealed to `key` (the descriptor's first encryption key) and signed by
    /// `identity`, or nil when it cannot or need not be re-sealed (it was
    /// already sealed to `key`, or the sender's copy is gone).
    public typealias Reseal =
        @Sendable (_ row: OutboxRow, _ key: ECPublicJWK, _ identity: NodeIdentity, _ now: Int64, _ db: Database) throws
        -> Outbox.Replacement?

    private var delivered: [MessageType: Delivered] = [:]
    private var rejected: [MessageType: Rejected] = [:]
    private var reseal: [MessageType: Reseal] = [:]

    /// No hooks.
    public init() {}

    /// Sets the hooks for `type`.
    public mutating func register(
        _ type: MessageType,
        onDelivered: @escaping Delivered,
        onFinalRejection: @escaping Rejected
    ) {
        delivered[type] = onDelivered
        rejected[type] = onFinalRejection
    }

    /// Sets the re-sealing hook for `type`, a message type that carries sealed data.
    public mutating func registerReseal(_ type: MessageType, _ hook: @escaping Reseal) {
        reseal[type] = hook
    }

    /// Whether messages of the row's type can be re-sealed.
    func canReseal(_ row: OutboxRow) -> Bool {
        MessageType(rawValue: row.type).map { reseal[$0] != nil } ?? false
    }

    /// Runs the re-sealing hook of the row's type; nil when there is none or
    /// it made no new bytes.
    func reseal(
        _ row: OutboxRow,
        to key: ECPublicJWK,
        identity: NodeIdentity,
        at now: Int64,
        in db: Database
    ) throws -> Outbox.Replacement? {
        guard let type = MessageType(rawValue: row.type), let hook = reseal[type] else { return nil }
        return try hook(row, key, identity, now, db)
    }

    /// Runs the delivered hook of the row's type, if any.
    func didDeliver(_ row: OutboxRow, at now: Int64, in db: Database) throws {
        guard let type = MessageType(rawValue: row.type), let hook = delivered[type] else { return }
        try hook(row, now, db)
    }

    /// Runs the rejection hook of the row's type; false when there is none
    /// or it did not handle the rejection.
    func handleRejection(
        _ row: OutboxRow,
        reason: String,
        receipt: String,
        at now: Int64,
        in db: Database
    ) throws
        -> Bool
    {
        guard let type = MessageType(rawValue: row.type), let hook = rejected[type],
            let code = ReceiptReason(rawValue: reason)
        else { return false }
        return try hook(row, code, receipt, now, db)
    }
}
