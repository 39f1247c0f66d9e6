import GRDB
import HubProtocol

/// The sender's side of a withdraw (PROTOCOL §9): the referral becomes
/// `withdrawn` only once the receiver's receipt says `accepted`; a receipt
/// refusing it with `invalid_state` (the receiver already completed or
/// rejected) clears the pending withdraw and marks it "too late", keeping
/// the receipt as proof, and the message is not parked.
public enum ReferralDeliveryHooks {
    /// Adds the withdraw hooks to `hooks`.
    public static func register(in hooks: inout DeliveryOutcomeHooks) {
        hooks.register(
            .referralWithdraw,
            onDelivered: { row, now, db in try withdrawDelivered(row, now: now, in: db) },
            onFinalRejection: { row, reason, receipt, now, db in
                try withdrawRefused(row, reason: reason, receipt: receipt, now: now, in: db)
            }
        )
    }

    /// The hooks with only the referral ones registered.
    public static var hooks: DeliveryOutcomeHooks {
        var hooks = DeliveryOutcomeHooks()
        register(in: &hooks)
        return hooks
    }

    static func withdrawDelivered(_ message: OutboxRow, now: Int64, in db: Database) throws {
        guard let body = try? withdrawBody(message),
            var row = try CaseStore.outgoing(id: body.referralID, to: message.destinationOIN, in: db)
        else { return }
        var machine = row.machine
        let applied = (try? machine.apply(.withdraw, by: .sender)) != nil
        if applied {
            row.state = machine.state.rawValue
            row.reason = body.reason.rawValue
        }
        row.withdrawPending = false
        row.tooLate = false
        row.updatedAt = now
        try row.update(db)
        try CaseStore.audit(
            "referral.withdrawn",
            actor: "node",
            details: ["referral": body.referralID, "case": row.caseID, "peer": message.destinationOIN],
            at: now,
            in: db
        )
    }

    static func withdrawRefused(
        _ message: OutboxRow,
        reason: ReceiptReason,
        receipt: String,
        now: Int64,
        in db: Database
    ) throws -> Bool {
        guard reason == .invalidState, let body = try? withdrawBody(message),
            var row = try CaseStore.outgoing(id: body.referralID, to: message.destinationOIN, in: db)
        else { return false }
        row.withdrawPending = false
        row.tooLate = true
        row.answerReceipt = receipt
        row.updatedAt = now
        try row.update(db)
        try CaseStore.audit(
            "referral.withdraw_too_late",
            actor: "node",
            details: ["referral": body.referralID, "case": row.caseID, "peer": message.destinationOIN],
            at: now,
            in: db
        )
        return true
    }

    private static func withdrawBody(_ message: OutboxRow) throws -> ReferralWithdraw {
        try JSONValueDecoder().decode(ReferralWithdraw.self, from: JSONParser.parse(message.bodyJSON))
    }
}
