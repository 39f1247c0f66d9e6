import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

@Suite("NodeStore")
struct NodeStoreTests {
    typealias S = StoreTestSupport

    @Test("migrations run on a fresh file and again on re-open")
    func migrationsFreshAndReopen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = StoreConfiguration(path: directory.file("node.sqlite"))

        do {
            let store = try NodeStore(configuration: configuration)
            #expect(try store.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
            let tables = try store.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            }
            for table in ["alerts", "audit_log", "descriptors", "inbox", "inbox_usage", "outbox", "peer_state"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
            let triggers = try store.read { db in
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            }
            #expect(
                triggers == [
                    "audit_log_next_index", "audit_log_no_delete", "audit_log_no_update", "inbox_usage_delete",
                    "inbox_usage_insert",
                    "inbox_usage_update",
                ]
            )
            try store.write { db in
                try Alerts.raise(.staleCRL, detail: "CRL of the test CA is past nextUpdate", at: 1, in: db)
            }
            try store.close()
        }

        let reopened = try NodeStore(configuration: configuration)
        defer { try? reopened.close() }
        #expect(try reopened.appliedMigrations() == ["v1", "v2", "v3", "v4", "v5"])
        let alerts = try reopened.read { try Alerts.open(in: $0) }
        #expect(alerts.map(\.kind) == [.staleCRL])
    }

    @Test("WAL, synchronous=FULL, foreign keys and the journal size limit are in effect")
    func pragmasReadBack() throws {
        try S.withStore { store, _ in
            let journalMode = try store.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            #expect(journalMode == "wal")
            let (synchronous, foreignKeys, journalSizeLimit) = try store.pool.writeWithoutTransaction { db in
                (
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                    try Int.fetchOne(db, sql: "PRAGMA journal_size_limit")
                )
            }
            #expect(synchronous == StoreConfiguration.Synchronous.full.pragmaValue)
            #expect(synchronous == 2)
            #expect(foreignKeys == 1)
            #expect(journalSizeLimit == 64 * 1024 * 1024)
        }
    }

    @Test("a configured synchronous level is the one in effect")
    func synchronousConfigurable() throws {
        let configure: (inout StoreConfiguration) -> Void = {
            $0.synchronous = .normal
            $0.journalSizeLimit = 1_000_000
        }
        try S.withStore(configure: configure) { store, _ in
            let values = try store.pool.writeWithoutTransaction { db in
                [
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA journal_size_limit"),
                ]
            }
            #expect(values == [1, 1_000_000])
        }
    }

    @Test("an invalid configuration names the key")
    func invalidConfiguration() throws {
        var configuration = StoreConfiguration(path: "")
        let empty = S.expectStoreError(.invalid) { try NodeStore(configuration: configuration) }
        #expect(empty?.message.contains("store.path") == true)
        configuration = StoreConfiguration(path: "/tmp/x.sqlite", maximumReaderCount: 0)
        let readers = S.expectStoreError(.invalid) { try NodeStore(configuration: configuration) }
        #expect(readers?.message.contains("maximum_reader_count") == true)
    }

    @Test("a database that cannot be opened is unavailable")
    func cannotOpen() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let error = S.expectStoreError(.unavailable) {
            try NodeStore(configuration: StoreConfiguration(path: directory.file("missing/dir/node.sqlite")))
        }
        #expect(error?.sqliteCode.map { $0 & 0xff } == 14)  // SQLITE_CANTOPEN
    }

    @Test("a read-only database (PRAGMA query_only) is unavailable and keeps nothing")
    func readOnlyIsUnavailable() throws {
        try S.withStore { store, _ in
            try store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
            let error = S.expectStoreError(.unavailable) {
                try store.write { db in try Inbox.insert(S.inboxRow(jws: "a.b.c"), in: db) }
            }
            #expect(error?.isStorageUnavailable == true)
            #expect(error?.sqliteCode.map { $0 & 0xff } == 8)  // SQLITE_READONLY
            try store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
            #expect(try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM inbox") } == 0)
        }
    }

    @Test(
        "a database file with mode 0444 is unavailable",
        .enabled(if: getuid() != 0, "root ignores file modes")
    )
    func readOnlyFileIsUnavailable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = StoreConfiguration(path: directory.file("node.sqlite"))
        try NodeStore(configuration: configuration).close()
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: configuration.path + suffix) {
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: configuration.path + suffix)
        }
        S.expectStoreError(.unavailable) {
            let store = try NodeStore(configuration: configuration)
            try store.write { db in try Inbox.insert(S.inboxRow(jws: "a.b.c"), in: db) }
        }
    }

    @Test("a full disk (max_page_count reached) is unavailable and keeps nothing")
    func diskFullIsUnavailable() throws {
        try S.withStore { store, _ in
            try store.pool.writeWithoutTransaction { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages)")
            }
            let big = String(repeating: "x", count: 1_000_000)
            let error = S.expectStoreError(.unavailable) {
                try store.write { db in try Inbox.insert(S.inboxRow(jws: big), in: db) }
            }
            #expect(error?.sqliteCode.map { $0 & 0xff } == 13)  // SQLITE_FULL
            #expect(try store.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM inbox") } == 0)
        }
    }

    @Test("a file that is not a database is corrupt")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("node.sqlite")
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        S.expectStoreError(.corrupt) { try NodeStore(configuration: StoreConfiguration(path: path)) }
    }

    @Test("a database with migrations this node does not know is refused")
    func supersededSchemaRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = StoreConfiguration(path: directory.file("node.sqlite"))
        let store = try NodeStore(configuration: configuration)
        try store.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        }
        try store.close()
        let error = S.expectStoreError(.invalid) { try NodeStore(configuration: configuration) }
        #expect(error?.message.contains("newer") == true)
    }

    @Test("a failure mid-transaction leaves nothing behind")
    func transactionAtomicity() throws {
        struct Boom: Error {}
        try S.withStore { store, _ in
            let generation = store.outboxSignal.generation
            // Not #expect(throws:): with Swift 6.3.1, inside this generic
            // closure, the next closure-taking call re-ran this closure.
            do {
                try store.write { db in
                    try Inbox.insert(S.inboxRow(jws: "m.1.x"), in: db)
                    try Outbox.enqueue(S.outboxRow(to: S.arnhem, n: 1), notifying: store.outboxSignal, in: db)
                    try AuditLog.append(
                        .object(["hash": .string("h")]),
                        actor: S.zwolle,
                        action: "message.received",
                        at: 1,
                        in: db
                    )
                    try PeerStates.recordSuccess(destination: S.arnhem, at: 1, in: db)
                    try Alerts.raise(.jtiConflict, peer: S.zwolle, detail: "d", at: 1, in: db)
                    throw Boom()
                }
                Issue.record("expected Boom")
            } catch is Boom {}
            // A store error part-way (a duplicate hash) also undoes the earlier writes.
            S.expectStoreError(.conflict) {
                try store.write { db in
                    try AuditLog.append(.null, actor: "node", action: "x", at: 1, in: db)
                    try Inbox.insert(S.inboxRow(jws: "m.2.x", jti: "0190a5c4-0000-7000-8000-000000000002"), in: db)
                    try Inbox.insert(S.inboxRow(jws: "m.2.x", jti: "0190a5c4-0000-7000-8000-000000000003"), in: db)
                }
            }
            let counts = try store.read { db in
                try ["inbox", "outbox", "audit_log", "peer_state", "alerts"].map {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
                }
            }
            #expect(counts == [0, 0, 0, 0, 0])
            #expect(store.outboxSignal.generation == generation, "a rolled-back enqueue must not signal")
        }
    }

    @Test("async read and write")
    func asyncAccess() async throws {
        try await S.withStore { store, _ in
            let row = try await store.write { db in try Inbox.insert(S.inboxRow(jws: "async.1.x"), in: db) }
            #expect(row.id != nil)
            let receipt = try await store.read { db in try Inbox.lookupReceipt(hash: S.hash("async.1.x"), in: db) }
            #expect(receipt == "receipt-for-async.1.x")
        }
    }

    @Test("SQLite result codes map to store error codes")
    func errorMapping() {
        let cases: [(ResultCode, HubNodeError.Code)] = [
            (.SQLITE_FULL, .unavailable), (.SQLITE_READONLY, .unavailable), (.SQLITE_IOERR_FSYNC, .unavailable),
            (.SQLITE_CANTOPEN, .unavailable), (.SQLITE_BUSY, .unavailable), (.SQLITE_CORRUPT, .corrupt),
            (.SQLITE_NOTADB, .corrupt), (.SQLITE_CONSTRAINT_UNIQUE, .conflict),
            (.SQLITE_CONSTRAINT_PRIMARYKEY, .conflict), (.SQLITE_CONSTRAINT_CHECK, .invalid),
            (.SQLITE_CONSTRAINT_TRIGGER, .invalid), (.SQLITE_ERROR, .internal),
        ]
        for (resultCode, expected) in cases {
            let error = HubNodeError(DatabaseError(resultCode: resultCode, message: "m", sql: "SELECT secret"))
            #expect(error.code == expected, "\(resultCode)")
            #expect(!error.message.contains("secret"), "messages never carry SQL or its values")
        }
        struct Other: Error {}
        #expect(HubNodeError.mappingDatabaseError(Other()) is Other)
    }
}
