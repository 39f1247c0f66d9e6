import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

/// Retention over real referral flows between in-process nodes: cases closed
/// long ago, recently and not at all, with their offers in both outboxes and
/// inboxes; a dry run changes nothing, the purge changes exactly the rule's
/// columns, and the receive path still answers a replay (PROTOCOL §13).
@Suite(.serialized) struct RetentionFlowTests {
    typealias Flow = ReferralFlowTests
    static let worker = "C. Worker (Arnhem)"
    static let receiverWorker = "Z. Behandelaar"

    static var today: CalendarDate { CaseCalendar.day(at: NodeClock.now()) }

    static func execute(_ node: ReferralTestFederation.Node, _ sql: String, _ arguments: StatementArguments) throws {
        try node.store.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    struct Story {
        var oldCase = ""  // Arnhem: offered to Zwolle, transferred, closed 800 days ago
        var oldTransfer = ""
        var zwolleOldCase = ""  // Zwolle: opened for that transfer, closed 800 days ago
        var oldCase2 = ""  // Arnhem: consult rejected by Assen, closed 800 days ago
        var oldConsult = ""
        var recentCase = ""  // Arnhem: consult accepted by Zwolle, closed 10 days ago
        var recentConsult = ""
        var openCase = ""  // Arnhem: open since 1000 days, offered to Assen, not answered
        var openTransfer = ""
        var oldOfferJWS = ""  // the bytes of Arnhem's first offer, as Zwolle received them
    }

    static func play(_ f: ReferralTestFederation) async throws -> Story {
        var s = Story()
        let a = f.arnhem.oin
        let family = try Flow.family()
        // 1. A transfer Arnhem → Zwolle, completed; both cases closed 800 days ago.
        s.oldCase = try await f.arnhem.cases.openCase(
            persons: family,
            categories: Flow.categories,
            openedOn: today.adding(days: -1000),
            by: worker
        ).row.id
        s.oldTransfer = try await f.arnhem.cases.offer(
            Flow.offer(s.oldCase, to: "Gemeente Zwolle", kind: .transfer, identity: true, note: "handover"),
            by: worker
        ).row.referralID
        await f.arnhem.deliver(to: f.zwolle)
        s.oldOfferJWS = try #require(try f.arnhem.outbox().first { $0.type == "referral.offer" }?.jws)
        s.zwolleOldCase = try #require(
            try await f.zwolle.cases.accept(sender: a, id: s.oldTransfer, by: receiverWorker).row.caseID
        )
        try await f.zwolle.cases.complete(sender: a, id: s.oldTransfer, by: receiverWorker)
        await f.zwolle.deliver(to: f.arnhem)
        #expect(try f.arnhem.caseRow(s.oldCase)?.status == .closed)
        _ = try await f.zwolle.cases.closeCase(id: s.zwolleOldCase, outcome: .stable, by: receiverWorker)
        let longAgo = today.adding(days: -800).description
        try execute(f.arnhem, "UPDATE cases SET closed_on = ? WHERE id = ?", [longAgo, s.oldCase])
        try execute(
            f.zwolle,
            "UPDATE cases SET opened_on = ?, closed_on = ? WHERE id = ?",
            [today.adding(days: -900).description, longAgo, s.zwolleOldCase]
        )

        // 2. A consult Arnhem → Assen with identity, rejected; Arnhem's case closed 800 days ago,
        //    Assen's rejection made 800 days ago.
        s.oldCase2 = try await f.arnhem.cases.openCase(
            persons: family,
            categories: Flow.categories,
            openedOn: today.adding(days: -1000),
            by: worker
        ).row.id
        s.oldConsult = try await f.arnhem.cases.offer(
            Flow.offer(s.oldCase2, to: "Gemeente Assen", kind: .consult, identity: true),
            by: worker
        ).row.referralID
        await f.arnhem.deliver(to: f.assen)
        try await f.assen.cases.reject(sender: a, id: s.oldConsult, reason: .notResponsible, by: "A. Ssen")
        await f.assen.deliver(to: f.arnhem)
        _ = try await f.arnhem.cases.closeCase(
            id: s.oldCase2,
            outcome: .referredOn,
            closedOn: today.adding(days: -800),
            by: worker
        )
        try execute(
            f.assen,
            "UPDATE referrals SET updated_at = ? WHERE referral_id = ?",
            [NodeClock.now() - 800 * 86_400, s.oldConsult]
        )

        // 3. A consult Arnhem → Zwolle, accepted; Arnhem's case closed 10 days ago.
        s.recentCase = try await f.arnhem.cases.openCase(
            persons: family,
            categories: Flow.categories,
            openedOn: today.adding(days: -100),
            by: worker
        ).row.id
        s.recentConsult = try await f.arnhem.cases.offer(
            Flow.offer(s.recentCase, to: "Gemeente Zwolle", kind: .consult, identity: true),
            by: worker
        ).row.referralID
        await f.arnhem.deliver(to: f.zwolle)
        try await f.zwolle.cases.accept(sender: a, id: s.recentConsult, by: receiverWorker)
        await f.zwolle.deliver(to: f.arnhem)
        _ = try await f.arnhem.cases.closeCase(
            id: s.recentCase,
            outcome: .stable,
            closedOn: today.adding(days: -10),
            by: worker
        )

        // 4. An open case of 1000 days, offered to Assen, unanswered.
        s.openCase = try await f.arnhem.cases.openCase(
            persons: family,
            categories: Flow.categories,
            openedOn: today.adding(days: -1000),
            by: worker
        ).row.id
        s.openTransfer = try await f.arnhem.cases.offer(
            Flow.offer(s.openCase, to: "Gemeente Assen", kind: .transfer, identity: true),
            by: worker
        ).row.referralID
        await f.arnhem.deliver(to: f.assen)
        for node in [f.arnhem, f.zwolle, f.assen] {
            #expect(try node.outbox().allSatisfy { $0.state == .delivered }, "\(node.name)")
        }
        return s
    }

