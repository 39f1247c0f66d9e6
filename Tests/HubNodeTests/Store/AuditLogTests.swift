import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

@Suite("AuditLog")
struct AuditLogTests {
    typealias S = StoreTestSupport

    /// Appends `count` entries and returns the checkpoint after each.
    @discardableResult
    static func fill(_ store: NodeStore, count: Int) throws -> [AuditCheckpoint] {
        try store.write { db in
            try (1...count).map { n in
                let entry: JSONValue = .object([
                    "hash": .string(S.hash("message \(n)")), "type": .string("referral.offer"),
                    "peer": .string(S.zwolle), "status": .string(n % 7 == 0 ? "rejected" : "accepted"),
                ])
                let (index, hashHex) = try AuditLog.append(
                    entry,
                    actor: S.zwolle,
                    action: "message.received",
                    at: 1_750_000_000 + Int64(n),
                    in: db
                )
                #expect(index == Int64(n))
                return AuditCheckpoint(index: index, hashHex: hashHex)
            }
        }
    }

    static func dropTriggers(_ db: Database) throws {
        try db.execute(sql: "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
    }

    @Test("h_i = SHA-256(h_{i−1} ‖ JCS(entry_i)) from 32 zero bytes")
    func chainDefinition() throws {
        try S.withStore { store, _ in
            let details: JSONValue = .object(["case_id": .string("c-1"), "n": .integer(3)])
            let (i1, h1) = try store.write {
                try AuditLog.append(details, actor: "cw-jansen", action: "sealed.read", at: 10, in: $0)
            }
            let (i2, h2) = try store.write {
                try AuditLog.append(.null, actor: "node", action: "checkpoint", at: 11, in: $0)
            }
            #expect(i1 == 1 && i2 == 2)

            let e1 = #"{"action":"sealed.read","actor":"cw-jansen","at":10,"details":{"case_id":"c-1","n":3},"i":1}"#
            let e2 = #"{"action":"checkpoint","actor":"node","at":11,"details":null,"i":2}"#
            let expected1 = SHA256.hash([UInt8](repeating: 0, count: 32) + Array(e1.utf8))
            let expected2 = SHA256.hash(expected1 + Array(e2.utf8))
            #expect(h1 == Hex.encode(expected1))
            #expect(h2 == Hex.encode(expected2))
            let rows = try store.read { try AuditLog.entries(in: $0) }
            #expect(rows.map(\.entryJSON) == [e1, e2])
            #expect(rows.map(\.h) == [h1, h2])
            #expect(try store.read { try AuditLog.checkpoint(in: $0) } == AuditCheckpoint(index: 2, hashHex: h2))
        }
    }

    @Test("100 entries verify; an empty log verifies")
    func verifyIntact() throws {
        try S.withStore { store, _ in
            let empty = try store.read { try AuditLog.verify(in: $0) }
            #expect(empty.isIntact && empty.lastIndex == 0 && empty.lastHashHex == String(repeating: "0", count: 64))
            #expect(try store.read { try AuditLog.checkpoint(in: $0) }.index == 0)

            let checkpoints = try Self.fill(store, count: 100)
            let result = try store.read { try AuditLog.verify(in: $0) }
            #expect(result.isIntact, "\(result)")
            #expect(result.entriesChecked == 100 && result.lastIndex == 100)
            #expect(result.lastHashHex == checkpoints[99].hashHex)
            let withCheckpoints = try store.read {
                try AuditLog.verify(against: [checkpoints[49], checkpoints[9], checkpoints[99]], in: $0)
            }
            #expect(withCheckpoints.isIntact && withCheckpoints.lastMatchingCheckpoint == 100)
        }
    }

    @Test("UPDATE and DELETE are refused while the triggers stand; so is an out-of-order insert")
    func appendOnly() throws {
        try S.withStore { store, _ in
            try Self.fill(store, count: 3)
            let update = S.expectStoreError(.invalid) {
                try store.write { try $0.execute(sql: "UPDATE audit_log SET actor = 'mallory' WHERE i = 2") }
            }
            #expect(update?.message.contains("append-only") == true)
            S.expectStoreError(.invalid) {
                try store.write { try $0.execute(sql: "DELETE FROM audit_log WHERE i = 3") }
            }
            S.expectStoreError(.invalid) {
                try store.write { db in
                    try db.execute(
                        sql:
                            "INSERT OR REPLACE INTO audit_log (i, at, actor, action, entry_json, h) VALUES (2, 0, 'a', 'b', '{}', ?)",
                        arguments: [String(repeating: "0", count: 64)]
                    )
                }
            }
            #expect(try store.read { try AuditLog.verify(in: $0) }.isIntact)
        }
    }

    @Test("an altered entry is named by its index")
    func alteredEntry() throws {
        try S.withStore { store, _ in
            try Self.fill(store, count: 100)
            try store.write { db in
                try Self.dropTriggers(db)
                try db.execute(
                    sql: "UPDATE audit_log SET entry_json = replace(entry_json, 'accepted', 'rejected') WHERE i = 37"
                )
            }
            let result = try store.read { try AuditLog.verify(in: $0) }
            #expect(result.firstBreak == .init(index: 37, failure: .hashMismatch), "\(result)")
            #expect(result.description == "audit log broken at entry 37: hash mismatch")
        }
    }

    @Test("an altered column outside the hashed bytes is named by its index")
    func alteredColumn() throws {
        try S.withStore { store, _ in
            try Self.fill(store, count: 20)
            try store.write { db in
                try Self.dropTriggers(db)
                try db.execute(sql: "UPDATE audit_log SET actor = 'someone-else' WHERE i = 12")
            }
            let result = try store.read { try AuditLog.verify(in: $0) }
            #expect(result.firstBreak == .init(index: 12, failure: .entryMismatch), "\(result)")
        }
    }

    @Test("a deleted entry is named as the gap")
    func deletedEntry() throws {
        try S.withStore { store, _ in
            try Self.fill(store, count: 100)
            try store.write { db in
                try Self.dropTriggers(db)
                try db.execute(sql: "DELETE FROM audit_log WHERE i = 58")
            }
            let result = try store.read { try AuditLog.verify(in: $0) }
            #expect(result.firstBreak == .init(index: 58, failure: .gap), "\(result)")
        }
    }

    @Test("a chain recomputed after a rewrite is caught by the checkpoints")
    func recomputedChain() throws {
        try S.withStore { store, _ in
            let checkpoints = try Self.fill(store, count: 100)
            // Rewrite entry 63 and recompute every hash from there: the chain
            // alone is consistent again.
            try store.write { db in
                try Self.dropTriggers(db)
                let rows = try AuditEntryRow.fetchAll(db, sql: "SELECT * FROM audit_log WHERE i >= 62 ORDER BY i")
                var previous = try #require(Hex.decode(rows[0].h))
                for var row in rows.dropFirst() {
                    if row.i == 63 {
                        let forged = AuditLog.entryObject(
                            .object(["hash": .string("forged")]),
                            index: row.i,
                            actor: row.actor,
                            action: row.action,
                            at: row.at
                        )
                        row.entryJSON = JCS.string(forged)
                    }
                    previous = SHA256.hash(previous + Array(row.entryJSON.utf8))
                    row.h = Hex.encode(previous)
                    try row.update(db)
                }
            }
            let alone = try store.read { try AuditLog.verify(in: $0) }
            #expect(alone.isIntact, "a full recompute fools the chain alone")

            let signed = [checkpoints[19], checkpoints[49], checkpoints[79], checkpoints[99]]  // i = 20, 50, 80, 100
            let result = try store.read { try AuditLog.verify(against: signed, in: $0) }
            #expect(
                result.firstBreak == .init(index: 51, failure: .checkpointMismatch(checkpointIndex: 80)),
                "\(result)"
            )
            #expect(result.lastMatchingCheckpoint == 50)
        }
    }

