public import GRDB

// The store's errors carry `Detail.store`. The HTTP layer turns
// `Code.unavailable` into `503` with `Retry-After` and acknowledges nothing
// (PROTOCOL §3); the other codes are answered by whoever asked for the
// operation. Messages name tables, columns and SQLite's own text, never the
// values of a statement, so they carry no personal data.

extension HubNodeError {
    /// Classifies an SQLite failure as an error of the store, with `error` as
    /// its cause.
    ///
    /// Anything that means "this node cannot durably store right now" (disk
    /// full, read-only file or mount, I/O error, cannot open, lock held too
    /// long, out of memory) is ``Code/unavailable``.
    public init(_ error: DatabaseError) {
        let text = error.message ?? "SQLite error"
        let extended = error.extendedResultCode
        let code: Code
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_PERM,
            .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM, .SQLITE_PROTOCOL, .SQLITE_INTERRUPT:
            code = .unavailable
        case .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_FORMAT:
            code = .corrupt
        case .SQLITE_CONSTRAINT:
            switch extended {
            case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_ROWID:
                code = .conflict
            default:
                code = .invalid
            }
        case .SQLITE_TOOBIG, .SQLITE_MISMATCH, .SQLITE_RANGE:
            code = .invalid
        default:
            code = .internal
        }
        self.init(
            code,
            "\(text) (SQLite \(extended.rawValue))",
            detail: .store(sqliteCode: extended.rawValue),
            cause: error
        )
    }

    /// `error` as an error of the store when it is GRDB's `DatabaseError`;
    /// any other error (a ``HubNodeError`` already, one thrown by a caller's
    /// closure, or cancellation) is returned unchanged.
    public static func mappingDatabaseError(_ error: any Error) -> any Error {
        switch error {
        case let error as HubNodeError: error
        case let error as DatabaseError: HubNodeError(error)
        default: error
        }
    }

    /// Runs `body`, turning an SQLite failure into an error of the store on
    /// the spot, so a caller inside a transaction can tell a conflict from an
    /// outage and go on.
    static func catchingDatabaseError<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw HubNodeError(error)
        }
    }

    /// SQLite's extended result code, when SQLite reported the failure;
    /// `nil` for any other error.
    public var sqliteCode: Int32? {
        if case .store(let sqliteCode) = detail { return sqliteCode }
        return nil
    }

    /// Whether the store cannot durably accept writes right now, so the caller
    /// should answer `503` with `Retry-After` and acknowledge nothing.
    public var isStorageUnavailable: Bool { isStore && code == .unavailable }

    /// Whether the store raised this error.
    var isStore: Bool {
        if case .store = detail { return true }
        return false
    }
}

extension HubNodeError.Code {
    /// The node cannot durably store now (disk full, read-only, I/O error,
    /// cannot open, lock timeout): answer `503` with `Retry-After`.
    public static let unavailable = Self("unavailable")
    /// A uniqueness rule refused the write (same hash, reserved `(iss, jti)`),
    /// or the row is not in a state that allows the operation.
    public static let conflict = Self("conflict")
    /// The row the operation names does not exist. (The case-worker API's
    /// ``resourceNotFound`` has the same raw value.)
    public static let notFound = Self("not_found")
    /// The database file or its contents are damaged.
    public static let corrupt = Self("corrupt")
    /// The input breaks a rule of the schema (check, not-null, append-only
    /// trigger) or of the API.
    public static let invalid = Self("invalid")
    /// Anything else: a defect in the node.
    public static let `internal` = Self("internal")
}
