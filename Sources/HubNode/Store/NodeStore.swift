public import GRDB

/// The node's durable SQLite store: one WAL database behind a GRDB
/// `DatabasePool` (one writer, concurrent readers).
///
/// Work is done in closures that receive a GRDB `Database`; the focused APIs
/// (``Inbox``, ``Outbox``, ``AuditLog``, ``PeerStates``, ``Descriptors``,
/// ``Alerts``) take that `Database`, so a caller composes, for example, an
/// inbox row, a state change, an outbox message and an audit entry into ONE
/// write transaction:
///
/// ```swift
/// try await store.write { db in
///     try Inbox.insert(row, in: db)
///     try Outbox.enqueue(answer, notifying: store.outboxSignal, in: db)
///     try AuditLog.append(entry, actor: peer, action: "message.received", at: now, in: db)
/// }
/// ```
///
/// Every error leaving `read` or `write` that came from SQLite is a
/// ``HubNodeError`` of the store (``HubNodeError/Detail/store(sqliteCode:)``);
/// errors the closure throws itself pass through unchanged.
/// If the closure throws, the transaction is rolled back and nothing of it
/// remains.
public final class NodeStore: Sendable {
    /// The configuration the store was opened with.
    public let configuration: StoreConfiguration
    /// Triggered after every commit that enqueued outbox work (see
    /// ``Outbox/enqueue(_:notifying:in:)``); the delivery service waits on it.
    public let outboxSignal: OutboxSignal
    /// The GRDB pool; internal so tests can reach the raw connection.
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `configuration.path`, sets
    /// WAL mode, `synchronous`, the busy timeout and the journal size limit,
    /// turns foreign keys on and runs pending migrations.
    ///
    /// - Throws: ``HubNodeError``: `.unavailable` when the file cannot be opened
    ///   or written, `.corrupt` when it is not a database, `.invalid` when its
    ///   schema is newer than this node knows.
    public init(configuration: StoreConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        self.outboxSignal = OutboxSignal()

        var config = Configuration()
        config.label = "hub.store"
        config.foreignKeysEnabled = true
        config.journalMode = .wal
        config.busyMode = .timeout(configuration.busyTimeoutSeconds)
        config.maximumReaderCount = configuration.maximumReaderCount
        do {
            let pool = try DatabasePool(path: configuration.path, configuration: config)
            // GRDB sets synchronous=NORMAL when it turns WAL on, after any
            // prepareDatabase hook, so the writer's level is set here, last.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(configuration.synchronous.rawValue)")
                try db.execute(sql: "PRAGMA journal_size_limit = \(configuration.journalSizeLimit)")
            }
            try Self.migrate(pool)
            self.pool = pool
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }

    private static func migrate(_ pool: DatabasePool) throws {
        let migrator = StoreMigrations.migrator
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            throw HubNodeError(
                .invalid,
                "the database has migrations this node does not know; it was written by a newer version",
                detail: .store()
            )
        }
        try migrator.migrate(pool)
    }

    /// The names of the migrations applied to the database, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try StoreMigrations.migrator.appliedMigrations(db) }
    }

    // MARK: - Access

    /// Runs `updates` in one write transaction, blocking the current thread.
    ///
    /// Commits when `updates` returns, rolls back when it throws.
    @discardableResult
    public func write<T>(_ updates: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(updates)
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }

    /// Runs `updates` in one write transaction without blocking a thread.
    ///
    /// Commits when `updates` returns, rolls back when it throws.
    @discardableResult
    public func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(updates)
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }

    /// Runs `value` in a read-only snapshot, blocking the current thread.
    public func read<T>(_ value: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(value)
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }

    /// Runs `value` in a read-only snapshot without blocking a thread.
    public func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(value)
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }

    /// Checkpoints the WAL into the database file and truncates it (for
    /// backups and clean shutdown).
    public func checkpointWAL() throws {
        do {
            try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }

    /// Closes every connection. Later accesses fail.
    public func close() throws {
        do {
            try pool.close()
        } catch {
            throw HubNodeError.mappingDatabaseError(error)
        }
    }
}
