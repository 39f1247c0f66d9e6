import Foundation
import Logging
import Testing

@testable import HubNode

/// The scrape-time gauges from a real store, and the health check.
@Suite("Metrics: collector and health")
struct MetricsCollectorTests {
    typealias S = StoreTestSupport
    static let now: Int64 = 1_750_000_100

    static func collector(_ store: NodeStore, _ metrics: HubMetrics = HubMetrics()) -> MetricsCollector {
        MetricsCollector(
            metrics: metrics,
            store: store,
            peers: { [S.zwolle, S.assen] },
            certificates: { .init(certificateNotAfter: 1_800_000_000, crlNextUpdates: [:]) },
            logger: Logger(label: "test"),
            clock: { now }
        )
    }

    static func enqueue(_ store: NodeStore, to destination: String, n: Int, createdAt: Int64) throws -> Int64 {
        try store.write { db in
            try Outbox.enqueue(
                S.outboxRow(to: destination, n: n, createdAt: createdAt),
                notifying: store.outboxSignal,
                in: db
            ).id!
        }
    }

    @Test("per-destination summary: queued, oldest queued, parked; delivered rows do not count")
    func summary() throws {
        try S.withStore { store, _ in
            #expect(try store.read { try Outbox.summaryByDestination(in: $0) }.isEmpty)
            let first = try Self.enqueue(store, to: S.zwolle, n: 1, createdAt: Self.now - 300)
            _ = try Self.enqueue(store, to: S.zwolle, n: 2, createdAt: Self.now - 200)
            let third = try Self.enqueue(store, to: S.zwolle, n: 3, createdAt: Self.now - 100)
            let parked = try Self.enqueue(store, to: S.assen, n: 4, createdAt: Self.now - 50)
            try store.write { db in
                try Outbox.markDelivered(id: first, receiptJWS: "r", at: Self.now, in: db)
                try Outbox.park(id: third, reason: "wrong_audience", in: db)
                try Outbox.park(id: parked, reason: "no_capability", in: db)
            }
            let summary = try store.read { try Outbox.summaryByDestination(in: $0) }
            #expect(
                summary == [
                    S.zwolle: .init(queued: 1, oldestQueuedAt: Self.now - 200, parked: 1),
                    S.assen: .init(queued: 0, oldestQueuedAt: nil, parked: 1),
                ]
            )
            #expect(summary[S.zwolle]?.oldestAge(now: Self.now) == 200)
            #expect(summary[S.assen]?.oldestAge(now: Self.now) == nil)
            // The operator status's older queries agree.
            #expect(try store.read { try Outbox.depth(in: $0) } == [S.zwolle: 1])
            #expect(try store.read { try Outbox.parkedCount(in: $0) } == 2)
            #expect(try store.read { try Outbox.oldestUndeliveredAge(now: Self.now, in: $0) } == 200)
        }
    }

    @Test("a scrape reads the outbox, the certificate facts and the database size")
    func scrape() async throws {
        try await S.withStore { store, _ in
            for n in 1...3 { _ = try Self.enqueue(store, to: S.zwolle, n: n, createdAt: Self.now - 10 * Int64(n)) }
            let e = try Exposition(await Self.collector(store).collect())
            #expect(e[#"hub_outbox_queued{peer="\#(S.zwolle)"}"#] == 3)
            #expect(e[#"hub_outbox_oldest_age_seconds{peer="\#(S.zwolle)"}"#] == 30)
            #expect(e[#"hub_outbox_parked{peer="\#(S.zwolle)"}"#] == 0)
            #expect(e[#"hub_outbox_queued{peer="\#(S.assen)"}"#] == 0)
            #expect(e["hub_certificate_not_after_seconds"] == 1_800_000_000)
            let path = store.configuration.path
            let size = { (file: String) -> Double in
                let attributes = try? FileManager.default.attributesOfItem(atPath: file)
                return Double((attributes?[.size] as? NSNumber)?.int64Value ?? 0)
            }
            let expected = size(path) + size(path + "-wal")
            #expect(expected > 0)
            #expect(e["hub_database_size_bytes"] == expected)
        }
    }

    @Test("healthy while the database answers, not after it closed")
    func health() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try NodeStore(configuration: StoreConfiguration(path: directory.file("node.sqlite")))
        let collector = Self.collector(store)
        #expect(await collector.healthy())
        try store.close()
        #expect(await collector.healthy() == false)
        // Scraping still answers, with what it last knew.
        let e = try Exposition(await collector.collect())
        #expect(e["hub_certificate_not_after_seconds"] == 1_800_000_000)
    }
}
