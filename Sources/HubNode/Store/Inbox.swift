public import GRDB

/// The receive path's view of `inbox` (PROTOCOL §4, §5, §13).
///
/// Every function works inside the caller's transaction, so the inbox row,
/// the message's effects and its audit entry commit together or not at all.
public enum Inbox {
    /// The stored receipt for the message with content address `hash`, byte
    /// for byte, or nil when these bytes have no recorded outcome.
    public static func lookupReceipt(hash: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT receipt_jws FROM inbox WHERE hash = ?", arguments: [hash])
    }

    /// The content address of the message that reserved `(iss, jti)`, or nil
    /// when no message reserved it (step 9, `jti_conflict`).
    public static func jtiOwner(iss: String, jti: String, in db: Database) throws -> String? {
        try String.fetchOne(
            db,
            sql: "SELECT hash FROM inbox WHERE iss = ? AND reserved_jti = ?",
            arguments: [iss, jti]
        )
    }

    /// The row for `hash`, if any.
    public static func row(hash: String, in db: Database) throws -> InboxRow? {
        try InboxRow.fetchOne(db, sql: "SELECT * FROM inbox WHERE hash = ?", arguments: [hash])
    }

    /// Records a message's final outcome and receipt.
    ///
    /// - Returns: the row with its id.
    /// - Throws: ``HubNodeError`` `.conflict` when the hash is already recorded
    ///   or `(iss, jti)` is already reserved (the statement is undone; the
    ///   caller's transaction goes on), `.invalid` when the row breaks a
    ///   schema rule (for example `accepted` without a reserved jti).
    @discardableResult
    public static func insert(_ row: InboxRow, in db: Database) throws -> InboxRow {
        var row = row
        do {
            try row.insert(db)
        } catch let error as DatabaseError {
            var mapped = HubNodeError(error)
            if mapped.code == .conflict {
                let which =
                    (error.message ?? "").contains("reserved_jti")
                    ? "(iss, jti) already reserved" : "hash already recorded"
                mapped.message = "inbox: \(which)"
            }
            throw mapped
        }
        return row
    }

    /// Deletes the bytes of a stored message (a message holding sealed data
    /// whose case is closed and past retention, PROTOCOL §13); its hash,
    /// metadata and receipt stay, so repeats still get their receipt.
    ///
    /// - Throws: ``HubNodeError`` `.notFound` when no row has that hash.
    public static func eraseMessage(hash: String, at now: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE inbox SET jws = NULL, sealed_deleted_at = COALESCE(sealed_deleted_at, ?)
                WHERE hash = ?
                """,
            arguments: [now, hash]
        )
        if db.changesCount == 0 {
            throw HubNodeError(.notFound, "inbox: no message with that hash", detail: .store())
        }
    }

    /// Number of messages `peer` delivered in `[from, to)` (for daily quotas).
    public static func count(peer: String, receivedFrom from: Int64, to: Int64, in db: Database) throws -> Int {
        try Int.fetchOne(
            db,
            sql: "SELECT COUNT(*) FROM inbox WHERE peer_oin = ? AND received_at >= ? AND received_at < ?",
            arguments: [peer, from, to]
        ) ?? 0
    }
}

extension Inbox {
    /// Bytes of message JWSs stored for `peer` (the per-peer storage quota).
    public static func storedBytes(peer: String, in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT bytes FROM inbox_usage WHERE peer_oin = ?", arguments: [peer]) ?? 0
    }
}