    @Test("a truncated log is caught by a checkpoint past its end")
    func truncatedLog() throws {
        try S.withStore { store, _ in
            let checkpoints = try Self.fill(store, count: 30)
            try store.write { db in
                try Self.dropTriggers(db)
                try db.execute(sql: "DELETE FROM audit_log WHERE i > 25")
            }
            #expect(try store.read { try AuditLog.verify(in: $0) }.isIntact)
            let result = try store.read { try AuditLog.verify(against: [checkpoints[9], checkpoints[29]], in: $0) }
            #expect(
                result.firstBreak == .init(index: 11, failure: .checkpointBeyondEnd(checkpointIndex: 30)),
                "\(result)"
            )
        }
    }

    @Test("with checkpoints, nothing after the last matching one is vouched for")
    func breakAgainstCheckpoints() throws {
        try S.withStore { store, _ in
            let checkpoints = try Self.fill(store, count: 40)
            try store.write { db in
                try Self.dropTriggers(db)
                try db.execute(
                    sql: "UPDATE audit_log SET entry_json = replace(entry_json, 'accepted', 'rejected') WHERE i = 33"
                )
            }
            func verify(_ indices: [Int]) throws -> AuditVerification {
                try store.read { db in try AuditLog.verify(against: indices.map { checkpoints[$0 - 1] }, in: db) }
            }
            // The stored hashes could have been recomputed from any entry after
            // the last matching checkpoint up to 33, so that is what is named.
            #expect(
                try verify([10, 35]).firstBreak == .init(index: 11, failure: .checkpointMismatch(checkpointIndex: 35))
            )
            #expect(
                try verify([10, 30, 35]).firstBreak
                    == .init(index: 31, failure: .checkpointMismatch(checkpointIndex: 35))
            )
            // No checkpoint after the edit: the chain names it.
            #expect(try verify([10, 30]).firstBreak == .init(index: 33, failure: .hashMismatch))
        }
        try S.withStore { store, _ in
            let checkpoints = try Self.fill(store, count: 40)
            // Only the stored hash of entry 20 is altered; the entries are intact.
            try store.write { db in
                try Self.dropTriggers(db)
                try db.execute(
                    sql: "UPDATE audit_log SET h = ? WHERE i = 20",
                    arguments: [String(repeating: "e", count: 64)]
                )
            }
            let result = try store.read { try AuditLog.verify(against: [checkpoints[9], checkpoints[29]], in: $0) }
            #expect(result.firstBreak == .init(index: 20, failure: .hashMismatch))
            #expect(result.lastMatchingCheckpoint == 30)
        }
    }

    @Test("appended entries must be I-JSON")
    func entryMustBeIJSON() throws {
        try S.withStore { store, _ in
            S.expectStoreError(.invalid) {
                try store.write { try AuditLog.append(.number(.nan), actor: "node", action: "x", at: 1, in: $0) }
            }
            let checkpoint = try store.read { try AuditLog.checkpoint(in: $0) }
            #expect(checkpoint.index == 0, "nothing was appended")
        }
    }

    @Test("checkpoint payloads round-trip and bad ones are refused")
    func checkpointPayload() throws {
        let checkpoint = AuditCheckpoint(index: 42, hashHex: String(repeating: "ab", count: 32))
        let payload = checkpoint.payload(issuedAt: 1_750_000_000)
        #expect(JCS.string(payload) == #"{"h_i":"\#(checkpoint.hashHex)","i":42,"iat":1750000000}"#)
        #expect(try AuditCheckpoint(payload: payload) == checkpoint)
        let bad: [JSONValue] = [
            .object(["i": .integer(1), "h_i": .string(String(repeating: "AB", count: 32)), "iat": .integer(1)]),
            .object(["i": .integer(-1), "h_i": .string(checkpoint.hashHex), "iat": .integer(1)]),
            .object(["i": .integer(1), "h_i": .string(checkpoint.hashHex)]),
            .object(["i": .integer(1), "h_i": .string(checkpoint.hashHex), "iat": .integer(1), "x": .null]),
            .array([]),
        ]
        for payload in bad {
            S.expectStoreError(.invalid) { try AuditCheckpoint(payload: payload) }
        }
    }

    @Test("the checkpoint file appends whole lines and reads them back")
    func checkpointFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = AuditCheckpointFile(path: directory.file("audit-checkpoints.jws"))
        #expect(try file.readLines().isEmpty)
        try file.append("eyJhbGciOiJFUzI1NiJ9.eyJpIjoxfQ.c2ln")
        try file.append("eyJhbGciOiJFUzI1NiJ9.eyJpIjoyfQ.c2ln")
        #expect(
            try file.readLines() == ["eyJhbGciOiJFUzI1NiJ9.eyJpIjoxfQ.c2ln", "eyJhbGciOiJFUzI1NiJ9.eyJpIjoyfQ.c2ln"]
        )

        // A torn last line (crash mid-append) is closed before the next line.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("eyJ0b3Ju".utf8))
        try handle.close()
        try file.append("eyJhbGciOiJFUzI1NiJ9.eyJpIjozfQ.c2ln")
        #expect(try file.readLines().suffix(2) == ["eyJ0b3Ju", "eyJhbGciOiJFUzI1NiJ9.eyJpIjozfQ.c2ln"])

        S.expectStoreError(.invalid) { try file.append("two\nlines") }
        S.expectStoreError(.invalid) { try file.append("") }
        let missingDirectory = AuditCheckpointFile(path: directory.file("missing/file"))
        S.expectStoreError(.unavailable) { try missingDirectory.append("a.b.c") }
    }
}
