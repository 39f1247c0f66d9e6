import Foundation
public import GRDB
import HubProtocol

/// Step 10 for `referral.offer` at the receiver: the checks of
/// ``SealedOfferHandler`` (body, sealed block opens and is bound to this
/// message), then the incoming referral is recorded as `offered`, with a
/// copy of the sealed identity encrypted at rest (`identity_copy`), so it
/// stays readable once the encryption key it was sealed to is destroyed. A
/// second offer with the same `(sender, referral_id)` is `invalid_state`.
public struct ReferralOfferHandler: MessageHandler {
    let sealed: SealedOfferHandler
    let vault: IdentityVault

    /// Makes the handler.
    public init(keyring: EncryptionKeyring, vault: IdentityVault, ownOIN: String) {
        sealed = SealedOfferHandler(keyring: keyring, ownOIN: ownOIN)
        self.vault = vault
    }

    public func handle(_ received: ReceivedMessage, in db: Database) throws {
        let identity = try sealed.check(received)
        let offer: ReferralOffer
        do {
            offer = try received.message.body(ReferralOffer.self)
        } catch {
            throw HandlerRejection(error.reason, error.detail)
        }
        let iss = received.message.payload.iss
        let now = received.receivedAt
        if try ReferralRow.find(sender: iss, id: offer.referralID, in: db) != nil {
            throw HandlerRejection(.invalidState, "referral \(offer.referralID) was already offered")
        }
        try ReferralRow(
            senderOIN: iss,
            referralID: offer.referralID,
            direction: .incoming,
            peerOIN: iss,
            caseID: nil,
            kind: offer.kind.rawValue,
            category: try CaseStore.category(of: offer),
            effectiveDate: offer.effectiveDate.description,
            respondBy: offer.respondBy.description,
            priority: offer.priority.rawValue,
            hasSealed: offer.sealed != nil,
            state: ReferralStateMachine.State.offered.rawValue,
            reason: nil,
            withdrawPending: false,
            withdrawReason: nil,
            tooLate: false,
            offerHash: received.message.hash,
            answerReceipt: nil,
            createdBy: iss,
            createdAt: now,
            updatedAt: now
        ).insert(db)
        if let identity {
            try db.execute(
                sql: "UPDATE referrals SET identity_copy = ? WHERE sender_oin = ? AND referral_id = ?",
                arguments: [
                    Data(try vault.sealIdentityCopy(identity, sender: iss, referralID: offer.referralID)), iss,
                    offer.referralID,
                ]
            )
        }
        try CaseStore.audit(
            "referral.offered",
            actor: iss,
            details: ["referral": offer.referralID, "sender": iss, "kind": offer.kind.rawValue],
            at: now,
            in: db
        )
    }
}

/// Step 10 for `referral.accept`, `referral.reject` and `referral.complete`
/// at the sender: the referral must be one this node sent to exactly the
/// message's `iss`, and the answer must fit the mirrored state
/// (`invalid_state` otherwise). A terminal mirror is not overwritten by a
/// late answer: the message is taken without effect. `complete` of a
/// transfer closes this node's case with outcome `transferred`.
public struct ReferralAnswerHandler: MessageHandler {
    let event: ReferralStateMachine.Event

    /// Makes the handler for `accept`, `reject` or `complete`.
    public init(_ event: ReferralStateMachine.Event) {
        precondition(event.allowedParty == .receiver, "answers come from the receiver")
        self.event = event
    }

    public func handle(_ received: ReceivedMessage, in db: Database) throws {
        let referralID: String
        var reason: String? = nil
        do throws(JWSFailure) {
            if event == .reject {
                let body = try received.message.body(ReferralReject.self)
                referralID = body.referralID
                reason = body.reason.rawValue
            } else {
                referralID = try received.message.body(ReferralRef.self).referralID
            }
        } catch {
            throw HandlerRejection(error.reason, error.detail)
        }
        let iss = received.message.payload.iss
        let now = received.receivedAt
        let event = self.event
        guard var row = try CaseStore.outgoing(id: referralID, to: iss, in: db) else {
            throw HandlerRejection(.invalidState, "no referral \(referralID) was sent to this node")
        }
        var machine = row.machine
        let outcome: ReferralStateMachine.MirrorOutcome
        do {
            outcome = try machine.mirror(event)
        } catch {
            throw HandlerRejection(.invalidState, "\(event.rawValue) does not apply to a \(row.state) referral")
        }
        guard case .applied(let next) = outcome else {
            try CaseStore.audit(
                "referral.answer_ignored",
                actor: iss,
                details: ["referral": referralID, "answer": event.rawValue, "state": row.state],
                at: now,
                in: db
            )
            return
        }
        row.state = next.rawValue
        if let reason { row.reason = reason }
        row.updatedAt = now
        try row.update(db)
        var closed: String? = nil
        if event == .complete, row.kind == ReferralOffer.Kind.transfer.rawValue, let caseID = row.caseID,
            var caseRow = try CaseRow.fetchOne(db, key: caseID), caseRow.status == .open
        {
            let day = CaseCalendar.day(at: now).description
            caseRow.status = .closed
            caseRow.closedOn = max(day, caseRow.openedOn)
            caseRow.outcome = .transferred
            caseRow.updatedAt = now
            try caseRow.update(db)
            closed = caseID
        }
        try CaseStore.audit(
            "referral.\(next.rawValue)",
            actor: iss,
            details: ["referral": referralID, "case": row.caseID, "reason": reason, "case_closed": closed],
            at: now,
            in: db
        )
    }
}

/// Step 10 for `referral.withdraw` at the receiver: only the sender
/// withdraws, and only an `offered` or `accepted` referral (`invalid_state`
/// otherwise, which the sender shows as "too late"). Withdrawing an accepted
/// transfer deletes the case this node opened for it, with its persons and
/// their identities: the family stays with the sender.
public struct ReferralWithdrawHandler: MessageHandler {
    /// Makes the handler.
    public init() {}

    public func handle(_ received: ReceivedMessage, in db: Database) throws {
        let body: ReferralWithdraw
        do {
            body = try received.message.body(ReferralWithdraw.self)
        } catch {
            throw HandlerRejection(error.reason, error.detail)
        }
        let iss = received.message.payload.iss
        let now = received.receivedAt
        guard var row = try ReferralRow.find(sender: iss, id: body.referralID, in: db),
            row.direction == .incoming
        else {
            throw HandlerRejection(.invalidState, "no referral \(body.referralID) from this sender")
        }
        var machine = row.machine
        do {
            try machine.apply(.withdraw, by: .sender)
        } catch {
            throw HandlerRejection(.invalidState, "a \(row.state) referral cannot be withdrawn")
        }
        let removed = row.caseID
        if let caseID = row.caseID {
            _ = try CaseRow.deleteOne(db, key: caseID)
        }
        row.caseID = nil
        row.state = machine.state.rawValue
        row.reason = body.reason.rawValue
        row.updatedAt = now
        try row.update(db)
        try CaseStore.audit(
            "referral.withdrawn",
            actor: iss,
            details: ["referral": body.referralID, "reason": body.reason.rawValue, "case_removed": removed],
            at: now,
            in: db
        )
    }
}
