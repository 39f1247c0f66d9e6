public import GRDB

/// The one error type of the node's store.
///
/// The HTTP layer turns ``Code/unavailable`` into `503` with `Retry-After`
/// and acknowledges nothing (PROTOCOL §3); the other codes are answered by
/// whoever asked for the operation. Messages name tables, columns and SQLite's
/// own text, never the values of a statement, so they carry no personal data.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let rawValue: String

        /// Makes a code from its snake_case name.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// Human text naming the problem.
    public var message: String
    /// SQLite's extended result code, when SQLite reported the failure.
    public var sqliteCode: Int32?

    /// Makes an error with a code and a message.
    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    /// Classifies an SQLite failure.
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
        self.init(code, "\(text) (SQLite \(extended.rawValue))", sqliteCode: extended.rawValue)
    }

    /// `error` as a ``StoreError`` when it came from SQLite or already is one;
    /// any other error (thrown by a caller's closure, or cancellation) is
    /// returned unchanged.
    public static func mapping(_ error: any Error) -> any Error {
        switch error {
        case let error as StoreError: error
        case let error as DatabaseError: StoreError(error)
        default: error
        }
    }

    /// Runs `body`, turning an SQLite failure into a ``StoreError`` on the
    /// spot, so a caller inside a transaction can tell a conflict from an
    /// outage and go on.
    static func catching<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw StoreError(error)
        }
    }

    /// Whether the store cannot durably accept writes right now, so the caller
    /// should answer `503` with `Retry-After` and acknowledge nothing.
    public var isUnavailable: Bool { code == .unavailable }

    public var description: String { "\(code): \(message)" }
}

extension StoreError.Code {
    /// The node cannot durably store now (disk full, read-only, I/O error,
    /// cannot open, lock timeout): answer `503` with `Retry-After`.
    public static let unavailable = Self("unavailable")
    /// A uniqueness rule refused the write (same hash, reserved `(iss, jti)`),
    /// or the row is not in a state that allows the operation.
    public static let conflict = Self("conflict")
    /// The row the operation names does not exist.
    public static let notFound = Self("not_found")
    /// The database file or its contents are damaged.
    public static let corrupt = Self("corrupt")
    /// The input breaks a rule of the schema (check, not-null, append-only
    /// trigger) or of the API.
    public static let invalid = Self("invalid")
    /// Anything else: a defect in the node.
    public static let `internal` = Self("internal")
}