    static func service(_ node: ReferralTestFederation.Node) -> RetentionService {
        RetentionService(store: node.store, closedCaseAgeDays: 730)
    }

    /// Referrals rows before and after a purge: those of `losingCopy` lost
    /// their identity copy and nothing else; every other row is unchanged.
    static func expectReferrals(
        before: [String: [Row]],
        after: [String: [Row]],
        losingCopy: [String],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let (old, new) = (before["referrals"] ?? [], after["referrals"] ?? [])
        #expect(old.count == new.count, sourceLocation: sourceLocation)
        for (o, n) in zip(old, new) {
            let id: String = o["referral_id"]
            if losingCopy.contains(id) {
                #expect((o["identity_copy"] as Data?) != nil, "\(id) had a copy", sourceLocation: sourceLocation)
                #expect((n["identity_copy"] as Data?) == nil, "\(id) lost its copy", sourceLocation: sourceLocation)
                for column in o.columnNames where column != "identity_copy" {
                    #expect(
                        o[column] as DatabaseValue == n[column] as DatabaseValue,
                        "referrals.\(column)",
                        sourceLocation: sourceLocation
                    )
                }
            } else {
                #expect(o == n, "referral \(id) untouched", sourceLocation: sourceLocation)
            }
        }
    }

    static func column<T: DatabaseValueConvertible>(
        _ node: ReferralTestFederation.Node,
        _ sql: String,
        _ arguments: StatementArguments = []
    ) throws -> T? {
        try node.store.read { db in try T.fetchOne(db, sql: sql, arguments: arguments) }
    }

    @Test func dryRunThenPurgeOnThreeNodes() async throws {
        try await ReferralTestFederation.with { f in
            let s = try await Self.play(f)
            let nodes = [f.arnhem, f.zwolle, f.assen]
            let before = try nodes.map { try RetentionPlanTests.dump($0.store) }

            // Dry runs: the plans, and not one byte changed.
            let arnhemPlan = try await Self.service(f.arnhem).plan()
            let zwollePlan = try await Self.service(f.zwolle).plan()
            let assenPlan = try await Self.service(f.assen).plan()
            for (node, dump) in zip(nodes, before) {
                #expect(try RetentionPlanTests.dump(node.store) == dump, "\(node.name) changed in a dry run")
            }
            let arnhemOffers = try f.arnhem.outbox().filter { $0.type == "referral.offer" }
            let offerOf = { (id: String) in arnhemOffers.first { $0.bodyJSON.contains(id) } }
            #expect(Set(arnhemPlan.cases) == [s.oldCase, s.oldCase2])
            #expect(arnhemPlan.persons == 6)
            #expect(
                arnhemPlan.outboxSealed.map(\.hash) == [s.oldTransfer, s.oldConsult].compactMap { offerOf($0)?.hash }
            )
            #expect(arnhemPlan.outboxSealed.count == 2 && arnhemPlan.inboxSealed.isEmpty)
            #expect(arnhemPlan.inboxExpired.isEmpty && arnhemPlan.identityCopies.isEmpty)
            let zwolleOfferHash = CompactJWS.hash(s.oldOfferJWS)
            #expect(zwollePlan.cases == [s.zwolleOldCase] && zwollePlan.persons == 3)
            #expect(zwollePlan.inboxSealed == [zwolleOfferHash] && zwollePlan.outboxSealed.isEmpty)
            #expect(zwollePlan.identityCopies.map(\.referralID) == [s.oldTransfer])
            #expect(assenPlan.cases.isEmpty && assenPlan.referrals.map(\.referralID) == [s.oldConsult])
            #expect(assenPlan.inboxSealed.count == 1)
            #expect(assenPlan.identityCopies.map(\.referralID) == [s.oldConsult])

            // The purge, on each node.
            let purged = [
                try await Self.service(f.arnhem).purge(by: "O. Perator"),
                try await Self.service(f.zwolle).purge(by: "O. Perator"),
                try await Self.service(f.assen).purge(by: "node"),
            ]
            #expect(purged[0].cases == arnhemPlan.cases && purged[1].inboxSealed == zwollePlan.inboxSealed)
            #expect(purged[2].inboxSealed == assenPlan.inboxSealed)
            let after = try nodes.map { try RetentionPlanTests.dump($0.store) }

            // Arnhem: the two old cases lost identities and pseudonyms; statistics fields intact.
            try Self.expectCases(
                before: before[0],
                after: after[0],
                purged: [s.oldCase, s.oldCase2],
                vault: f.arnhem.vault
            )
            // Arnhem's referrals rows are unchanged (state, dates, kind, category).
            #expect(before[0]["referrals"] == after[0]["referrals"])
            // Arnhem's outbox: the two old offers lost their bytes, kept hash, receipt, times, state.
            let erased = Set(arnhemPlan.outboxSealed.map(\.id))
            #expect(erased.count == 2)
            for (old, new) in zip(before[0]["outbox"]!, after[0]["outbox"]!) {
                let id: Int64 = old["id"]
                if erased.contains(id) {
                    for column in [
                        "id", "destination_oin", "type", "jti", "hash", "created_at", "state", "receipt_jws",
                    ]
                        + ["delivered_at", "attempts"]
                    {
                        #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "outbox.\(column)")
                    }
                    #expect((new["jws"] as String) == "" && (new["body_json"] as String) == "{}")
                    #expect((new["sealed_deleted_at"] as Int64?) != nil)
                } else {
                    #expect(old == new, "outbox row \(id) (recent or open) untouched")
                }
            }
            #expect(before[0]["inbox"] == after[0]["inbox"], "answers hold no sealed data")

            // Zwolle: its case from the old transfer lost identity; the received offer lost its bytes.
            try Self.expectCases(
                before: before[1],
                after: after[1],
                purged: [s.zwolleOldCase],
                vault: f.zwolle.vault
            )
            for (old, new) in zip(before[1]["inbox"]!, after[1]["inbox"]!) {
                let hash: String = old["hash"]
                if hash == zwolleOfferHash {
                    for column in old.columnNames where !["jws", "sealed_deleted_at"].contains(column) {
                        #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "inbox.\(column)")
                    }
                    #expect((new["jws"] as String?) == nil && (new["sealed_deleted_at"] as Int64?) != nil)
                } else {
                    #expect(old == new, "the recent consult's offer keeps its bytes")
                }
            }
            #expect(before[1]["outbox"] == after[1]["outbox"])
            // The received offers' identity copies: the old transfer's goes, every other column stays.
            Self.expectReferrals(before: before[1], after: after[1], losingCopy: [s.oldTransfer])
            // Assen: the rejected consult's offer lost its bytes; the open transfer's offer kept them.
            let assenOld = try #require(try f.assen.referral(sender: f.arnhem.oin, id: s.oldConsult).offerHash)
            let assenOpen = try #require(try f.assen.referral(sender: f.arnhem.oin, id: s.openTransfer).offerHash)
            #expect(assenPlan.inboxSealed == [assenOld])
            #expect(try Self.column(f.assen, "SELECT jws FROM inbox WHERE hash = ?", [assenOld]) as String? == nil)
            #expect(try Self.column(f.assen, "SELECT jws FROM inbox WHERE hash = ?", [assenOpen]) as String? != nil)
            #expect(before[2]["cases"] == after[2]["cases"])
            Self.expectReferrals(before: before[2], after: after[2], losingCopy: [s.oldConsult])

            // The identity behind a purged referral is gone; the recent one still reads.
            let refusal = await #expect(throws: HubNodeError.self) {
                try await f.zwolle.cases.readIdentity(
                    sender: f.arnhem.oin,
                    id: s.oldTransfer,
                    purpose: "check",
                    by: Self.receiverWorker,
                    role: .caseworker
                )
            }
            #expect(refusal?.isRefusal == true, "\(String(describing: refusal))")
            let recent = try await f.zwolle.cases.readIdentity(
                sender: f.arnhem.oin,
                id: s.recentConsult,
                purpose: "check",
                by: Self.receiverWorker,
                role: .caseworker
            )
            #expect(recent.persons.count == 3)
            let purgedPersons = try await f.arnhem.cases.readIdentity(
                caseID: s.oldCase,
                purpose: "check",
                by: Self.worker,
                role: .caseworker
            )
            #expect(purgedPersons.isEmpty)

            // A replay of the purged but unexpired offer is still answered from the store:
            // the same receipt, byte for byte, and no new row.
            let receipt: String? = try Self.column(
                f.zwolle,
                "SELECT receipt_jws FROM inbox WHERE hash = ?",
                [zwolleOfferHash]
            )
            let snapshot = f.zwolle.state.snapshot
            let receiver = MessageReceiver(identity: snapshot.identity, registry: f.zwolle.registry)
            let outcome = try await f.zwolle.store.write { db in
                var alerts: [String] = []
                return try receiver.receive(
                    [s.oldOfferJWS],
                    from: f.arnhem.oin,
                    verifier: snapshot.verifier,
                    now: NodeClock.now(),
                    alerts: &alerts,
                    in: db
                )
            }
            #expect(outcome.count == 1 && outcome[0].repeated && outcome[0].accepted)
            #expect(outcome[0].receipt == receipt)
            #expect(try RetentionPlanTests.dump(f.zwolle.store)["inbox"] == after[1]["inbox"])
            // The offer's (iss, jti) is still reserved: it stays a duplicate for step 9.
            let owner = try await f.zwolle.store.read { db in
                try Inbox.jtiOwner(iss: f.arnhem.oin, jti: Self.jti(of: s.oldOfferJWS), in: db)
            }
            #expect(owner == zwolleOfferHash)

            // Each purge is one audit entry with counts only, and the chains verify.
            for (node, plan) in zip(nodes, purged) {
                let entries = try node.auditEntries().filter { $0.contains("\"retention.purge\"") }
                #expect(entries.count == 1)
                let details = try JSONParser.parse(Array(entries[0].utf8))["details"]
                #expect(details == plan.summary)
                #expect(try await node.store.read { db in try AuditLog.verify(in: db) }.isIntact)
            }
            try Flow.expectNoPersonalData(in: f)

            // The removed bytes are gone from Zwolle's database files, not just from its rows:
            // the offer's payload, the old pseudonyms and identity blobs (Zwolle has no other
            // case of this family).
            let files = try Self.fileBytes(f.zwolle)
            let payloadPart = String(s.oldOfferJWS.split(separator: ".")[1].prefix(120))
            #expect(files.1 > 0)
            let offerOnDisk = IdentityVaultTests.contains(files.0, Array(payloadPart.utf8))
            #expect(!offerOnDisk, "the offer's bytes remain on disk")
            for old in before[1]["case_persons"]! where (old["case_id"] as String) == s.zwolleOldCase {
                let pseudonym: String = old["pseudonym"]
                let blob: Data = old["identity"]
                let pseudonymOnDisk = IdentityVaultTests.contains(files.0, Array(pseudonym.utf8))
                let blobOnDisk = IdentityVaultTests.contains(files.0, Array(blob.suffix(32)))
                #expect(!pseudonymOnDisk, "a pseudonym remains on disk")
                #expect(!blobOnDisk, "an identity blob remains on disk")
            }
            // Positive control: the recent consult's offer is still found the same way.
            let recentJWS: String = try #require(
                try Self.column(
                    f.zwolle,
                    "SELECT jws FROM inbox WHERE type = 'referral.offer' AND jws IS NOT NULL",
                    []
                )
            )
            let recentPart = String(recentJWS.split(separator: ".")[1].prefix(120))
            let recentOnDisk = IdentityVaultTests.contains(files.0, Array(recentPart.utf8))
            #expect(recentOnDisk, "positive control")

            // A second run removes nothing.
            for node in nodes {
                #expect(try await Self.service(node).plan().isEmpty, "\(node.name)")
            }
        }
    }

    /// The bytes of a node's database and WAL files, and how many files there were.
    static func fileBytes(_ node: ReferralTestFederation.Node) throws -> ([UInt8], Int) {
        var bytes: [UInt8] = []
        var count = 0
        for suffix in ["", "-wal"] {
            guard let data = FileManager.default.contents(atPath: node.directory.file("node.sqlite" + suffix)) else {
                continue
            }
            bytes += [UInt8](data)
            count += 1
        }
        return (bytes, count)
    }

    static func jti(of jws: String) throws -> String {
        let payload = try JSONParser.parse(try CompactJWS(jws).payload)
        return try #require(payload["jti"]?.stringValue)
    }

    /// Purged cases: every `cases` column as before but `purged_at`; persons
    /// with role, position and age band, no identity and a pseudonym that is
    /// no longer this node's pseudonym for anyone in the family. Other cases untouched.
    static func expectCases(
        before: [String: [Row]],
        after: [String: [Row]],
        purged: Set<String>,
        vault: IdentityVault
    ) throws {
        let real = Set(try Flow.bsns.map { vault.pseudonym(for: try BSN($0)) })
        #expect(before["cases"]!.count == after["cases"]!.count)
        for (old, new) in zip(before["cases"]!, after["cases"]!) {
            let id: String = old["id"]
            for column in old.columnNames where column != "purged_at" {
                #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "cases.\(column)")
            }
            #expect(((new["purged_at"] as Int64?) != nil) == purged.contains(id), "\(id)")
        }
        #expect(before["case_persons"]!.count == after["case_persons"]!.count)
        for (old, new) in zip(before["case_persons"]!, after["case_persons"]!) {
            let caseID: String = old["case_id"]
            guard purged.contains(caseID) else {
                #expect(old == new)
                continue
            }
            for column in ["case_id", "position", "role", "age_band"] {
                #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "case_persons.\(column)")
            }
            #expect((old["identity"] as DatabaseValue).isNull == false)
            #expect((new["identity"] as DatabaseValue).isNull)
            #expect(real.contains(old["pseudonym"] as String))
            #expect(!real.contains(new["pseudonym"] as String))
        }
    }
}
