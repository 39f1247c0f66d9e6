import Foundation
import GRDB
import HTTPTypes
public import HubProtocol

extension CaseService {
    /// What a case worker offers (PROTOCOL §9).
    public struct NewOffer: Sendable, Hashable {
        /// The case offered.
        public var caseID: String
        /// The peer, by OIN or display name.
        public var peer: String
        /// Transfer or consult.
        public var kind: ReferralOffer.Kind
        /// When responsibility passes (transfer) or support starts (consult).
        public var effectiveDate: CalendarDate
        /// When the receiver should answer.
        public var respondBy: CalendarDate
        /// How urgent.
        public var priority: ReferralOffer.Priority
        /// The legal basis and date of consent.
        public var consent: ReferralOffer.Consent
        /// Whether a consult carries the sealed identity (a transfer always does).
        public var includeIdentity: Bool
        /// A handover note, sealed with the identity.
        public var note: String?

        /// Makes an offer request.
        public init(
            caseID: String,
            peer: String,
            kind: ReferralOffer.Kind,
            effectiveDate: CalendarDate,
            respondBy: CalendarDate,
            priority: ReferralOffer.Priority = .normal,
            consent: ReferralOffer.Consent,
            includeIdentity: Bool = false,
            note: String? = nil
        ) {
            self.caseID = caseID
            self.peer = peer
            self.kind = kind
            self.effectiveDate = effectiveDate
            self.respondBy = respondBy
            self.priority = priority
            self.consent = consent
            self.includeIdentity = includeIdentity
            self.note = note
        }
    }

    /// The configured peer named `nameOrOIN` (OIN, or display name ignoring case).
    func resolvePeer(_ nameOrOIN: String, in snapshot: NodeState.Snapshot) throws -> PeerEndpoint {
        if let peer = snapshot.peers[nameOrOIN] { return peer }
        let matches = snapshot.peers.values.filter { $0.name.lowercased() == nameOrOIN.lowercased() }
        guard matches.count == 1, let peer = matches.first else { throw HubNodeError.unknownPeer }
        return peer
    }

