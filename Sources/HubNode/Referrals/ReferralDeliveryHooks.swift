import Foundation
import GRDB
import HubProtocol

/// What the sender does when its referral messages get an answer.
///
/// - A withdraw (PROTOCOL §9): the referral becomes `withdrawn` only once
///   the receiver's receipt says `accepted`; a receipt refusing it with
///   `invalid_state` (the receiver already completed or rejected) clears the
///   pending withdraw and marks it "too late", keeping the receipt as proof,
///   and the message is not parked.
/// - An offer (PROTOCOL §7): when the receiver does not hold the key the
///   sealed block was sealed to (`unknown_key`), the offer is re-sealed from
///   the sender's encrypted copy of the plaintext to the key the receiver's
///   descriptor now lists first, and signed again under a new `jti`. The
///   copy is dropped once the offer is delivered or finally refused.
public enum ReferralDeliveryHooks {
    /// Adds the referral hooks to `hooks`; `vault` opens the sender's copies
    /// of sealed plaintexts.
    public static func register(in hooks: inout DeliveryOutcomeHooks, vault: IdentityVault) {
        hooks.register(
            .referralWithdraw,
            onDelivered: { row, now, db in try withdrawDelivered(row, now: now, in: db) },
            onFinalRejection: { row, reason, receipt, now, db in
                try withdrawRefused(row, reason: reason, receipt: receipt, now: now, in: db)
            }
        )
        hooks.register(
            .referralOffer,
            onDelivered: { row, _, db in try dropIdentityCopy(row, in: db) },
            onFinalRejection: { row, _, _, _, db in
                try dropIdentityCopy(row, in: db)
                return false
            }
        )
        hooks.registerReseal(.referralOffer) { row, key, identity, now, db in
            try resealOffer(row, to: key, identity: identity, vault: vault, now: now, in: db)
        }
    }

    /// The hooks with only the referral ones registered.
    public static func hooks(vault: IdentityVault) -> DeliveryOutcomeHooks {
        var hooks = DeliveryOutcomeHooks()
        register(in: &hooks, vault: vault)
        return hooks
    }

    /// The offer `message` with its sealed block sealed again to `key`, or
    /// nil when it carries none, was already sealed to `key`, or the copy of
    /// its plaintext is gone.
    static func resealOffer(
        _ message: OutboxRow,
        to key: ECPublicJWK,
        identity: NodeIdentity,
        vault: IdentityVault,
        now: Int64,
        in db: Database
    ) throws -> Outbox.Replacement? {
        var offer = try JSONValueDecoder().decode(ReferralOffer.self, from: JSONParser.parse(message.bodyJSON))
        guard let sealed = offer.sealed else { return nil }
        let kid = key.kid ?? key.thumbprint()
        guard try JWE.header(of: sealed).kid != kid,
            let blob = try Data.fetchOne(
                db,
                sql: """
                    SELECT identity_copy FROM referrals
                    WHERE sender_oin = ? AND referral_id = ? AND direction = 'outgoing'
                    """,
                arguments: [identity.oin, offer.referralID]
            )
        else { return nil }
        offer.sealed = try vault.openIdentityCopy(Array(blob), sender: identity.oin, referralID: offer.referralID).seal(
            to: key,
            senderOIN: identity.oin,
            recipientOIN: message.destinationOIN,
            referralID: offer.referralID
        )
        let body = try JSONValueEncoder().encode(offer)
        let signed = try identity.signMessage(
            type: .referralOffer,
            body: body,
            to: message.destinationOIN,
            at: now,
            lifetime: try lifetime(of: message)
        )
        return Outbox.Replacement(
            signed: Outbox.Resigned(jti: signed.jti, hash: signed.hash, jws: signed.jws),
            bodyJSON: JCS.string(body)
        )
    }

    /// The lifetime (`exp` − `iat`) the message was signed with.
    private static func lifetime(of message: OutboxRow) throws -> Int64 {
        guard let bytes = try? CompactJWS(message.jws).payload else {
            throw HubNodeError(.corrupt, "outbox row \(message.id ?? 0) does not hold a compact JWS", detail: .store())
        }
        let payload = try JSONValueDecoder().decode(MessagePayload.self, from: JSONParser.parse(bytes))
        return payload.exp - payload.iat
    }

    /// Forgets the copy of an offer's sealed plaintext: it was delivered, or
    /// refused for good.
    static func dropIdentityCopy(_ message: OutboxRow, in db: Database) throws {
        guard let referralID = try JSONParser.parse(message.bodyJSON)["referral_id"]?.stringValue else { return }
        try db.execute(
            sql: """
                UPDATE referrals SET identity_copy = NULL
                WHERE referral_id = ? AND peer_oin = ? AND direction = 'outgoing'
                """,
            arguments: [referralID, message.destinationOIN]
        )
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
