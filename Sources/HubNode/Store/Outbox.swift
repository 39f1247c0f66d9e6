public import GRDB

/// The sender's queue (PROTOCOL §6) over `outbox` and `peer_state`.
///
/// Every function works inside the caller's transaction. Order is the row
/// id. Per destination the delivery loop takes ``nextBatch(destination:now:maxCount:maxBytes:in:)``,
/// sends it, and records the outcome of each row (``markDelivered(id:receiptJWS:at:in:)``,
/// ``markRetry(id:nextAttemptAt:error:in:)``, ``park(id:reason:receiptJWS:in:)``) together
/// with the destination's backoff (``PeerStates``) and audit entries in one
/// write transaction.
public enum Outbox {
    /// Default maximum number of messages in one batch (PROTOCOL §6).
    public static let defaultMaxCount = 100
    /// Default maximum size of one batch request body in bytes (PROTOCOL §6).
    public static let defaultMaxBytes = 4 * 1024 * 1024

    /// Queues a message, in the caller's transaction, and triggers `signal`
    /// once (and only if) that transaction commits.
    ///
    /// - Returns: the row with its id.
    /// - Throws: ``HubNodeError`` `.conflict` when the jti or hash is already
    ///   queued, `.invalid` when the row is not a queued row.
    @discardableResult
    public static func enqueue(
        _ row: OutboxRow,
        notifying signal: OutboxSignal,
        in db: Database
    ) throws -> OutboxRow {
        guard row.state == .queued, row.id == nil else {
            throw HubNodeError(.invalid, "outbox: only new queued rows can be enqueued", detail: .store())
        }
        var row = row
        try HubNodeError.catchingDatabaseError { try row.insert(db) }
        db.afterNextTransaction(onCommit: { _ in signal.notify() })
        return row
    }

    /// The next batch for `destination`: queued rows in id order, at most
    /// `maxCount` of them and at most `maxBytes` of request body
    /// (`{"messages":["…",…]}`), parked and delivered rows skipped.
    ///
    /// The batch stops before the first row whose `next_attempt_at` is after
    /// `now`, so order is kept. The first row is always included, even when
    /// it alone exceeds `maxBytes` (the peer's `413` then parks it).
    public static func nextBatch(
        destination: String,
        now: Int64,
        maxCount: Int = defaultMaxCount,
        maxBytes: Int = defaultMaxBytes,
        in db: Database
    ) throws -> [OutboxRow] {
        guard maxCount > 0 else { return [] }
        // Sizes first, so rows past the byte limit are never loaded.
        let heads = try Row.fetchAll(
            db,
            sql: """
                SELECT id, next_attempt_at, length(CAST(jws AS BLOB)) AS size FROM outbox
                WHERE destination_oin = ? AND state = 'queued' ORDER BY id LIMIT ?
                """,
            arguments: [destination, maxCount]
        )
        var ids: [Int64] = []
        var bytes = emptyBodySize
        for head in heads {
            let nextAttemptAt: Int64 = head["next_attempt_at"]
            if nextAttemptAt > now { break }
            let size: Int = head["size"]
            let cost = size + 2 + (ids.isEmpty ? 0 : 1)  // quotes, and a comma after the first
            if !ids.isEmpty, bytes + cost > maxBytes { break }
            ids.append(head["id"])
            bytes += cost
        }
        if ids.isEmpty { return [] }
        return try OutboxRow.fetchAll(
            db,
            sql: "SELECT * FROM outbox WHERE id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY id",
            arguments: StatementArguments(ids)
        )
    }

    /// Size of `{"messages":[]}`.
    private static let emptyBodySize = 15

