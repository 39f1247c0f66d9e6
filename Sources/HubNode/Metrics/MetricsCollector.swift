import Foundation
import GRDB
public import Logging

/// Sets the gauges about stored state at scrape time and answers the health
/// check: the outbox per peer (the query the operator status uses), the
/// certificate and CRL expiry facts, and the database size.
public struct MetricsCollector: Sendable {
    let metrics: HubMetrics
    let store: NodeStore
    let peers: @Sendable () -> Set<String>
    let certificates: @Sendable () -> OperatorAPI.CertificateFacts
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// Makes a collector.
    ///
    /// - Parameters:
    ///   - peers: the configured peers' OINs, read at each scrape (they change on reload).
    ///   - certificates: the current certificate facts, read at each scrape.
    public init(
        metrics: HubMetrics,
        store: NodeStore,
        peers: @escaping @Sendable () -> Set<String>,
        certificates: @escaping @Sendable () -> OperatorAPI.CertificateFacts,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.metrics = metrics
        self.store = store
        self.peers = peers
        self.certificates = certificates
        self.logger = logger
        self.clock = clock
    }

    /// Brings the scrape-time gauges up to date and returns the exposition
    /// text. When the database cannot be read, the outbox gauges keep their
    /// last values (`/healthz` reports the database).
    public func collect() async -> String {
        let now = clock()
        do {
            let summary = try await store.read { db in try Outbox.summaryByDestination(in: db) }
            metrics.setOutbox(summary, peers: peers(), now: now)
        } catch {
            logger.warning("metrics cannot read the outbox", metadata: ["error": "\(error)"])
        }
        metrics.setCertificates(certificates())
        metrics.setDatabaseSize(Self.databaseSize(path: store.configuration.path))
        return metrics.exposition()
    }

    /// Whether the database answers a trivial read.
    public func healthy() async -> Bool {
        (try? await store.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    /// The bytes of the database file and its write-ahead log.
    static func databaseSize(path: String) -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            return total + ((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }
}
