import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

/// Referral flows between in-process nodes (PROTOCOL §9): each side's outbox
/// goes through the real delivery path into the other side's receiver.
@Suite(.serialized) struct ReferralFlowTests {
    static let bsns = ["945807302", "229262193", "465228173", "877901260"]
    static let names = ["Maartje", "Oosterveld", "Hendrik", "Bruggeling", "Fenneke", "Zonnebloemstraat"]
    static let worker = "C. Worker (Arnhem)"
    static let receiverWorker = "Z. Behandelaar"

    static func family() throws -> [CaseStore.Member] {
        [
            CaseStore.Member(
                person: .init(
                    role: .parent,
                    bsn: try BSN(bsns[0]),
                    givenNames: "Maartje",
                    familyName: "Oosterveld",
                    birthDate: CalendarDate("1988-04-12"),
                    contact: .init(phone: "+31 6 1111 2222", address: "Zonnebloemstraat 12, Arnhem")
                ),
                ageBand: nil
            ),
            CaseStore.Member(
                person: .init(role: .parent, bsn: try BSN(bsns[1]), givenNames: "Hendrik", familyName: "Bruggeling"),
                ageBand: nil
            ),
            CaseStore.Member(
                person: .init(
                    role: .child,
                    bsn: try BSN(bsns[2]),
                    givenNames: "Fenneke",
                    familyName: "Bruggeling",
                    birthDate: CaseCalendar.day(at: NodeClock.now()).adding(days: -6 * 365)
                ),
                ageBand: nil
            ),
        ]
    }

    static let categories = CaseService.Categories(
        entryPhase: .separationIntent,
        helpDomains: [.children, .legal],
        referralSource: .gp,
        safety: .init(veiligThuis: true)
    )

    static var today: CalendarDate { CaseCalendar.day(at: NodeClock.now()) }

    static func offer(
        _ caseID: String,
        to peer: String,
        kind: ReferralOffer.Kind = .transfer,
        identity: Bool = false,
        note: String? = nil
    ) -> CaseService.NewOffer {
        CaseService.NewOffer(
            caseID: caseID,
            peer: peer,
            kind: kind,
            effectiveDate: today.adding(days: 14),
            respondBy: today.adding(days: 7),
            priority: .urgent,
            consent: .init(basis: .consent, date: today),
            includeIdentity: identity,
            note: note
        )
    }

    /// Opens the family's case at Arnhem and offers it to Zwolle as a transfer.
    static func offeredTransfer(_ f: ReferralTestFederation) async throws -> (caseID: String, referralID: String) {
        let opened = try await f.arnhem.cases.openCase(persons: try family(), categories: categories, by: worker)
        let offered = try await f.arnhem.cases.offer(offer(opened.row.id, to: "Gemeente Zwolle"), by: worker)
        await f.arnhem.deliver(to: f.zwolle)
        return (opened.row.id, offered.row.referralID)
    }

