public import GRDB

/// Per-destination delivery backoff over `peer_state` (PROTOCOL §6).
///
/// The backoff policy (full jitter from 1 s, capped at 15 min, honouring
/// `Retry-After`) is the delivery loop's; this only records its decisions.
/// Every function works inside the caller's transaction.
public enum PeerStates {
    /// The state of `destination`; a destination never tried has a fresh row.
    public static func get(_ destination: String, in db: Database) throws -> PeerStateRow {
        try PeerStateRow.fetchOne(db, key: destination) ?? PeerStateRow(destinationOIN: destination)
    }

    /// Every stored state, by destination.
    public static func all(in db: Database) throws -> [PeerStateRow] {
        try PeerStateRow.fetchAll(db, sql: "SELECT * FROM peer_state ORDER BY destination_oin")
    }

    /// Records a failed attempt: one more attempt, nothing sent before
    /// `nextAttemptAt`, and why (no personal data).
    ///
    /// - Returns: the new state (its `attempts` drives the next backoff).
    @discardableResult
    public static func recordFailure(
        destination: String,
        nextAttemptAt: Int64,
        error: String,
        in db: Database
    ) throws -> PeerStateRow {
        var row = try get(destination, in: db)
        row.attempts += 1
        row.nextAttemptAt = nextAttemptAt
        row.lastError = error
        try row.save(db)
        return row
    }

    /// Records a success: the backoff resets and a later failure may alert
    /// again.
    public static func recordSuccess(destination: String, at now: Int64, in db: Database) throws {
        var row = try get(destination, in: db)
        row.attempts = 0
        row.nextAttemptAt = 0
        row.lastSuccessAt = now
        row.lastError = nil
        row.alerted = false
        try row.save(db)
    }

    /// Resets the backoff because the destination contacted us (PROTOCOL §6),
    /// keeping the record of its last error.
    public static func resetBackoff(destination: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE peer_state SET attempts = 0, next_attempt_at = 0 WHERE destination_oin = ?",
            arguments: [destination]
        )
    }

    /// Marks that an operator alert was raised for the current failures.
    ///
    /// - Returns: false when it was already marked (so raise no new alert).
    @discardableResult
    public static func markAlerted(destination: String, in db: Database) throws -> Bool {
        var row = try get(destination, in: db)
        if row.alerted { return false }
        row.alerted = true
        try row.save(db)
        return true
    }
}
