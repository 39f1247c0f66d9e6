internal import GRDB

extension StoreMigrations {
    /// v5: what retention (PROTOCOL §13, docs/protocol.md
    /// "Retention") needs to record what it removed.
    ///
    /// - cases.purged_at: when the case's persons lost their identity blobs
    ///   and pseudonyms; NULL while they still have them. Retention takes
    ///   each case once.
    /// - outbox.sealed_deleted_at: when retention deleted the bytes of a
    ///   message that held sealed data. `jws` and `body_json` are NOT NULL
    ///   (v1), so a deleted message keeps the empty text `''` and the empty
    ///   object `'{}'` (valid JSON, so `json_extract` over the table still
    ///   works); the row can never be queued again, so those are never sent.
    ///   Hash, jti, type, times, state and receipt stay.
    static func v5(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE cases ADD COLUMN purged_at INTEGER;
                CREATE INDEX cases_closed_unpurged ON cases(closed_on)
                    WHERE status = 'closed' AND purged_at IS NULL;
                ALTER TABLE outbox ADD COLUMN sealed_deleted_at INTEGER
                    CHECK (sealed_deleted_at IS NULL OR (state != 'queued' AND jws = '' AND body_json = '{}'));
                -- Rejected messages whose bytes are still stored (retention drops them after exp + 300 s).
                CREATE INDEX inbox_rejected_stored ON inbox(received_at)
                    WHERE status = 'rejected' AND jws IS NOT NULL;
                """
        )
    }
}