    /// Offers a case to a peer: builds the `referral.offer` body from the
    /// case's category data and children's age bands, seals the identity
    /// (persons and note) to the peer's current descriptor key, signs and
    /// queues the message and records the outgoing referral, in one transaction.
    public func offer(_ request: NewOffer, by actor: String) async throws -> ReferralView {
        let snapshot = state.snapshot
        let now = clock()
        let today = CaseCalendar.day(at: now)
        let peer = try resolvePeer(request.peer, in: snapshot)
        let seals = request.kind == .transfer || request.includeIdentity
        if request.note != nil, !seals {
            throw HubNodeError.invalidCaseRequest("a note travels only with the sealed identity (include_identity)")
        }
        if let note = request.note, note.unicodeScalars.count > 10_000 {
            throw HubNodeError.invalidCaseRequest("the note is longer than 10,000 characters")
        }
        guard request.respondBy >= today else { throw HubNodeError.invalidCaseRequest("respond_by is in the past") }
        let vault = self.vault
        let caseID = request.caseID
        let (caseRow, personRows, identities) = try await store.read { db in
            guard let row = try CaseRow.fetchOne(db, key: caseID) else { throw HubNodeError.unknownCase }
            let persons = try CaseStore.persons(caseID: caseID, in: db)
            let identities = seals ? try CaseStore.identities(caseID: caseID, vault: vault, in: db) : []
            return (row, persons, identities)
        }
        guard caseRow.status == .open else { throw HubNodeError.caseClosed }
        let referralID = HubUUID.v7()
        var sealed: String? = nil
        var resealCopy: [UInt8]? = nil
        if seals {
            guard !identities.isEmpty else {
                throw HubNodeError.refusal(
                    .conflict,
                    .noPersons,
                    request.kind == .transfer
                        ? "a transfer needs the case's persons, and this case has none"
                        : "the case has no persons to include"
                )
            }
            let descriptor: DescriptorPayload
            do {
                descriptor = try await descriptors.descriptor(for: peer, snapshot: snapshot)
            } catch {
                throw HubNodeError.refusal(
                    .serviceUnavailable,
                    .descriptorUnavailable,
                    "the descriptor of \(peer.name) cannot be had now; try again later"
                )
            }
            guard descriptor.capabilities.contains(MessageType.referralOffer.capability) else {
                throw HubNodeError.refusal(.conflict, .noCapability, "\(peer.name) does not receive referrals")
            }
            guard let key = descriptor.encKeys.first else {
                throw HubNodeError.refusal(.conflict, .noEncryptionKey, "\(peer.name) lists no encryption key")
            }
            let identity = SealedIdentity(persons: identities, note: request.note)
            sealed = try identity.seal(
                to: key,
                senderOIN: snapshot.identity.oin,
                recipientOIN: peer.oin,
                referralID: referralID
            )
            // Kept (encrypted) until delivery, to re-seal on `unknown_key` (PROTOCOL §7).
            resealCopy = try vault.sealIdentityCopy(identity, sender: snapshot.identity.oin, referralID: referralID)
        }
        let offer = ReferralOffer(
            referralID: referralID,
            kind: request.kind,
            effectiveDate: request.effectiveDate,
            entryPhase: ReferralOffer.EntryPhase(rawValue: caseRow.entryPhase) ?? .relationship,
            helpDomains: Self.helpDomains(of: caseRow),
            referralSource: ReferralOffer.ReferralSource(rawValue: caseRow.referralSource) ?? .municipality,
            children: personRows.compactMap { row in
                row.role == "child" ? row.ageBand.flatMap(ReferralOffer.AgeBand.init(rawValue:)) : nil
            }.map { ReferralOffer.Child(ageBand: $0) },
            safety: ReferralOffer.Safety(
                veiligThuis: caseRow.safetyVeiligThuis,
                childProtectionBoard: caseRow.safetyChildProtectionBoard,
                court: caseRow.safetyCourt
            ),
            priority: request.priority,
            respondBy: request.respondBy,
            consent: request.consent,
            sealed: sealed
        )
        do {
            try offer.validate()
        } catch let error as HubProtocolError {
            throw HubNodeError.invalidCaseRequest(error.message)
        }
        let row = ReferralRow(
            senderOIN: snapshot.identity.oin,
            referralID: referralID,
            direction: .outgoing,
            peerOIN: peer.oin,
            caseID: caseID,
            kind: request.kind.rawValue,
            category: try CaseStore.category(of: offer),
            effectiveDate: request.effectiveDate.description,
            respondBy: request.respondBy.description,
            priority: request.priority.rawValue,
            hasSealed: sealed != nil,
            state: ReferralStateMachine.State.offered.rawValue,
            reason: nil,
            withdrawPending: false,
            withdrawReason: nil,
            tooLate: false,
            offerHash: nil,
            answerReceipt: nil,
            createdBy: actor,
            createdAt: now,
            updatedAt: now
        )
        let body = try JSONValueEncoder().encode(offer)
        let (lifetime, signal, isSealed, copy) = (messageLifetime, store.outboxSignal, sealed != nil, resealCopy)
        try await store.write { db in
            // The case may have closed since it was read.
            guard try CaseRow.fetchOne(db, key: caseID)?.status == .open else { throw HubNodeError.caseClosed }
            let message = try CaseStore.send(
                .referralOffer,
                body: body,
                to: peer.oin,
                identity: snapshot.identity,
                lifetime: lifetime,
                now: now,
                signal: signal,
                in: db
            )
            try row.insert(db)
            if let copy {
                try db.execute(
                    sql: "UPDATE referrals SET identity_copy = ? WHERE sender_oin = ? AND referral_id = ?",
                    arguments: [Data(copy), row.senderOIN, referralID]
                )
            }
            try CaseStore.audit(
                "referral.offer",
                actor: actor,
                details: [
                    "case": caseID, "referral": referralID, "peer": peer.oin, "kind": request.kind.rawValue,
                    "sealed": isSealed ? "yes" : "no", "hash": message.hash,
                ],
                at: now,
                in: db
            )
        }
        return Self.view(row, today: today)
    }

    static func helpDomains(of row: CaseRow) -> [ReferralOffer.HelpDomain] {
        guard let value = try? JSONParser.parse(row.helpDomains), let items = value.arrayValue else { return [] }
        return items.compactMap { $0.stringValue.flatMap(ReferralOffer.HelpDomain.init(rawValue:)) }
    }
}
