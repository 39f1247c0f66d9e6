import GRDB
import HubProtocol

/// Retention on demand (PROTOCOL §13): a dry run that lists what would go,
/// and a purge that removes it in ONE write transaction with a
/// `retention.purge` audit entry holding counts only.
public struct RetentionService: Sendable {
    /// The store.
    public let store: NodeStore
    /// Days a closed case keeps its identifying data (`retention.closed_case_age_days`).
    public let closedCaseAgeDays: Int
    let clock: @Sendable () -> Int64

    /// Makes the service.
    public init(store: NodeStore, closedCaseAgeDays: Int, clock: @escaping @Sendable () -> Int64 = NodeClock.now) {
        self.store = store
        self.closedCaseAgeDays = closedCaseAgeDays
        self.clock = clock
    }

    /// What a purge at `now` (default: the clock) would remove; changes nothing.
    public func plan(at now: Int64? = nil) async throws -> RetentionPlan {
        let (now, days) = (now ?? clock(), closedCaseAgeDays)
        return try await store.read { db in try RetentionPlanner.plan(now: now, closedCaseAgeDays: days, in: db) }
    }

    /// Removes what the rule says at `now` (default: the clock) and audits
    /// the counts as `actor` (a staff CN, or `node` for the daily run).
    ///
    /// SQLite overwrites the removed bytes with zeros (`secure_delete`, on
    /// for this transaction whatever the library's default), and the WAL,
    /// which still holds earlier copies of the pages, is checkpointed and
    /// truncated afterwards. That checkpoint is best effort: while a reader
    /// holds an old snapshot it cannot finish, and the frames are
    /// overwritten by a later one.
    ///
    /// - Returns: the plan that was carried out.
    @discardableResult
    public func purge(by actor: String, at now: Int64? = nil) async throws -> RetentionPlan {
        let (now, days) = (now ?? clock(), closedCaseAgeDays)
        let plan = try await store.write { db in
            let previous = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 0
            try db.execute(sql: "PRAGMA secure_delete = ON")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(previous == 2 ? "FAST" : String(previous))") }
            let plan = try RetentionPlanner.plan(now: now, closedCaseAgeDays: days, in: db)
            try RetentionPlanner.apply(plan, in: db)
            try AuditLog.append(plan.summary, actor: actor, action: "retention.purge", at: now, in: db)
            return plan
        }
        if !plan.isEmpty { try? store.checkpointWAL() }
        return plan
    }
}
