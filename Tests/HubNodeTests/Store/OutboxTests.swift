import GRDB
import HubProtocol
import Testing

@testable import HubNode

@Suite("Outbox")
struct OutboxTests {
    typealias S = StoreTestSupport
    static let now: Int64 = 1_750_000_100

    /// Enqueues rows 1...count for `destination`; returns their ids.
    @discardableResult
    static func enqueue(
        _ store: NodeStore,
        to destination: String,
        _ ns: ClosedRange<Int>,
        size: Int = 100
    ) throws -> [Int64] {
        try store.write { db in
            try ns.map { n in
                try Outbox.enqueue(
                    S.outboxRow(to: destination, n: n, size: size),
                    notifying: store.outboxSignal,
                    in: db
                ).id!
            }
        }
    }

    static func batch(
        _ store: NodeStore,
        _ destination: String,
        maxCount: Int = 100,
        maxBytes: Int = 4 << 20
    ) throws -> [Int64] {
        try store.read { db in
            try Outbox.nextBatch(destination: destination, now: now, maxCount: maxCount, maxBytes: maxBytes, in: db)
        }.map { $0.id! }
    }

    @Test("batches come in id order, per destination, at most maxCount")
    func orderAndCount() throws {
        try S.withStore { store, _ in
            // Interleave destinations so ids of one destination are not contiguous.
            var arnhem: [Int64] = []
            for n in 1...150 {
                let destination = n % 3 == 0 ? S.assen : S.arnhem
                let id = try Self.enqueue(store, to: destination, n...n)[0]
                if destination == S.arnhem { arnhem.append(id) }
            }
            let first = try Self.batch(store, S.arnhem)
            #expect(first == Array(arnhem.prefix(100)))
            #expect(try Self.batch(store, S.arnhem, maxCount: 7) == Array(arnhem.prefix(7)))
            #expect(try Self.batch(store, S.assen).count == 50)
            #expect(try Self.batch(store, S.zwolle).isEmpty)

            let rows = try store.read {
                try Outbox.nextBatch(destination: S.arnhem, now: Self.now, maxCount: 3, in: $0)
            }
            #expect(rows.map(\.state) == [.queued, .queued, .queued])
            #expect(rows.allSatisfy { $0.destinationOIN == S.arnhem && $0.bodyJSON.hasPrefix(#"{"referral_id""#) })
            #expect(try store.read { try Outbox.depth(in: $0) } == [S.arnhem: 100, S.assen: 50])
        }
    }

    @Test("batches stop at maxBytes of request body, but always carry one message")
    func byteLimit() throws {
        try S.withStore { store, _ in
            let ids = try Self.enqueue(store, to: S.arnhem, 1...10, size: 1000)
            // Body = 15 + n * (1000 + 2) + (n − 1) commas.
            let body = { (n: Int) in 15 + n * 1002 + (n - 1) }
            #expect(try Self.batch(store, S.arnhem, maxBytes: body(3)) == Array(ids.prefix(3)))
            #expect(try Self.batch(store, S.arnhem, maxBytes: body(3) - 1) == Array(ids.prefix(2)))
            #expect(try Self.batch(store, S.arnhem, maxBytes: 10) == [ids[0]])

            // 4 MiB default: 3 messages of 1.5 MiB → two fit.
            let big = try Self.enqueue(store, to: S.assen, 11...13, size: 1_572_864)
            #expect(try Self.batch(store, S.assen) == Array(big.prefix(2)))
        }
    }

