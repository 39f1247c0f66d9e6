import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

@Suite("Inbox")
struct InboxTests {
    typealias S = StoreTestSupport

    @Test("the same bytes get the stored receipt back; a second row for them is a conflict")
    func uniqueHash() throws {
        try S.withStore { store, _ in
            let row = S.inboxRow(jws: "h.p.s")
            let inserted = try store.write { try Inbox.insert(row, in: $0) }
            #expect(inserted.id == 1)
            #expect(try store.read { try Inbox.lookupReceipt(hash: row.hash, in: $0) } == "receipt-for-h.p.s")
            #expect(try store.read { try Inbox.lookupReceipt(hash: S.hash("other"), in: $0) } == nil)

            // Same bytes again (even recorded as not reserving) → conflict, and the transaction goes on.
            var again = S.inboxRow(jws: "h.p.s", reservesJTI: false, status: .rejected, reason: "malformed")
            again.receiptJWS = "another receipt"
            let committed = try store.write { db -> Int in
                let error = S.expectStoreError(.conflict) { try Inbox.insert(again, in: db) }
                #expect(error?.message == "inbox: hash already recorded")
                try AuditLog.append(.null, actor: "node", action: "still.writable", at: 1, in: db)
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") ?? -1
            }
            #expect(committed == 1)
            #expect(try store.read { try Inbox.lookupReceipt(hash: row.hash, in: $0) } == "receipt-for-h.p.s")
            #expect(try store.read { try AuditLog.verify(in: $0) }.lastIndex == 1)
        }
    }

    @Test("(iss, jti) is unique only among rows that reserve it")
    func reservedJTI() throws {
        try S.withStore { store, _ in
            let jti = "0190a5c4-0000-7000-8000-0000000000aa"
            // Two rejections before step 7 with the same claimed (iss, jti): neither reserves.
            try store.write { db in
                try Inbox.insert(
                    S.inboxRow(
                        jws: "bad.1.x",
                        jti: jti,
                        reservesJTI: false,
                        status: .rejected,
                        reason: "bad_signature"
                    ),
                    in: db
                )
                try Inbox.insert(
                    S.inboxRow(
                        jws: "bad.2.x",
                        jti: jti,
                        reservesJTI: false,
                        status: .rejected,
                        reason: "identity_mismatch"
                    ),
                    in: db
                )
            }
            #expect(try store.read { try Inbox.jtiOwner(iss: S.zwolle, jti: jti, in: $0) } == nil)

            // The genuine message reserves it.
            try store.write { try Inbox.insert(S.inboxRow(jws: "good.1.x", jti: jti), in: $0) }
            #expect(try store.read { try Inbox.jtiOwner(iss: S.zwolle, jti: jti, in: $0) } == S.hash("good.1.x"))

            // Different bytes claiming to reserve the same (iss, jti) → conflict.
            let error = S.expectStoreError(.conflict) {
                try store.write { try Inbox.insert(S.inboxRow(jws: "good.2.x", jti: jti), in: $0) }
            }
            #expect(error?.message == "inbox: (iss, jti) already reserved")

            // Recorded as the jti_conflict rejection it is, it does not reserve and is stored.
            try store.write { db in
                try Inbox.insert(
                    S.inboxRow(
                        jws: "good.2.x",
                        jti: jti,
                        reservesJTI: false,
                        status: .rejected,
                        reason: "jti_conflict"
                    ),
                    in: db
                )
            }
            // Another issuer may use the same jti.
            try store.write { try Inbox.insert(S.inboxRow(jws: "assen.1.x", iss: S.assen, jti: jti), in: $0) }
            #expect(try store.read { try Inbox.jtiOwner(iss: S.assen, jti: jti, in: $0) } == S.hash("assen.1.x"))
            #expect(try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM inbox") } == 5)
        }
    }

