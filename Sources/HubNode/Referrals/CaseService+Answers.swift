import GRDB
import HTTPTypes
public import HubProtocol

extension CaseService {
    /// Accepts an incoming referral. Accepting a transfer opens the sealed
    /// block, opens this node's own case for the family (responsible from the
    /// effective date, origin = the referral) with this node's pseudonyms and
    /// encrypted identities, and answers `referral.accept`, in one transaction.
    @discardableResult
    public func accept(sender: String, id: String, by actor: String) async throws -> ReferralView {
        try await answer(.accept, sender: sender, id: id, rejectReason: nil, by: actor)
    }

    /// Rejects an incoming referral with a reason and answers `referral.reject`.
    @discardableResult
    public func reject(
        sender: String,
        id: String,
        reason: ReferralReject.Reason,
        by actor: String
    ) async throws -> ReferralView {
        try await answer(.reject, sender: sender, id: id, rejectReason: reason, by: actor)
    }

    /// Completes an accepted incoming referral (warm handover done) and
    /// answers `referral.complete`.
    @discardableResult
    public func complete(sender: String, id: String, by actor: String) async throws -> ReferralView {
        try await answer(.complete, sender: sender, id: id, rejectReason: nil, by: actor)
    }

    /// Withdraws an outgoing referral: sends `referral.withdraw` and marks the
    /// withdraw pending. The referral becomes `withdrawn` only when the
    /// receiver's receipt says accepted; a receipt refusing it with
    /// `invalid_state` marks it "too late" (see ``ReferralDeliveryHooks``).
    @discardableResult
    public func withdraw(
        sender: String,
        id: String,
        reason: ReferralWithdraw.Reason,
        by actor: String
    ) async throws -> ReferralView {
        let snapshot = state.snapshot
        let now = clock()
        let (lifetime, signal) = (messageLifetime, store.outboxSignal)
        let row = try await store.write { db in
            guard var row = try ReferralRow.find(sender: sender, id: id, in: db) else {
                throw HubNodeError.unknownReferral
            }
            guard row.direction == .outgoing, row.senderOIN == snapshot.identity.oin else {
                throw HubNodeError.refusal(.conflict, .notSender, "only the node that offered a referral withdraws it")
            }
            // Pending while its message is queued or parked; an operator may have dropped it.
            if row.withdrawPending, try CaseStore.withdrawInOutbox(id: id, to: row.peerOIN, in: db) {
                throw HubNodeError.refusal(.conflict, .withdrawPending, "a withdraw of this referral is on its way")
            }
            var machine = row.machine
            do {
                try machine.apply(.withdraw, by: .sender)
            } catch {
                throw HubNodeError.refusal(.conflict, .invalidState, "a \(row.state) referral cannot be withdrawn")
            }
            let body = try JSONValueEncoder().encode(ReferralWithdraw(referralID: id, reason: reason))
            let message = try CaseStore.send(
                .referralWithdraw,
                body: body,
                to: row.peerOIN,
                identity: snapshot.identity,
                lifetime: lifetime,
                now: now,
                signal: signal,
                in: db
            )
            row.withdrawPending = true
            row.withdrawReason = reason.rawValue
            row.tooLate = false
            row.answerReceipt = nil
            row.updatedAt = now
            try row.update(db)
            try CaseStore.audit(
                "referral.withdraw",
                actor: actor,
                details: [
                    "case": row.caseID, "referral": id, "peer": row.peerOIN, "reason": reason.rawValue,
                    "hash": message.hash,
                ],
                at: now,
                in: db
            )
            return row
        }
        return Self.view(row, today: CaseCalendar.day(at: now))
    }