    @Test("a parked row does not block the rows behind it; delivered rows are skipped")
    func parkingDoesNotBlock() throws {
        try S.withStore { store, _ in
            let ids = try Self.enqueue(store, to: S.arnhem, 1...5)
            try store.write { db in
                try Outbox.markDelivered(id: ids[0], receiptJWS: "receipt-1", at: Self.now, in: db)
                try Outbox.park(id: ids[1], reason: "invalid_body", receiptJWS: "receipt-2", in: db)
            }
            #expect(try Self.batch(store, S.arnhem) == Array(ids[2...]))
            #expect(try store.read { try Outbox.parkedCount(in: $0) } == 1)
            let parked = try store.read { try Outbox.parked(in: $0) }
            #expect(parked.map(\.id) == [ids[1]])
            #expect(parked.first?.parkedReason == "invalid_body")
            #expect(parked.first?.receiptJWS == "receipt-2")
            let delivered = try #require(try store.read { try Outbox.row(id: ids[0], in: $0) })
            #expect(
                delivered.state == .delivered && delivered.deliveredAt == Self.now
                    && delivered.receiptJWS == "receipt-1"
            )
            // Only queued rows can be parked or retried later.
            S.expectStoreError(.conflict) { try store.write { try Outbox.park(id: ids[0], reason: "x", in: $0) } }
            S.expectStoreError(.notFound) { try store.write { try Outbox.park(id: 999, reason: "x", in: $0) } }
        }
    }

    @Test("a row not yet due holds back the rows behind it, keeping order")
    func retryTiming() throws {
        try S.withStore { store, _ in
            let ids = try Self.enqueue(store, to: S.arnhem, 1...3)
            try store.write { db in
                try Outbox.markRetry(id: ids[1], nextAttemptAt: Self.now + 60, error: "not_yet_valid", in: db)
            }
            #expect(try Self.batch(store, S.arnhem) == [ids[0]])
            let later = try store.read { try Outbox.nextBatch(destination: S.arnhem, now: Self.now + 60, in: $0) }
            #expect(later.map(\.id) == ids)
            #expect(later[1].attempts == 1 && later[1].lastError == "not_yet_valid")
        }
    }

    @Test("operator retry re-queues a parked row, optionally re-signed; drop deletes it")
    func retryAndDrop() throws {
        try S.withStore { store, _ in
            let ids = try Self.enqueue(store, to: S.arnhem, 1...3)
            try store.write { db in
                try Outbox.park(id: ids[0], reason: "expired", receiptJWS: "rejection", in: db)
                try Outbox.park(id: ids[1], reason: "no_capability", in: db)
            }
            #expect(try Self.batch(store, S.arnhem) == [ids[2]])

            let resigned = Outbox.Resigned(
                jti: "0190a5c4-0000-7000-8000-0000000000ff",
                hash: S.hash("new.jws.x"),
                jws: "new.jws.x"
            )
            let generation = store.outboxSignal.generation
            try store.write { db in
                try Outbox.retry(id: ids[0], resigned: resigned, at: Self.now, notifying: store.outboxSignal, in: db)
            }
            #expect(store.outboxSignal.generation == generation + 1)
            let retried = try #require(try store.read { try Outbox.row(id: ids[0], in: $0) })
            #expect(retried.state == .queued && retried.parkedReason == nil && retried.receiptJWS == nil)
            #expect(retried.jws == "new.jws.x" && retried.jti == resigned.jti && retried.hash == resigned.hash)
            #expect(retried.bodyJSON == #"{"referral_id":"r1"}"#)
            #expect(retried.attempts == 0 && retried.createdAt == Self.now)
            #expect(try Self.batch(store, S.arnhem) == [ids[0], ids[2]], "a retried row keeps its place")

            // Retry without re-signing keeps the bytes.
            try store.write { try Outbox.retry(id: ids[1], at: Self.now, notifying: store.outboxSignal, in: $0) }
            #expect(try store.read { try Outbox.row(id: ids[1], in: $0) }?.jws == S.outboxRow(to: S.arnhem, n: 2).jws)
            S.expectStoreError(.conflict) {
                try store.write { try Outbox.retry(id: ids[1], at: Self.now, notifying: store.outboxSignal, in: $0) }
            }

            // Drop: queued or parked rows go; delivered rows are proof and stay.
            try store.write { db in
                try Outbox.park(id: ids[1], reason: "no_capability", in: db)
                try Outbox.drop(id: ids[1], in: db)
                try Outbox.markDelivered(id: ids[2], receiptJWS: "r", at: Self.now, in: db)
            }
            #expect(try store.read { try Outbox.row(id: ids[1], in: $0) } == nil)
            S.expectStoreError(.conflict) { try store.write { try Outbox.drop(id: ids[2], in: $0) } }
            S.expectStoreError(.notFound) { try store.write { try Outbox.drop(id: ids[1], in: $0) } }
            // AUTOINCREMENT: a dropped id is never reused.
            let next = try Self.enqueue(store, to: S.arnhem, 9...9)[0]
            #expect(next > ids[2])
        }
    }

    @Test("parking age parks old queued rows only")
    func parkingAge() throws {
        try S.withStore { store, _ in
            let old = try store.write { db in
                try Outbox.enqueue(
                    S.outboxRow(to: S.arnhem, n: 1, createdAt: 1000),
                    notifying: store.outboxSignal,
                    in: db
                ).id!
            }
            let fresh = try Self.enqueue(store, to: S.arnhem, 2...2)[0]
            let parked = try store.write {
                try Outbox.parkUndelivered(createdBefore: 2000, reason: "parking_age", in: $0)
            }
            #expect(parked == [old])
            #expect(try Self.batch(store, S.arnhem) == [fresh])
        }
    }

    @Test("metrics: depth, oldest undelivered age, parked count")
    func metrics() throws {
        try S.withStore { store, _ in
            #expect(try store.read { try Outbox.oldestUndeliveredAge(now: Self.now, in: $0) } == nil)
            #expect(try store.read { try Outbox.depth(in: $0) }.isEmpty)
            try store.write { db in
                try Outbox.enqueue(
                    S.outboxRow(to: S.arnhem, n: 1, createdAt: Self.now - 300),
                    notifying: store.outboxSignal,
                    in: db
                )
                try Outbox.enqueue(
                    S.outboxRow(to: S.assen, n: 2, createdAt: Self.now - 30),
                    notifying: store.outboxSignal,
                    in: db
                )
            }
            #expect(try store.read { try Outbox.oldestUndeliveredAge(now: Self.now, in: $0) } == 300)
            try store.write { try Outbox.park(id: 1, reason: "x", in: $0) }
            #expect(try store.read { try Outbox.oldestUndeliveredAge(now: Self.now, in: $0) } == 30)
            #expect(try store.read { try Outbox.depth(in: $0) } == [S.assen: 1])
            #expect(try store.read { try Outbox.parkedCount(in: $0) } == 1)
        }
    }

    @Test("destinations with work honour row and peer backoff")
    func destinationsWithWork() throws {
        try S.withStore { store, _ in
            try Self.enqueue(store, to: S.arnhem, 1...2)
            try Self.enqueue(store, to: S.assen, 3...3)
            try Self.enqueue(store, to: S.zwolle, 4...4)
            #expect(
                try store.read { try Outbox.destinationsWithWork(now: Self.now, in: $0) } == [
                    S.arnhem, S.assen, S.zwolle,
                ]
            )
            try store.write { db in
                let state = try PeerStates.recordFailure(
                    destination: S.assen,
                    nextAttemptAt: Self.now + 10,
                    error: "connect",
                    in: db
                )
                #expect(state.attempts == 1)
                try Outbox.markRetry(id: 4, nextAttemptAt: Self.now + 20, error: "503", in: db)
                try Outbox.markDelivered(id: 1, receiptJWS: "r", at: Self.now, in: db)
            }
            #expect(try store.read { try Outbox.destinationsWithWork(now: Self.now, in: $0) } == [S.arnhem])
            #expect(try store.read { try Outbox.nextDueAt(in: $0) } == 0)
            try store.write { try Outbox.markDelivered(id: 2, receiptJWS: "r", at: Self.now, in: $0) }
            #expect(try store.read { try Outbox.nextDueAt(in: $0) } == Self.now + 10)
            #expect(try store.read { try Outbox.destinationsWithWork(now: Self.now + 10, in: $0) } == [S.assen])
            #expect(
                try store.read { try Outbox.destinationsWithWork(now: Self.now + 20, in: $0) } == [S.assen, S.zwolle]
            )

            // Success resets the destination's backoff and alert flag.
            try store.write { db in
                #expect(try PeerStates.markAlerted(destination: S.assen, in: db))
                #expect(try !PeerStates.markAlerted(destination: S.assen, in: db))
                try PeerStates.recordSuccess(destination: S.assen, at: Self.now + 1, in: db)
            }
            let state = try store.read { try PeerStates.get(S.assen, in: $0) }
            #expect(
                state.attempts == 0 && state.nextAttemptAt == 0 && !state.alerted && state.lastSuccessAt == Self.now + 1
            )
            #expect(try store.read { try Outbox.destinationsWithWork(now: Self.now, in: $0) } == [S.assen])
        }
    }

    @Test("the signal fires after commit, not after rollback, and wakes a waiter")
    func signal() async throws {
        struct Boom: Error {}
        try await S.withStore { store, _ in
            let signal = store.outboxSignal
            let seen = signal.generation
            let waiter = Task { await signal.wait(after: seen) }
            do {
                try await store.write { db in
                    try Outbox.enqueue(S.outboxRow(to: S.arnhem, n: 1), notifying: signal, in: db)
                    throw Boom()
                }
            } catch is Boom {}
            #expect(signal.generation == seen)
            try await store.write { db in
                _ = try Outbox.enqueue(S.outboxRow(to: S.arnhem, n: 2), notifying: signal, in: db)
            }
            await waiter.value
            #expect(signal.generation == seen + 1)
            // A wait for a generation already passed returns at once.
            await signal.wait(after: seen)
            // A timeout ends a wait that nothing wakes.
            let clock = ContinuousClock()
            let started = clock.now
            await signal.wait(after: signal.generation, timeout: .milliseconds(50))
            #expect(clock.now - started >= .milliseconds(50))
            // Cancellation ends a wait.
            let cancelled = Task { await signal.wait(after: signal.generation) }
            cancelled.cancel()
            await cancelled.value
        }
    }

    @Test("descriptors and alerts")
    func descriptorsAndAlerts() throws {
        try S.withStore { store, _ in
            try store.write { db in
                try Descriptors.save(DescriptorRow(peerOIN: S.assen, jws: "d1", fetchedAt: 10, exp: 100), in: db)
                try Descriptors.save(DescriptorRow(peerOIN: S.assen, jws: "d2", fetchedAt: 20, exp: 200), in: db)
            }
            #expect(try store.read { try Descriptors.current(peer: S.assen, now: 150, in: $0) }?.jws == "d2")
            #expect(try store.read { try Descriptors.current(peer: S.assen, now: 200, in: $0) } == nil)
            #expect(try store.read { try Descriptors.get(peer: S.assen, in: $0) }?.fetchedAt == 20)

            let alert = try store.write {
                try Alerts.raise(.peer4xx, peer: S.assen, detail: "403 unknown_peer", at: 5, in: $0)
            }
            try store.write { try Alerts.raise(.jtiConflict, peer: S.zwolle, detail: "hash …", at: 6, in: $0) }
            try store.write { try Alerts.acknowledge(id: alert.id!, in: $0) }
            #expect(try store.read { try Alerts.open(in: $0) }.map(\.kind) == [.jtiConflict])
            S.expectStoreError(.notFound) { try store.write { try Alerts.acknowledge(id: 99, in: $0) } }
        }
    }
}
