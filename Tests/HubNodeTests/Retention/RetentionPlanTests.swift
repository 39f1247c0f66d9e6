import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

/// The retention plan over hand-made rows: exactly which cases, referrals and
/// messages are past retention at a fixed `now`, at each boundary, and what
/// carrying the plan out changes (PROTOCOL §13, docs/protocol.md "Retention").
@Suite struct RetentionPlanTests {
    typealias S = StoreTestSupport
    /// 2027-01-15 08:00 UTC.
    static let now: Int64 = 1_800_000_000
    static let days = 730
    static var cutoff: CalendarDate { RetentionPlanner.cutoff(now: now, closedCaseAgeDays: days) }
    static let worker = "C. Worker"

    static func uuid(_ n: Int) -> String {
        String(format: "00000000-0000-7000-8000-%012d", n)
    }

    /// Every row of every table, in a stable order (for "nothing changed" checks).
    static func dump(_ store: NodeStore) throws -> [String: [Row]] {
        try store.read { db in
            var tables: [String: [Row]] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'") {
                tables[table] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").sorted {
                    $0.description < $1.description
                }
            }
            return tables
        }
    }

    static func insertCase(
        _ id: String,
        closedOn: CalendarDate?,
        persons: Int,
        purgedAt: Int64? = nil,
        in db: Database
    ) throws {
        try CaseRow(
            id: id,
            status: closedOn == nil ? .open : .closed,
            openedOn: "2020-01-01",
            closedOn: closedOn?.description,
            outcome: closedOn == nil ? nil : .stable,
            entryPhase: "relationship",
            helpDomains: #"["children","legal"]"#,
            referralSource: "gp",
            safetyVeiligThuis: true,
            safetyChildProtectionBoard: false,
            safetyCourt: false,
            responsibleFrom: "2020-01-01",
            originSenderOIN: nil,
            originReferralID: nil,
            createdBy: worker,
            createdAt: 1_577_836_800,
            updatedAt: 1_577_836_800
        ).insert(db)
        for position in 0..<persons {
            try CasePersonRow(
                caseID: id,
                position: position,
                role: position == 0 ? "parent" : "child",
                pseudonym: String(repeating: Character(UnicodeScalar(UInt8(97 + position))), count: 26),
                ageBand: position == 0 ? nil : "4-11",
                identity: Data([1, 2, 3, UInt8(position)])
            ).insert(db)
        }
        if let purgedAt {
            try db.execute(sql: "UPDATE cases SET purged_at = ? WHERE id = ?", arguments: [purgedAt, id])
        }
    }

    static func insertReferral(
        _ n: Int,
        direction: ReferralRow.Direction,
        caseID: String?,
        state: String = "accepted",
        hasSealed: Bool = true,
        offerHash: String? = nil,
        updatedAt: Int64 = 1_577_836_800,
        in db: Database
    ) throws {
        try ReferralRow(
            senderOIN: direction == .outgoing ? S.arnhem : S.assen,
            referralID: uuid(n),
            direction: direction,
            peerOIN: direction == .outgoing ? S.zwolle : S.assen,
            caseID: caseID,
            kind: "transfer",
            category: #"{"kind":"transfer"}"#,
            effectiveDate: "2020-01-01",
            respondBy: "2020-01-01",
            priority: "normal",
            hasSealed: hasSealed,
            state: state,
            reason: state == "rejected" ? "not_responsible" : nil,
            withdrawPending: false,
            withdrawReason: nil,
            tooLate: false,
            offerHash: offerHash,
            answerReceipt: nil,
            createdBy: worker,
            createdAt: 1_577_836_800 + Int64(n),
            updatedAt: updatedAt
        ).insert(db)
    }

    /// An incoming message row; returns its hash.
    @discardableResult
    static func insertInbox(
        _ n: Int,
        status: InboxRow.Status = .accepted,
        exp: Int64?,
        receivedAt: Int64 = 1_577_836_800,
        in db: Database
    ) throws -> String {
        var row = S.inboxRow(
            jws: "jws-\(n)",
            iss: S.assen,
            jti: uuid(1000 + n),
            status: status,
            reason: status == .rejected ? "invalid_body" : nil
        )
        row.exp = exp
        row.receivedAt = receivedAt
        try Inbox.insert(row, in: db)
        return row.hash
    }

    /// An outgoing message row, moved to `state`; returns its id and hash.
    @discardableResult
    static func insertOutbox(
        _ n: Int,
        type: String = "referral.offer",
        referral: Int,
        sealed: Bool = true,
        state: OutboxRow.State,
        signal: OutboxSignal,
        in db: Database
    ) throws -> RetentionPlan.OutboxMessage {
        var row = S.outboxRow(to: S.zwolle, n: n)
        row.type = type
        row.bodyJSON =
            sealed
            ? #"{"referral_id":"\#(uuid(referral))","sealed":"a.b.c.d.e"}"# : #"{"referral_id":"\#(uuid(referral))"}"#
        let id = try #require(try Outbox.enqueue(row, notifying: signal, in: db).id)
        switch state {
        case .queued: break
        case .delivered: try Outbox.markDelivered(id: id, receiptJWS: "receipt-\(n)", at: 1_577_900_000, in: db)
        case .parked: try Outbox.park(id: id, reason: "invalid_body", receiptJWS: "receipt-\(n)", in: db)
        }
        return .init(id: id, hash: row.hash)
    }

    /// The fixture: what goes and what stays, one row per rule and boundary.
    struct Fixture {
        var goneCase = RetentionPlanTests.uuid(1)
        var expectedOutbox: [RetentionPlan.OutboxMessage] = []
        var expectedInboxSealed: [String] = []
        var expectedInboxExpired: [String] = []
        var queuedOffer: Int64 = 0
        var recentOffer: Int64 = 0
    }

    static func fixture(_ store: NodeStore) throws -> Fixture {
        var f = Fixture()
        try store.write { db in
            // Cases: closed the day before the cutoff (goes), on the cutoff (stays), open since
            // long ago (stays), past retention but already purged (its referrals still count).
            try insertCase(uuid(1), closedOn: cutoff.adding(days: -1), persons: 3, in: db)
            try insertCase(uuid(2), closedOn: cutoff, persons: 2, in: db)
            try insertCase(uuid(3), closedOn: nil, persons: 2, in: db)
            try insertCase(uuid(4), closedOn: cutoff.adding(days: -400), persons: 1, purgedAt: 1_700_000_000, in: db)

            // r11: outgoing offer of case 1: delivered and parked sealed offers go; a queued one
            // waits; an offer without sealed data and other message types stay.
            try insertReferral(11, direction: .outgoing, caseID: uuid(1), in: db)
            let delivered = try insertOutbox(1, referral: 11, state: .delivered, signal: store.outboxSignal, in: db)
            let parked = try insertOutbox(2, referral: 11, state: .parked, signal: store.outboxSignal, in: db)
            f.queuedOffer = try insertOutbox(3, referral: 11, state: .queued, signal: store.outboxSignal, in: db).id
            try insertOutbox(4, referral: 11, sealed: false, state: .delivered, signal: store.outboxSignal, in: db)
            try insertOutbox(
                5,
                type: "referral.withdraw",
                referral: 11,
                state: .delivered,
                signal: store.outboxSignal,
                in: db
            )
            f.expectedOutbox = [delivered, parked]
            try db.execute(
                sql: "UPDATE referrals SET identity_copy = x'0102' WHERE referral_id IN (?, ?)",
                arguments: [uuid(11), uuid(19)]
            )
            // r12: incoming transfer accepted into case 1: its offer goes.
            let h12 = try insertInbox(12, exp: 1_578_000_000, in: db)
            try insertReferral(12, direction: .incoming, caseID: uuid(1), offerHash: h12, in: db)
            // r13: incoming into case 2 (closed on the cutoff): stays.
            let h13 = try insertInbox(13, exp: 1_578_000_000, in: db)
            try insertReferral(13, direction: .incoming, caseID: uuid(2), offerHash: h13, in: db)
            // r14: no case, rejected before the cutoff day: goes. r15: rejected on the cutoff day: stays.
            let h14 = try insertInbox(14, exp: 1_578_000_000, in: db)
            let beforeCutoff = Int64(cutoff.daysSinceEpoch) * 86_400 - 3600 - 1  // 23:59:59 CET the day before
            try insertReferral(
                14,
                direction: .incoming,
                caseID: nil,
                state: "rejected",
                offerHash: h14,
                updatedAt: beforeCutoff,
                in: db
            )
            let h15 = try insertInbox(15, exp: 1_578_000_000, in: db)
            try insertReferral(
                15,
                direction: .incoming,
                caseID: nil,
                state: "rejected",
                offerHash: h15,
                updatedAt: Int64(cutoff.daysSinceEpoch) * 86_400 + 43_200,
                in: db
            )
            // r16: no case, still offered: stays however old. r17: into open case 3: stays.
            let h16 = try insertInbox(16, exp: 1_578_000_000, in: db)
            try insertReferral(16, direction: .incoming, caseID: nil, state: "offered", offerHash: h16, in: db)
            let h17 = try insertInbox(17, exp: 1_578_000_000, in: db)
            try insertReferral(17, direction: .incoming, caseID: uuid(3), offerHash: h17, in: db)
            // r18: no case, withdrawn long ago, but its offer had no sealed data: nothing to remove.
            let h18 = try insertInbox(18, exp: 1_578_000_000, in: db)
            try insertReferral(
                18,
                direction: .incoming,
                caseID: nil,
                state: "withdrawn",
                hasSealed: false,
                offerHash: h18,
                in: db
            )
            // r19: outgoing offer of case 2 (recent): its sealed offer and plaintext stay.
            try insertReferral(19, direction: .outgoing, caseID: uuid(2), in: db)
            f.recentOffer = try insertOutbox(6, referral: 19, state: .delivered, signal: store.outboxSignal, in: db).id
            // r20: outgoing of the already purged case 4: its leftover sealed offer goes.
            try insertReferral(20, direction: .outgoing, caseID: uuid(4), in: db)
            let leftover = try insertOutbox(7, referral: 20, state: .delivered, signal: store.outboxSignal, in: db)
            f.expectedOutbox.append(leftover)
            f.expectedInboxSealed = [h12, h14]

            // Rejected messages: exp + 300 s passed (goes), exactly now (stays); exp unknown:
            // received 30 days + 301 s ago (goes), 30 days + 300 s ago (stays); an accepted
            // message long expired keeps its bytes.
            let x1 = try insertInbox(101, status: .rejected, exp: now - 301, in: db)
            try insertInbox(102, status: .rejected, exp: now - 300, in: db)
            let x3 = try insertInbox(103, status: .rejected, exp: nil, receivedAt: now - 30 * 86_400 - 301, in: db)
            try insertInbox(104, status: .rejected, exp: nil, receivedAt: now - 30 * 86_400 - 300, in: db)
            try insertInbox(105, exp: 1_578_000_000, in: db)
            f.expectedInboxExpired = [x1, x3]
        }
        return f
    }

    @Test func planListsExactlyWhatTheRuleSays() throws {
        try S.withStore { store, _ in
            let f = try Self.fixture(store)
            let before = try Self.dump(store)
            let plan = try store.read { db in
                try RetentionPlanner.plan(now: Self.now, closedCaseAgeDays: Self.days, in: db)
            }
            #expect(try Self.dump(store) == before, "planning changes nothing")
            #expect(plan.cutoff == CalendarDate("2025-01-15"))
            #expect(plan.cases == [f.goneCase])
            #expect(plan.persons == 3)
            #expect(
                plan.referrals.map(\.referralID) == [11, 12, 14, 20].map(Self.uuid),
                "\(plan.referrals.map(\.referralID))"
            )
            #expect(plan.outboxSealed == f.expectedOutbox)
            #expect(plan.inboxSealed == f.expectedInboxSealed)
            #expect(plan.identityCopies == [.init(sender: S.arnhem, referralID: Self.uuid(11))])
            #expect(plan.inboxExpired == f.expectedInboxExpired)
            #expect(!plan.isEmpty)
            // The audit summary: counts and the cutoff only.
            #expect(
                plan.summary
                    == .object([
                        "cutoff": .string("2025-01-15"), "closed_case_age_days": .integer(730), "cases": .integer(1),
                        "persons": .integer(3), "referrals": .integer(4), "inbox_sealed": .integer(2),
                        "outbox_sealed": .integer(3), "identity_copies": .integer(1), "inbox_expired": .integer(2),
                    ])
            )
            let json = plan.json(dryRun: true)
            #expect(json["dry_run"] == .bool(true) && json["cases"] == .array([.string(f.goneCase)]))
            #expect(json["outbox_sealed"]?.arrayValue?.first?["id"] == .integer(f.expectedOutbox[0].id))
        }
    }

    @Test func purgeChangesExactlyThePlannedColumns() async throws {
        try await S.withStore { store, _ in
            let f = try Self.fixture(store)
            let before = try Self.dump(store)
            let service = RetentionService(store: store, closedCaseAgeDays: Self.days, clock: { Self.now })
            let dry = try await service.plan()
            #expect(try Self.dump(store) == before)
            let plan = try await service.purge(by: "O. Perator")
            #expect(plan == dry)
            let after = try Self.dump(store)

            // Cases: only purged_at of case 1 changed.
            let casesBefore = before["cases"]!
            let casesAfter = after["cases"]!
            #expect(casesBefore.count == casesAfter.count)
            for (old, new) in zip(casesBefore, casesAfter) {
                let id: String = old["id"]
                for column in old.columnNames where column != "purged_at" {
                    #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "cases.\(column) of \(id)")
                }
                let purgedAt: Int64? = new["purged_at"]
                let previous: Int64? = old["purged_at"]
                #expect(purgedAt == (id == f.goneCase ? Self.now : previous), "\(id)")
            }
            // Persons: case 1 lost identity and pseudonym, kept role, position, age band.
            let personsBefore = before["case_persons"]!
            let personsAfter = after["case_persons"]!
            #expect(personsBefore.count == personsAfter.count)
            for (old, new) in zip(personsBefore, personsAfter) {
                let caseID: String = old["case_id"]
                for column in ["case_id", "position", "role", "age_band"] {
                    #expect(old[column] as DatabaseValue == new[column] as DatabaseValue)
                }
                if caseID == f.goneCase {
                    #expect((new["identity"] as DatabaseValue).isNull)
                    let pseudonym: String = new["pseudonym"]
                    let previous: String = old["pseudonym"]
                    #expect(pseudonym != previous && pseudonym.count == 26)
                } else {
                    #expect(old == new, "persons of \(caseID) untouched")
                }
            }
            // Referrals: only identity_copy of r11.
            for (old, new) in zip(before["referrals"]!, after["referrals"]!) {
                let id: String = old["referral_id"]
                for column in old.columnNames where column != "identity_copy" {
                    #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "referrals.\(column)")
                }
                let plaintext: Data? = new["identity_copy"]
                let previous: Data? = old["identity_copy"]
                #expect(plaintext == (id == Self.uuid(11) ? nil : previous), "\(id)")
            }
            // Inbox: jws and sealed_deleted_at of the planned hashes; everything else the same.
            let erasedInbox = Set(f.expectedInboxSealed + f.expectedInboxExpired)
            for (old, new) in zip(before["inbox"]!, after["inbox"]!) {
                let hash: String = old["hash"]
                for column in old.columnNames where !["jws", "sealed_deleted_at"].contains(column) {
                    #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "inbox.\(column)")
                }
                if erasedInbox.contains(hash) {
                    #expect((new["jws"] as DatabaseValue).isNull && (new["sealed_deleted_at"] as Int64?) == Self.now)
                } else {
                    #expect(old == new)
                }
            }
            // Outbox: jws, body_json and sealed_deleted_at of the planned rows.
            let erasedOutbox = Set(f.expectedOutbox.map(\.id))
            for (old, new) in zip(before["outbox"]!, after["outbox"]!) {
                let id: Int64 = old["id"]
                for column in old.columnNames where !["jws", "body_json", "sealed_deleted_at"].contains(column) {
                    #expect(old[column] as DatabaseValue == new[column] as DatabaseValue, "outbox.\(column)")
                }
                if erasedOutbox.contains(id) {
                    #expect((new["jws"] as String?) == "" && (new["body_json"] as String?) == "{}")
                    #expect((new["sealed_deleted_at"] as Int64?) == Self.now)
                } else {
                    #expect(old == new, "outbox row \(id) untouched")
                }
            }
            // The per-peer byte count followed the deleted bytes.
            let usage = try await store.read { db in try Inbox.storedBytes(peer: S.zwolle, in: db) }
            let stored = try await store.read { db in
                try Int64.fetchOne(db, sql: "SELECT SUM(COALESCE(length(jws), 0)) FROM inbox") ?? 0
            }
            #expect(usage == stored)
            // Nothing else changed but one audit entry, with counts only.
            for table in before.keys where !["cases", "case_persons", "referrals", "inbox", "outbox"].contains(table) {
                if table == "audit_log" || table == "inbox_usage" { continue }
                #expect(before[table] == after[table], "\(table)")
            }
            let audit = try #require(after["audit_log"]?.last)
            #expect((audit["action"] as String) == "retention.purge" && (audit["actor"] as String) == "O. Perator")
            #expect(after["audit_log"]!.count == before["audit_log"]!.count + 1)
            let details = try JSONParser.parse(Array((audit["entry_json"] as String).utf8))["details"]
            #expect(details == plan.summary)

            // Again: nothing left to remove.
            let again = try await service.purge(by: "O. Perator")
            #expect(again.isEmpty && again.persons == 0)
        }
    }

    @Test func staleOrQueuedChangesAreRefusedWhole() async throws {
        try await S.withStore { store, _ in
            let f = try Self.fixture(store)
            let plan = try store.read { db in
                try RetentionPlanner.plan(now: Self.now, closedCaseAgeDays: Self.days, in: db)
            }
            try store.write { db in try RetentionPlanner.apply(plan, in: db) }
            let after = try Self.dump(store)
            // The same plan again is stale: refused, and the transaction leaves nothing behind.
            S.expectStoreError(.conflict) { try store.write { db in try RetentionPlanner.apply(plan, in: db) } }
            #expect(try Self.dump(store) == after)
            // A queued message is never erased, by the function or by hand.
            S.expectStoreError(.conflict) {
                try store.write { db in try Outbox.eraseMessage(id: f.queuedOffer, at: Self.now, in: db) }
            }
            #expect(throws: (any Error).self) {
                try store.write { db in
                    try db.execute(
                        sql: "UPDATE outbox SET jws = '', body_json = '{}', sealed_deleted_at = 1 WHERE id = ?",
                        arguments: [f.queuedOffer]
                    )
                }
            }
            // An erased parked row cannot go back to the queue.
            let parked = f.expectedOutbox[1].id
            #expect(try store.read { db in try Outbox.isErased(id: parked, in: db) })
            #expect(try !store.read { db in try Outbox.isErased(id: f.recentOffer, in: db) })
            #expect(throws: (any Error).self) {
                try store.write { db in
                    try Outbox.retry(id: parked, at: Self.now, notifying: store.outboxSignal, in: db)
                }
            }
            #expect(try Self.dump(store) == after)
        }
    }

    @Test func withoutThePlaintextColumnAndOnAnEmptyStore() throws {
        try S.withStore { store, _ in
            let empty = try store.read { db in
                try RetentionPlanner.plan(now: Self.now, closedCaseAgeDays: Self.days, in: db)
            }
            #expect(empty.isEmpty && empty.persons == 0)
            #expect(empty.json(dryRun: false)["counts"]?["cases"] == .integer(0))
            try store.write { db in
                try Self.insertCase(Self.uuid(1), closedOn: Self.cutoff.adding(days: -1), persons: 1, in: db)
                try Self.insertReferral(11, direction: .outgoing, caseID: Self.uuid(1), in: db)
                try Self.insertOutbox(1, referral: 11, state: .delivered, signal: store.outboxSignal, in: db)
            }
            let plan = try store.read { db in
                try RetentionPlanner.plan(now: Self.now, closedCaseAgeDays: Self.days, in: db)
            }
            #expect(plan.cases.count == 1 && plan.outboxSealed.count == 1 && plan.identityCopies.isEmpty)
            try store.write { db in try RetentionPlanner.apply(plan, in: db) }
            // A longer retention age keeps the case.
            let longer = try store.read { db in
                try RetentionPlanner.plan(now: Self.now, closedCaseAgeDays: 3650, in: db)
            }
            #expect(longer.isEmpty)
        }
    }

    @Test func apiBodyIsExactlyDryRun() throws {
        #expect(try RetentionAPI.dryRun(Array(#"{"dry_run":true}"#.utf8)))
        #expect(try !RetentionAPI.dryRun(Array(#"{"dry_run":false}"#.utf8)))
        for bad in ["", "{}", #"{"dry_run":"true"}"#, #"{"dry_run":true,"x":1}"#, "[true]", #"{"dry_run":1}"#] {
            #expect(throws: HubHTTPError.self, "\(bad)") { try RetentionAPI.dryRun(Array(bad.utf8)) }
        }
    }
}