    private func answer(
        _ event: ReferralStateMachine.Event,
        sender: String,
        id: String,
        rejectReason: ReferralReject.Reason?,
        by actor: String
    ) async throws -> ReferralView {
        let snapshot = state.snapshot
        let now = clock()
        let today = CaseCalendar.day(at: now)
        let (lifetime, signal, vault, keyring) = (messageLifetime, store.outboxSignal, vault, keyring)
        let row = try await store.write { db in
            guard var row = try ReferralRow.find(sender: sender, id: id, in: db) else {
                throw HubNodeError.unknownReferral
            }
            guard row.direction == .incoming else {
                throw HubNodeError.refusal(
                    .conflict,
                    .notReceiver,
                    "only the node a referral was offered to answers it"
                )
            }
            var machine = row.machine
            do {
                try machine.apply(event, by: .receiver)
            } catch {
                throw HubNodeError.refusal(
                    .conflict,
                    .invalidState,
                    "\(event.rawValue) does not apply to a \(row.state) referral"
                )
            }
            if event == .accept, row.kind == ReferralOffer.Kind.transfer.rawValue {
                row.caseID = try Self.openTransferredCase(
                    row,
                    ownOIN: snapshot.identity.oin,
                    keyring: keyring,
                    vault: vault,
                    today: today,
                    actor: actor,
                    now: now,
                    in: db
                )
            }
            let body: JSONValue
            if let rejectReason {
                body = try JSONValueEncoder().encode(ReferralReject(referralID: id, reason: rejectReason))
                row.reason = rejectReason.rawValue
            } else {
                body = try JSONValueEncoder().encode(ReferralRef(referralID: id))
            }
            let message = try CaseStore.send(
                event.messageType,
                body: body,
                to: row.senderOIN,
                identity: snapshot.identity,
                lifetime: lifetime,
                now: now,
                signal: signal,
                in: db
            )
            row.state = machine.state.rawValue
            row.updatedAt = now
            try row.update(db)
            try CaseStore.audit(
                "referral.\(event.rawValue)",
                actor: actor,
                details: [
                    "referral": id, "sender": sender, "case": row.caseID, "reason": rejectReason?.rawValue,
                    "hash": message.hash,
                ],
                at: now,
                in: db
            )
            return row
        }
        return Self.view(row, today: today)
    }

    /// Opens this node's case for an accepted transfer from the sealed block
    /// of the stored offer; returns its id.
    static func openTransferredCase(
        _ referral: ReferralRow,
        ownOIN: String,
        keyring: EncryptionKeyring,
        vault: IdentityVault,
        today: CalendarDate,
        actor: String,
        now: Int64,
        in db: Database
    ) throws -> String {
        guard let hash = referral.offerHash, let offer = try CaseStore.storedOffer(hash: hash, in: db) else {
            throw HubNodeError.refusal(
                .conflict,
                .identityUnavailable,
                "the offer's sealed identity is no longer stored"
            )
        }
        let opened: SealedIdentity?
        do {
            opened = try CaseStore.incomingIdentity(referral, ownOIN: ownOIN, keyring: keyring, vault: vault, in: db)
        } catch {
            throw HubNodeError.refusal(.conflict, .identityUnavailable, "the sealed identity no longer opens")
        }
        guard let identity = opened else {
            throw HubNodeError.refusal(
                .conflict,
                .identityUnavailable,
                "the offer's sealed identity is no longer stored"
            )
        }
        // The sender lists children's age bands in the order of the sealed
        // children; without that match, the birth date decides.
        let children = identity.persons.filter { $0.role == .child }
        let bands = offer.children.count == children.count ? offer.children.map(\.ageBand) : nil
        var childIndex = 0
        let members = identity.persons.map { person -> CaseStore.Member in
            guard person.role == .child else { return CaseStore.Member(person: person, ageBand: nil) }
            defer { childIndex += 1 }
            let band = bands?[childIndex] ?? person.birthDate.flatMap { CaseCalendar.ageBand(born: $0, on: today) }
            return CaseStore.Member(person: person, ageBand: band)
        }
        let row = CaseRow(
            id: HubUUID.v7(),
            status: .open,
            openedOn: today.description,
            closedOn: nil,
            outcome: nil,
            entryPhase: offer.entryPhase.rawValue,
            helpDomains: JCS.string(.array(offer.helpDomains.map { .string($0.rawValue) })),
            referralSource: offer.referralSource.rawValue,
            safetyVeiligThuis: offer.safety.veiligThuis,
            safetyChildProtectionBoard: offer.safety.childProtectionBoard,
            safetyCourt: offer.safety.court,
            responsibleFrom: offer.effectiveDate.description,
            originSenderOIN: referral.senderOIN,
            originReferralID: referral.referralID,
            createdBy: actor,
            createdAt: now,
            updatedAt: now
        )
        let persons = try CaseStore.insertCase(row, members: members, vault: vault, in: db)
        try CaseStore.audit(
            "case.open",
            actor: actor,
            details: [
                "case": row.id, "persons": String(persons.count), "origin_sender": referral.senderOIN,
                "origin_referral": referral.referralID,
            ],
            at: now,
            in: db
        )
        return row.id
    }
}
