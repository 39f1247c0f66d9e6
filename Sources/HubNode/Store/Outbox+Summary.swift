public import GRDB

extension Outbox {
    /// What is waiting for one destination.
    public struct DestinationSummary: Sendable, Hashable {
        /// Queued (undelivered) rows.
        public var queued: Int
        /// `created_at` of the oldest queued row, or nil when none is queued.
        public var oldestQueuedAt: Int64?
        /// Parked rows.
        public var parked: Int

        /// Makes a summary.
        public init(queued: Int = 0, oldestQueuedAt: Int64? = nil, parked: Int = 0) {
            self.queued = queued
            self.oldestQueuedAt = oldestQueuedAt
            self.parked = parked
        }

        /// Seconds since the oldest queued row was created at `now`, or nil.
        public func oldestAge(now: Int64) -> Int64? {
            oldestQueuedAt.map { max(0, now - $0) }
        }
    }

    /// Queued and parked rows per destination, in one query, for the operator
    /// status and the metrics. Destinations with neither are absent.
    public static func summaryByDestination(in db: Database) throws -> [String: DestinationSummary] {
        var result: [String: DestinationSummary] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT destination_oin, state, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
                WHERE state IN ('queued', 'parked') GROUP BY destination_oin, state
                """
        )
        while let row = try rows.next() {
            let destination: String = row["destination_oin"]
            let state: String = row["state"]
            var summary = result[destination] ?? DestinationSummary()
            if state == "queued" {
                summary.queued = row["n"]
                summary.oldestQueuedAt = row["oldest"]
            } else {
                summary.parked = row["n"]
            }
            result[destination] = summary
        }
        return result
    }
}
