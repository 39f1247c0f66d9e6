/// How the node opens its SQLite database.
///
/// Every field has a default that suits production; only `path` must be given.
/// The configuration is validated by ``NodeStore/init(configuration:)``.
public struct StoreConfiguration: Sendable {
    /// SQLite's `PRAGMA synchronous` level for the writer connection.
    ///
    /// In WAL mode, `normal` may lose the last transactions on power loss
    /// (never corrupts); `full` fsyncs the WAL at every commit, which is what
    /// "a message is accepted only once it and its receipt are durably
    /// committed" (PROTOCOL §4) requires.
    public enum Synchronous: String, Sendable, CaseIterable {
        /// No fsync at all: for throwaway test databases only.
        case off = "OFF"
        /// fsync at checkpoints only.
        case normal = "NORMAL"
        /// fsync the WAL at every commit.
        case full = "FULL"
        /// As `full`, and also fsync the directory after deleting a journal.
        case extra = "EXTRA"

        /// The value `PRAGMA synchronous` reads back for this level.
        public var pragmaValue: Int {
            switch self {
            case .off: 0
            case .normal: 1
            case .full: 2
            case .extra: 3
            }
        }
    }

    /// Path of the database file. Its directory must exist; the file and its
    /// `-wal` and `-shm` companions are created as needed.
    ///
    /// There is no default.
    public var path: String

    /// Durability of commits.
    ///
    /// The default is ``Synchronous/full``.
    public var synchronous: Synchronous

    /// How long a connection waits for a lock held by another connection
    /// before the access fails as ``HubNodeError/Code/unavailable``.
    ///
    /// The default is 5 seconds.
    public var busyTimeout: Duration

    /// Size in bytes to which the WAL file is truncated after a checkpoint
    /// (`PRAGMA journal_size_limit`); a negative value means no limit.
    ///
    /// The default is 64 MiB.
    public var journalSizeLimit: Int

    /// Maximum number of concurrent reader connections.
    ///
    /// The default is 4.
    public var maximumReaderCount: Int

    /// Makes a configuration for the database at `path` with every other
    /// field at its default.
    public init(
        path: String,
        synchronous: Synchronous = .full,
        busyTimeout: Duration = .seconds(5),
        journalSizeLimit: Int = 64 * 1024 * 1024,
        maximumReaderCount: Int = 4
    ) {
        self.path = path
        self.synchronous = synchronous
        self.busyTimeout = busyTimeout
        self.journalSizeLimit = journalSizeLimit
        self.maximumReaderCount = maximumReaderCount
    }

    /// Checks the fields, naming the first one that is out of range.
    public func validate() throws {
        if path.isEmpty {
            throw HubNodeError(.invalid, "store.path: must not be empty", detail: .store())
        }
        if busyTimeout < .zero {
            throw HubNodeError(.invalid, "store.busy_timeout: must not be negative", detail: .store())
        }
        if maximumReaderCount < 1 {
            throw HubNodeError(.invalid, "store.maximum_reader_count: must be at least 1", detail: .store())
        }
    }

    /// The busy timeout in seconds, as GRDB takes it.
    var busyTimeoutSeconds: Double {
        let c = busyTimeout.components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