    @Test func transferToCompletion() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let (caseID, rid) = try await Self.offeredTransfer(f)
            // Arnhem: the outgoing referral, the message delivered.
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "offered")
            #expect(try f.arnhem.outbox(state: .delivered).map(\.type) == ["referral.offer"])
            // Zwolle: an incoming offer with category data, overdue false.
            let incoming = try await f.zwolle.cases.listReferrals(direction: .incoming)
            #expect(incoming.count == 1)
            let view = try #require(incoming.first)
            #expect(view.row.state == "offered" && !view.overdue && view.row.kind == "transfer" && view.row.hasSealed)
            let category = try JSONParser.parse(view.row.category)
            #expect(category["children"] == .array([.object(["age_band": .string("4-11")])]))
            #expect(category["sealed"] == nil)
            #expect(category["safety"]?["veilig_thuis"] == .bool(true))

            // Zwolle accepts: its own case, with its own pseudonyms.
            let accepted = try await f.zwolle.cases.accept(sender: a, id: rid, by: Self.receiverWorker)
            #expect(accepted.row.state == "accepted")
            let zCaseID = try #require(accepted.row.caseID)
            let zCase = try #require(try f.zwolle.caseRow(zCaseID))
            #expect(zCase.status == .open && zCase.originSenderOIN == a && zCase.originReferralID == rid)
            #expect(zCase.responsibleFrom == Self.today.adding(days: 14).description)
            #expect(zCase.entryPhase == "separation_intent" && zCase.referralSource == "gp" && zCase.safetyVeiligThuis)
            let zPersons = try await f.zwolle.store.read { db in try CaseStore.persons(caseID: zCaseID, in: db) }
            let aPersons = try await f.arnhem.store.read { db in try CaseStore.persons(caseID: caseID, in: db) }
            let bsns = try Self.bsns.prefix(3).map { try BSN($0) }
            #expect(zPersons.map(\.pseudonym) == bsns.map { f.zwolle.vault.pseudonym(for: $0) })
            #expect(aPersons.map(\.pseudonym) == bsns.map { f.arnhem.vault.pseudonym(for: $0) })
            #expect(Set(zPersons.map(\.pseudonym)).isDisjoint(with: aPersons.map(\.pseudonym)))
            #expect(zPersons.map(\.ageBand) == [nil, nil, "4-11"])
            // The receiver reads the identity of its new case (audited).
            let read = try await f.zwolle.cases.readIdentity(
                caseID: zCaseID,
                purpose: "intake call",
                by: Self.receiverWorker,
                role: .caseworker
            )
            #expect(read == (try Self.family().map(\.person)))

            await f.zwolle.deliver(to: f.arnhem)
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "accepted")
            #expect(try f.arnhem.caseRow(caseID)?.status == .open)

            let completed = try await f.zwolle.cases.complete(sender: a, id: rid, by: Self.receiverWorker)
            #expect(completed.row.state == "completed")
            await f.zwolle.deliver(to: f.arnhem)
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "completed")
            let closed = try #require(try f.arnhem.caseRow(caseID))
            #expect(
                closed.status == .closed && closed.outcome == .transferred && closed.closedOn == Self.today.description
            )
            #expect(try f.zwolle.caseRow(zCaseID)?.status == .open)
            // Nothing parked anywhere; every message delivered.
            for node in [f.arnhem, f.zwolle] {
                #expect(try node.outbox().allSatisfy { $0.state == .delivered })
            }
            try Self.expectNoPersonalData(in: f)
        }
    }

    @Test func consultWithAndWithoutIdentity() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let opened = try await f.arnhem.cases.openCase(
                persons: try Self.family(),
                categories: Self.categories,
                by: Self.worker
            )
            let plain = try await f.arnhem.cases.offer(
                Self.offer(opened.row.id, to: f.zwolle.oin, kind: .consult),
                by: Self.worker
            )
            #expect(!plain.row.hasSealed)
            let sealed = try await f.arnhem.cases.offer(
                Self.offer(
                    opened.row.id,
                    to: "gemeente zwolle",
                    kind: .consult,
                    identity: true,
                    note: "Vader woont in Zwolle"
                ),
                by: Self.worker
            )
            #expect(sealed.row.hasSealed)
            await f.arnhem.deliver(to: f.zwolle)
            #expect(try f.zwolle.referral(sender: a, id: plain.row.referralID).state == "offered")

            // Accepting a consult opens no case at the receiver.
            let accepted = try await f.zwolle.cases.accept(
                sender: a,
                id: sealed.row.referralID,
                by: Self.receiverWorker
            )
            #expect(accepted.row.caseID == nil)
            #expect(try await f.zwolle.store.read { db in try CaseRow.fetchCount(db) } == 0)
            // The sealed identity and note open at the receiver, audited with the purpose.
            let identity = try await f.zwolle.cases.readIdentity(
                sender: a,
                id: sealed.row.referralID,
                purpose: "contact the father",
                by: Self.receiverWorker,
                role: .caseworker
            )
            #expect(identity.persons == (try Self.family().map(\.person)))
            #expect(identity.note == "Vader woont in Zwolle")
            let audit = try f.zwolle.auditEntries().last ?? ""
            #expect(
                audit.contains("identity.read") && audit.contains("contact the father")
                    && audit.contains(Self.receiverWorker)
            )
            // Without sealed data there is nothing to read.
            let refusal = await #expect(throws: HubNodeError.self) {
                try await f.zwolle.cases.readIdentity(
                    sender: a,
                    id: plain.row.referralID,
                    purpose: "x",
                    by: "z",
                    role: .caseworker
                )
            }
            #expect(refusal?.isRefusal == true, "\(String(describing: refusal))")
            // A purpose is required, and only a case worker reads.
            for (purpose, role) in [
                ("", Role.caseworker), (String(repeating: "p", count: 201), .caseworker), ("ok", .researcher),
            ] {
                let refusal = await #expect(throws: HubNodeError.self) {
                    try await f.zwolle.cases.readIdentity(
                        sender: a,
                        id: sealed.row.referralID,
                        purpose: purpose,
                        by: "z",
                        role: role
                    )
                }
                #expect(refusal?.isRefusal == true, "\(String(describing: refusal))")
            }
            _ = try await f.zwolle.cases.complete(sender: a, id: sealed.row.referralID, by: Self.receiverWorker)
            await f.zwolle.deliver(to: f.arnhem)
            #expect(try f.arnhem.referral(sender: a, id: sealed.row.referralID).state == "completed")
            // A consult does not close the sender's case.
            #expect(try f.arnhem.caseRow(opened.row.id)?.status == .open)
        }
    }

    @Test func rejection() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let (caseID, rid) = try await Self.offeredTransfer(f)
            let rejected = try await f.zwolle.cases.reject(
                sender: a,
                id: rid,
                reason: .noCapacity,
                by: Self.receiverWorker
            )
            #expect(rejected.row.state == "rejected" && rejected.row.reason == "no_capacity")
            #expect(try await f.zwolle.store.read { db in try CaseRow.fetchCount(db) } == 0)
            await f.zwolle.deliver(to: f.arnhem)
            let mirror = try f.arnhem.referral(sender: a, id: rid)
            #expect(mirror.state == "rejected" && mirror.reason == "no_capacity")
            #expect(try f.arnhem.caseRow(caseID)?.status == .open)
            // Rejected is final: no accept, no second answer.
            let refusal = await #expect(throws: HubNodeError.self) {
                try await f.zwolle.cases.accept(sender: a, id: rid, by: Self.receiverWorker)
            }
            #expect(refusal?.isRefusal == true, "\(String(describing: refusal))")
        }
    }

    @Test func withdrawals() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            // Withdrawn while offered.
            let (_, rid) = try await Self.offeredTransfer(f)
            let pending = try await f.arnhem.cases.withdraw(sender: a, id: rid, reason: .familyStayed, by: Self.worker)
            #expect(pending.row.withdrawPending && pending.row.state == "offered")
            let refusal = await #expect(throws: HubNodeError.self) {
                try await f.arnhem.cases.withdraw(sender: a, id: rid, reason: .error, by: Self.worker)
            }
            #expect(refusal?.isRefusal == true, "\(String(describing: refusal))")
            // An operator drops the queued withdraw: the case worker may withdraw again.
            let queued = try #require(try f.arnhem.outbox(state: .queued).first)
            try await f.arnhem.store.write { db in try Outbox.drop(id: queued.id ?? 0, in: db) }
            _ = try await f.arnhem.cases.withdraw(sender: a, id: rid, reason: .familyStayed, by: Self.worker)
            await f.arnhem.deliver(to: f.zwolle)
            #expect(try f.zwolle.referral(sender: a, id: rid).state == "withdrawn")
            let mirror = try f.arnhem.referral(sender: a, id: rid)
            #expect(mirror.state == "withdrawn" && !mirror.withdrawPending && !mirror.tooLate)
            #expect(mirror.reason == "family_stayed")

            // Withdrawn after the receiver accepted a transfer: its case goes.
            let (_, rid2) = try await Self.offeredTransfer(f)
            let accepted = try await f.zwolle.cases.accept(sender: a, id: rid2, by: Self.receiverWorker)
            let zCaseID = try #require(accepted.row.caseID)
            await f.zwolle.deliver(to: f.arnhem)
            _ = try await f.arnhem.cases.withdraw(sender: a, id: rid2, reason: .consentWithdrawn, by: Self.worker)
            await f.arnhem.deliver(to: f.zwolle)
            let incoming = try f.zwolle.referral(sender: a, id: rid2)
            #expect(incoming.state == "withdrawn" && incoming.caseID == nil)
            #expect(try f.zwolle.caseRow(zCaseID) == nil)
            #expect(try await f.zwolle.store.read { db in try CasePersonRow.fetchCount(db) } == 0)
            #expect(try f.arnhem.referral(sender: a, id: rid2).state == "withdrawn")
        }
    }

    @Test func withdrawAfterCompletionIsTooLate() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let (caseID, rid) = try await Self.offeredTransfer(f)
            _ = try await f.zwolle.cases.accept(sender: a, id: rid, by: Self.receiverWorker)
            await f.zwolle.deliver(to: f.arnhem)
            _ = try await f.zwolle.cases.complete(sender: a, id: rid, by: Self.receiverWorker)
            // Arnhem withdraws before the complete reaches it.
            _ = try await f.arnhem.cases.withdraw(sender: a, id: rid, reason: .familyStayed, by: Self.worker)
            await f.arnhem.deliver(to: f.zwolle)
            #expect(try f.zwolle.referral(sender: a, id: rid).state == "completed")
            let mirror = try f.arnhem.referral(sender: a, id: rid)
            #expect(mirror.tooLate && !mirror.withdrawPending && mirror.state == "accepted")
            #expect(mirror.answerReceipt != nil)
            let shown = try await f.arnhem.cases.showReferral(sender: a, id: rid)
            #expect(CaseworkerViews.json(shown)["display_state"] == .string("too late"))
            // The refused withdraw is not parked, and not queued.
            #expect(try f.arnhem.outbox().filter { $0.type == "referral.withdraw" }.isEmpty)
            #expect(try await f.arnhem.store.read { db in try Outbox.parkedCount(in: db) } == 0)
            #expect(try f.arnhem.auditEntries().contains { $0.contains("message.refused") })
            // Then the complete arrives and closes Arnhem's case.
            await f.zwolle.deliver(to: f.arnhem)
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "completed")
            #expect(try f.arnhem.caseRow(caseID)?.outcome == .transferred)
            // A completed referral cannot be withdrawn locally.
            let lateRefusal = await #expect(throws: HubNodeError.self) {
                try await f.arnhem.cases.withdraw(sender: a, id: rid, reason: .familyStayed, by: Self.worker)
            }
            #expect(lateRefusal?.isRefusal == true, "\(String(describing: lateRefusal))")
        }
    }

    @Test func withdrawRacingAccept() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let (caseID, rid) = try await Self.offeredTransfer(f)
            // Both act before hearing from each other.
            let accepted = try await f.zwolle.cases.accept(sender: a, id: rid, by: Self.receiverWorker)
            _ = try await f.arnhem.cases.withdraw(sender: a, id: rid, reason: .familyStayed, by: Self.worker)
            // The withdraw arrives first: accepted → withdrawn at the receiver, its case removed.
            await f.arnhem.deliver(to: f.zwolle)
            #expect(try f.zwolle.referral(sender: a, id: rid).state == "withdrawn")
            #expect(try f.zwolle.caseRow(try #require(accepted.row.caseID)) == nil)
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "withdrawn")
            // The late accept is taken without effect: the terminal mirror stays.
            await f.zwolle.deliver(to: f.arnhem)
            #expect(try f.zwolle.outbox().allSatisfy { $0.state == .delivered })
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "withdrawn")
            #expect(try f.arnhem.caseRow(caseID)?.status == .open)
            #expect(try f.arnhem.auditEntries().contains { $0.contains("referral.answer_ignored") })
        }
    }

    /// Asserts that no database file of the federation holds a test BSN or
    /// name in its raw bytes, and that no audit entry names a pseudonym.
    static func expectNoPersonalData(in f: ReferralTestFederation) throws {
        for node in [f.arnhem, f.zwolle, f.assen] {
            var checkedFiles = 0
            var everything: [UInt8] = []
            for suffix in ["", "-wal"] {
                let path = node.directory.file("node.sqlite" + suffix)
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                let bytes = [UInt8](data)
                everything += bytes
                checkedFiles += 1
                for secret in bsns + names {
                    #expect(
                        !IdentityVaultTests.contains(bytes, Array(secret.utf8)),
                        "\(node.name) \(suffix) holds \(secret)"
                    )
                }
            }
            #expect(checkedFiles >= 1)
            // Positive control: the search does find what the files do hold.
            let caseIDs = try node.store.read { db in try String.fetchAll(db, sql: "SELECT id FROM cases") }
            for id in caseIDs { #expect(IdentityVaultTests.contains(everything, Array(id.utf8))) }
            let pseudonyms = try node.store.read { db in
                try String.fetchAll(db, sql: "SELECT pseudonym FROM case_persons")
            }
            let audit = try node.auditEntries().joined(separator: "\n")
            for p in pseudonyms { #expect(!audit.contains(p), "an audit entry names a pseudonym") }
            for secret in bsns + names { #expect(!audit.contains(secret)) }
        }
    }
}