    /// Records that the peer accepted the message; `receiptJWS` is the proof.
    ///
    /// - Throws: ``HubNodeError`` `.notFound` when the row does not exist.
    public static func markDelivered(id: Int64, receiptJWS: String, at now: Int64, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'delivered', receipt_jws = ?, delivered_at = ?,
                    parked_reason = NULL, last_error = NULL
                WHERE id = ?
                """,
            arguments: [receiptJWS, now, id]
        )
        try requireChange(id: id, in: db)
    }

    /// Records a failed attempt of a queued row: one more attempt, not sent
    /// again before `nextAttemptAt`, and why it failed (no personal data).
    ///
    /// - Throws: ``HubNodeError`` `.notFound`, or `.conflict` when the row is
    ///   not queued.
    public static func markRetry(id: Int64, nextAttemptAt: Int64, error: String, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
                WHERE id = ? AND state = 'queued'
                """,
            arguments: [nextAttemptAt, error, id]
        )
        try requireChange(id: id, in: db)
    }

    /// Parks a queued row: out of the queue, not blocking the rows behind it,
    /// visible to operators. `receiptJWS` is the final rejection, if any.
    ///
    /// - Throws: ``HubNodeError`` `.notFound`, or `.conflict` when the row is
    ///   not queued.
    public static func park(id: Int64, reason: String, receiptJWS: String? = nil, in db: Database) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'parked', parked_reason = ?, receipt_jws = COALESCE(?, receipt_jws)
                WHERE id = ? AND state = 'queued'
                """,
            arguments: [reason, receiptJWS, id]
        )
        try requireChange(id: id, in: db)
    }

    /// Parks every queued row created before `createdBefore` (the parking
    /// age, PROTOCOL §6) with `reason`.
    ///
    /// - Returns: the ids parked, in order.
    @discardableResult
    public static func parkUndelivered(createdBefore: Int64, reason: String, in db: Database) throws -> [Int64] {
        let ids = try Int64.fetchAll(
            db,
            sql: "SELECT id FROM outbox WHERE state = 'queued' AND created_at < ? ORDER BY id",
            arguments: [createdBefore]
        )
        if ids.isEmpty { return [] }
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'parked', parked_reason = ?
                WHERE id IN (\(databaseQuestionMarks(count: ids.count)))
                """,
            arguments: [reason] + StatementArguments(ids)
        )
        return ids
    }

    /// A re-signed message replacing a parked one's bytes on retry: the same
    /// body under a new `jti`, `iat` and `exp` (PROTOCOL §6).
    public struct Resigned: Sendable, Hashable {
        /// The new payload `jti`.
        public var jti: String
        /// The content address of `jws`.
        public var hash: String
        /// The new compact JWS.
        public var jws: String

        /// Makes a replacement.
        public init(jti: String, hash: String, jws: String) {
            self.jti = jti
            self.hash = hash
            self.jws = jws
        }
    }

    /// New bytes for a queued message: a new body (for instance re-sealed to
    /// the receiver's new key) signed under a new `jti`.
    public struct Replacement: Sendable, Hashable {
        /// The new signature and its `jti` and hash.
        public var signed: Resigned
        /// The new body, JCS.
        public var bodyJSON: String

        /// Makes a replacement.
        public init(signed: Resigned, bodyJSON: String) {
            self.signed = signed
            self.bodyJSON = bodyJSON
        }
    }

    /// Replaces a queued row's bytes in place (it keeps its place in the
    /// queue and its age) and makes it due at once. Triggers `signal` on commit.
    ///
    /// - Throws: ``HubNodeError`` `.notFound`, or `.conflict` when the row is
    ///   not queued (or the new jti or hash is already used).
    public static func replace(
        id: Int64,
        with replacement: Replacement,
        note: String,
        notifying signal: OutboxSignal,
        in db: Database
    ) throws {
        try HubNodeError.catchingDatabaseError {
            try db.execute(
                sql: """
                    UPDATE outbox SET jti = ?, hash = ?, jws = ?, body_json = ?, attempts = 0,
                        next_attempt_at = 0, last_error = ?
                    WHERE id = ? AND state = 'queued'
                    """,
                arguments: [
                    replacement.signed.jti, replacement.signed.hash, replacement.signed.jws, replacement.bodyJSON,
                    note, id,
                ]
            )
        }
        try requireChange(id: id, in: db)
        db.afterNextTransaction(onCommit: { _ in signal.notify() })
    }

    /// An operator's retry of a parked row: queued again at its old place,
    /// due at once, with its attempts, receipt and parking age reset, and
    /// with new bytes when `resigned` is given. Triggers `signal` on commit.
    ///
    /// - Throws: ``HubNodeError`` `.notFound`, or `.conflict` when the row is
    ///   not parked (or the new jti or hash is already used).
    public static func retry(
        id: Int64,
        resigned: Resigned? = nil,
        at now: Int64,
        notifying signal: OutboxSignal,
        in db: Database
    ) throws {
        try HubNodeError.catchingDatabaseError {
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'queued', parked_reason = NULL, attempts = 0,
                        next_attempt_at = 0, last_error = NULL, receipt_jws = NULL, created_at = ?,
                        jti = COALESCE(?, jti), hash = COALESCE(?, hash), jws = COALESCE(?, jws)
                    WHERE id = ? AND state = 'parked'
                    """,
                arguments: [now, resigned?.jti, resigned?.hash, resigned?.jws, id]
            )
        }
        try requireChange(id: id, in: db)
        db.afterNextTransaction(onCommit: { _ in signal.notify() })
    }

    /// An operator's drop of a queued or parked row: deleted. A delivered row
    /// is the proof of delivery and cannot be dropped.
    ///
    /// - Throws: ``HubNodeError`` `.notFound`, or `.conflict` when delivered.
    public static func drop(id: Int64, in db: Database) throws {
        try db.execute(sql: "DELETE FROM outbox WHERE id = ? AND state != 'delivered'", arguments: [id])
        try requireChange(id: id, in: db)
    }

    /// The row with `id`, if any.
    public static func row(id: Int64, in db: Database) throws -> OutboxRow? {
        try OutboxRow.fetchOne(db, key: id)
    }

    /// Parked rows in id order, for operators.
    public static func parked(limit: Int = 1000, in db: Database) throws -> [OutboxRow] {
        try OutboxRow.fetchAll(
            db,
            sql: "SELECT * FROM outbox WHERE state = 'parked' ORDER BY id LIMIT ?",
            arguments: [limit]
        )
    }

    /// Number of queued rows per destination (destinations with none are
    /// absent).
    public static func depth(in db: Database) throws -> [String: Int] {
        var result: [String: Int] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT destination_oin, COUNT(*) AS n FROM outbox WHERE state = 'queued' GROUP BY destination_oin"
        )
        while let row = try rows.next() {
            result[row["destination_oin"]] = row["n"]
        }
        return result
    }

    /// Seconds since the oldest queued row was created, or nil when nothing
    /// is queued.
    public static func oldestUndeliveredAge(now: Int64, in db: Database) throws -> Int64? {
        let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(created_at) FROM outbox WHERE state = 'queued'")
        return oldest.map { max(0, now - $0) }
    }

    /// Number of parked rows.
    public static func parkedCount(in db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'parked'") ?? 0
    }

    /// Destinations with a batch to send at `now`: their first queued row is
    /// due and their backoff (``PeerStates``) has passed. In order of their
    /// oldest queued row.
    public static func destinationsWithWork(now: Int64, in db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT o.destination_oin FROM outbox AS o
                JOIN (SELECT MIN(id) AS head FROM outbox WHERE state = 'queued' GROUP BY destination_oin) AS q
                    ON o.id = q.head
                LEFT JOIN peer_state AS p ON p.destination_oin = o.destination_oin
                WHERE o.next_attempt_at <= :now AND COALESCE(p.next_attempt_at, 0) <= :now
                ORDER BY o.id
                """,
            arguments: ["now": now]
        )
    }

    /// The earliest time at which some destination with queued rows becomes
    /// due, or nil when nothing is queued. The delivery loop sleeps until
    /// then, or until ``OutboxSignal`` fires.
    public static func nextDueAt(in db: Database) throws -> Int64? {
        try Int64.fetchOne(
            db,
            sql: """
                SELECT MIN(MAX(o.next_attempt_at, COALESCE(p.next_attempt_at, 0))) FROM outbox AS o
                JOIN (SELECT MIN(id) AS head FROM outbox WHERE state = 'queued' GROUP BY destination_oin) AS q
                    ON o.id = q.head
                LEFT JOIN peer_state AS p ON p.destination_oin = o.destination_oin
                """
        )
    }

    /// Throws `.notFound` or `.conflict` when the last statement changed no row.
    private static func requireChange(id: Int64, in db: Database) throws {
        guard db.changesCount == 0 else { return }
        if let state = try String.fetchOne(db, sql: "SELECT state FROM outbox WHERE id = ?", arguments: [id]) {
            throw HubNodeError(
                .conflict,
                "outbox: row \(id) is \(state); the operation does not apply",
                detail: .store()
            )
        }
        throw HubNodeError(.notFound, "outbox: no row \(id)", detail: .store())
    }
}