    @Test("schema rules: accepted rows reserve their jti and have no reason; hashes are 43 characters")
    func schemaChecks() throws {
        try S.withStore { store, _ in
            S.expectStoreError(.invalid) {
                try store.write { try Inbox.insert(S.inboxRow(jws: "a.1.x", reservesJTI: false), in: $0) }
            }
            S.expectStoreError(.invalid) {
                try store.write { try Inbox.insert(S.inboxRow(jws: "a.2.x", reason: "malformed"), in: $0) }
            }
            S.expectStoreError(.invalid) {
                try store.write { try Inbox.insert(S.inboxRow(jws: "a.3.x", status: .rejected), in: $0) }
            }
            var shortHash = S.inboxRow(jws: "a.4.x")
            shortHash.hash = "abc"
            S.expectStoreError(.invalid) { try store.write { try Inbox.insert(shortHash, in: $0) } }
            // A malformed message is recorded without iss/jti, by hash only.
            let malformed = InboxRow(
                hash: S.hash("garbage"),
                iss: nil,
                jti: nil,
                reservesJTI: true,
                type: nil,
                typ: nil,
                jws: nil,
                receivedAt: 1,
                peerOIN: S.zwolle,
                status: .rejected,
                reason: "malformed",
                receiptJWS: "r",
                exp: nil
            )
            #expect(malformed.reservedJTI == nil)
            try store.write { try Inbox.insert(malformed, in: $0) }
            #expect(try store.read { try Inbox.lookupReceipt(hash: S.hash("garbage"), in: $0) } == "r")
        }
    }

    @Test("retention erases the bytes and keeps hash, metadata and receipt")
    func eraseMessage() throws {
        try S.withStore { store, _ in
            let row = S.inboxRow(jws: "sealed.1.x")
            try store.write { try Inbox.insert(row, in: $0) }
            try store.write { try Inbox.eraseMessage(hash: row.hash, at: 1_800_000_000, in: $0) }
            let stored = try #require(try store.read { try Inbox.row(hash: row.hash, in: $0) })
            #expect(stored.jws == nil)
            #expect(stored.sealedDeletedAt == 1_800_000_000)
            #expect(stored.receiptJWS == row.receiptJWS)
            #expect(stored.reservedJTI == row.jti)
            #expect(try store.read { try Inbox.jtiOwner(iss: S.zwolle, jti: row.jti!, in: $0) } == row.hash)
            S.expectStoreError(.notFound) {
                try store.write { try Inbox.eraseMessage(hash: S.hash("nothing"), at: 1, in: $0) }
            }
        }
    }

    @Test("records round-trip every column")
    func roundTrip() throws {
        try S.withStore { store, _ in
            let row = S.inboxRow(jws: "rt.1.x", status: .rejected, reason: "expired")
            let inserted = try store.write { try Inbox.insert(row, in: $0) }
            let fetched = try store.read { try Inbox.row(hash: row.hash, in: $0) }
            #expect(fetched == inserted)
            #expect(
                try store.read {
                    try Inbox.count(peer: S.zwolle, receivedFrom: 1_749_999_999, to: 1_750_000_001, in: $0)
                } == 1
            )
            #expect(try store.read { try Inbox.count(peer: S.zwolle, receivedFrom: 0, to: 1_750_000_000, in: $0) } == 0)
        }
    }
}

@Suite struct InboxUsageTests {
    @Test func storedBytesFollowInsertsAndErasure() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hub-usage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try NodeStore(
            configuration: StoreConfiguration(path: dir.appendingPathComponent("hub.sqlite").path)
        )
        let peer = "99990000000000000001"
        try store.write { db in
            for (i, size) in [100, 250].enumerated() {
                try Inbox.insert(
                    InboxRow(
                        hash: String(repeating: "h", count: 42) + "\(i)",
                        iss: peer,
                        jti: nil,
                        reservesJTI: false,
                        type: "referral.accept",
                        typ: "hub-msg+jws",
                        jws: String(repeating: "x", count: size),
                        receivedAt: 1,
                        peerOIN: peer,
                        status: .rejected,
                        reason: "malformed",
                        receiptJWS: "r\(i)",
                        exp: nil
                    ),
                    in: db
                )
            }
        }
        #expect(try store.read { db in try Inbox.storedBytes(peer: peer, in: db) } == 350)
        try store.write { db in try Inbox.eraseMessage(hash: String(repeating: "h", count: 42) + "1", at: 2, in: db) }
        #expect(try store.read { db in try Inbox.storedBytes(peer: peer, in: db) } == 100)
        #expect(try store.read { db in try Inbox.storedBytes(peer: "99990000000000000002", in: db) } == 0)
        try store.close()
    }
}
