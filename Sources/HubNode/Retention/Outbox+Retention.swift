public import GRDB

extension Outbox {
    /// Deletes the bytes and body of a sent message that held sealed data
    /// (PROTOCOL §13): `jws` becomes `''` and `body_json` `'{}'` (the columns
    /// are NOT NULL), `sealed_deleted_at` records when. Hash, jti, type,
    /// times, state and receipt stay. A queued row is never erased: it is
    /// still to be sent.
    ///
    /// - Throws: ``HubNodeError`` `.conflict` when the row is queued, already
    ///   erased or gone.
    public static func eraseMessage(id: Int64, at now: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET jws = '', body_json = '{}', sealed_deleted_at = ?
                WHERE id = ? AND state != 'queued' AND sealed_deleted_at IS NULL
                """,
            arguments: [now, id]
        )
        if db.changesCount == 0 {
            throw HubNodeError(.conflict, "outbox: row \(id) is queued, already erased or gone", detail: .store())
        }
    }

    /// Whether retention deleted the bytes of row `id` (it can then not be
    /// retried: there is nothing left to send or re-sign).
    public static func isErased(id: Int64, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT sealed_deleted_at IS NOT NULL FROM outbox WHERE id = ?",
            arguments: [id]
        ) ?? false
    }
}
