internal import GRDB
import HubProtocol
public import Logging
public import ServiceLifecycle
internal import Synchronization

/// Drains the outbox to peers (PROTOCOL §6): per destination one batch in
/// flight, in outbox order, at most 100 messages and 4 MiB; backoff with full
/// jitter; parking after a final rejection or the parking age. It wakes at
/// once when new rows commit, and resumes from the database after a restart.
public final class DeliveryService: Service, Sendable {
    /// Timing and size settings.
    public struct Settings: Sendable {
        /// The backoff policy. The default is 1 s to 15 min.
        public var backoff: Backoff = Backoff()
        /// Messages undelivered for longer than this are parked, in seconds. The default is 5 days.
        public var parkingAgeSeconds: Int64 = 5 * 86_400
        /// Most messages per batch. The default is 100.
        public var maxBatchMessages: Int = 100
        /// Most bytes per request body. The default is 4 MiB.
        public var maxBatchBytes: Int = 4 << 20
        /// The longest the loop sleeps without a signal, in seconds. The default is 30.
        public var idleWakeSeconds: Int64 = 30

        /// Defaults.
        public init() {}
    }

    private let store: NodeStore
    private let signal: OutboxSignal
    private let state: NodeState
    private let transport: any PeerTransport
    private let descriptors: DescriptorCache
    private let settings: Settings
    private let hooks: DeliveryOutcomeHooks
    private let logger: Logger
    private let metrics: HubMetrics?
    private let clock: @Sendable () -> Int64
    private let machines = Mutex<[String: DeliveryStateMachine]>([:])
    private let inFlight = Mutex<Set<String>>([])

    /// Makes the service.
    public init(
        store: NodeStore,
        signal: OutboxSignal,
        state: NodeState,
        transport: any PeerTransport,
        descriptors: DescriptorCache,
        settings: Settings = Settings(),
        hooks: DeliveryOutcomeHooks = DeliveryOutcomeHooks(),
        logger: Logger,
        metrics: HubMetrics? = nil,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.store = store
        self.signal = signal
        self.state = state
        self.transport = transport
        self.descriptors = descriptors
        self.settings = settings
        self.hooks = hooks
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
    }

    /// The destination contacted us: reset its backoff and deliver at once (PROTOCOL §6).
    public func peerContactedUs(_ oin: String) async {
        let reset = machines.withLock { machines -> Bool in
            guard var m = machines[oin] else { return false }
            let actions = m.peerContactedUs()
            machines[oin] = m
            return !actions.isEmpty
        }
        let stored = (try? await store.read { db in try PeerStates.get(oin, in: db).attempts }) ?? 0
        guard reset || stored > 0 else { return }
        _ = try? await store.write { db in try PeerStates.resetBackoff(destination: oin, in: db) }
        signal.notify()
    }

    public func run() async throws {
        logger.info("delivery started")
        // On graceful shutdown the loop and any batch in flight are cancelled: a batch whose
        // outcome is not committed stays queued and is sent again (the receiver answers
        // `duplicate` for what it already stored).
        await cancelWhenGracefulShutdown { await self.loop() }
        logger.info("delivery stopped")
    }

    private func loop() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let generation = signal.generation
                let now = clock()
                var sleep = settings.idleWakeSeconds
                do {
                    let (due, nextDue) = try await store.write { db in
                        let parked = try Outbox.parkUndelivered(
                            createdBefore: now - self.settings.parkingAgeSeconds,
                            reason: "undelivered",
                            in: db
                        )
                        for id in parked {
                            try AuditLog.append(
                                .object(["outbox_id": .integer(id), "reason": .string("undelivered")]),
                                actor: "node",
                                action: "message.parked",
                                at: now,
                                in: db
                            )
                        }
                        return (try Outbox.destinationsWithWork(now: now, in: db), try Outbox.nextDueAt(in: db))
                    }
                    for destination in due where inFlight.withLock({ $0.insert(destination).inserted }) {
                        group.addTask {
                            await self.deliverRound(to: destination)
                            self.inFlight.withLock { _ = $0.remove(destination) }
                            self.signal.notify()
                        }
                    }
                    if let nextDue { sleep = min(sleep, max(1, nextDue - now)) }
                } catch {
                    logger.error("delivery cannot read the outbox", metadata: ["error": "\(error)"])
                }
                await signal.wait(after: generation, timeout: .seconds(sleep))
            }
        }
    }

    /// Sends one batch to `destination` and applies what came back.
    func deliverRound(to destination: String) async {
        let snapshot = state.snapshot
        let now = clock()
        var machine = await machine(for: destination)
        guard let peer = snapshot.peers[destination] else {
            // Not (or no longer) a configured peer: keep the messages, tell an operator once.
            await apply(
                [
                    .scheduleRetry(
                        afterSeconds: Double(settings.backoff.capSeconds),
                        lastError: "not a configured peer"
                    ), .alertOperator("messages queued for \(destination), which is not a configured peer"),
                ],
                rows: [],
                destination: destination,
                now: now
            )
            return
        }
        let descriptor: DescriptorPayload
        do {
            descriptor = try await descriptors.descriptor(for: peer, snapshot: snapshot)
        } catch let error as HubNodeError {
            guard case .descriptor(let peerStatus) = error.detail else { return }
            var actions = machine.batchFinished(count: 0, outcome: .unknown("descriptor: \(error)"), unit: Self.unit())
            // A 4xx answer alerts an operator (PROTOCOL §6).
            if let peerStatus, (400..<500).contains(peerStatus) {
                actions.append(.alertOperator("the descriptor of \(peer.name) could not be fetched: \(error)"))
            }
            store(machine, for: destination)
            await apply(actions, rows: [], destination: destination, now: now)
            return
        } catch {
            return
        }
        let rows: [OutboxRow]
        do {
            rows = try await store.read { [limit = machine.batchLimit, bytes = settings.maxBatchBytes] db in
                try Outbox.nextBatch(destination: destination, now: now, maxCount: limit, maxBytes: bytes, in: db)
            }
        } catch {
            logger.error("delivery cannot read the outbox", metadata: ["error": "\(error)"])
            return
        }
        guard !rows.isEmpty else { return }
        // Types the peer does not list are parked, not sent (PROTOCOL §6).
        let capabilities = Set(descriptor.capabilities)
        let unsupported = rows.enumerated().filter {
            !capabilities.contains(MessageType(rawValue: $0.element.type)?.capability ?? "")
        }
        if !unsupported.isEmpty {
            await apply(
                unsupported.map { .park(index: $0.offset, reason: "no_capability", receipt: nil) },
                rows: rows,
                destination: destination,
                now: now
            )
            return
        }
        let body =
            Array("{\"messages\":[".utf8) + Array(rows.map { "\"\($0.jws)\"" }.joined(separator: ",").utf8)
            + Array("]}".utf8)
        let outcome: DeliveryStateMachine.BatchOutcome
        let started = ContinuousClock.now
        do {
            let answer = try await transport.postMessages(body, to: peer)
            metrics?.deliveryFinished(
                peer: destination,
                outcome: answer.status == 200 ? .ok : .httpError,
                duration: ContinuousClock.now - started
            )
            if answer.status == 200 {
                let checker = ReceiptChecker(ownOIN: snapshot.identity.oin, verifier: snapshot.verifier)
                outcome = checker.check(
                    body: answer.body,
                    sent: rows.map { .init(hash: $0.hash, jti: $0.jti) },
                    peerOIN: destination,
                    now: clock()
                )
            } else {
                outcome = .status(answer.status, retryAfterSeconds: answer.retryAfterSeconds)
            }
        } catch {
            metrics?.deliveryFinished(peer: destination, outcome: .failed, duration: ContinuousClock.now - started)
            outcome = .unknown("\(error)")
        }
        let actions = machine.batchFinished(count: rows.count, outcome: outcome, unit: Self.unit())
        store(machine, for: destination)
        let reseal = await resealTarget(outcome, rows: rows, peer: peer, snapshot: snapshot)
        await apply(actions, rows: rows, destination: destination, now: clock(), reseal: reseal)
        logger.debug(
            "batch delivered",
            metadata: ["peer": "\(destination)", "messages": "\(rows.count)", "outcome": "\(Self.summary(outcome))"]
        )
    }

    /// Messages the receiver refused with `unknown_key`, and the key to
    /// re-seal them to (PROTOCOL §7: "the sender re-seals to the current
    /// descriptor"): the peer's descriptor is fetched again, whatever the
    /// cache holds. Nil when no such message can be re-sealed or the
    /// descriptor cannot be had now (the messages then wait as any transient
    /// rejection does, and the next refusal tries again).
    private func resealTarget(
        _ outcome: DeliveryStateMachine.BatchOutcome,
        rows: [OutboxRow],
        peer: PeerEndpoint,
        snapshot: NodeState.Snapshot
    ) async -> Reseal? {
        guard case .receipts(let results) = outcome else { return nil }
        let stale = Set(
            results.indices.filter { i in
                guard case .transient(.unknownKey, _) = results[i] else { return false }
                return hooks.canReseal(rows[i])
            }
        )
        guard !stale.isEmpty else { return nil }
        do {
            let descriptor = try await descriptors.refresh(peer, snapshot: snapshot)
            guard let key = descriptor.encKeys.first else { return nil }
            return Reseal(indices: stale, key: key, identity: snapshot.identity)
        } catch {
            logger.warning(
                "the peer does not know the key a message was sealed to, and its descriptor cannot be fetched again",
                metadata: ["peer": "\(peer.oin)", "error": "\(error)"]
            )
            return nil
        }
    }

    /// Which rows of a batch to re-seal, to which key, signed by whom.
    struct Reseal {
        var indices: Set<Int>
        var key: ECPublicJWK
        var identity: NodeIdentity
        /// The key's `kid` (its thumbprint when the JWK names none).
        var kid: String { key.kid ?? key.thumbprint() }
    }

    private func apply(
        _ actions: [DeliveryStateMachine.Action],
        rows: [OutboxRow],
        destination: String,
        now: Int64,
        reseal: Reseal? = nil
    ) async {
        do {
            // What became of each message, counted once the transaction committed.
            let sent = try await store.write { db -> [(type: String, status: HubMetrics.SentStatus)] in
                var sent: [(type: String, status: HubMetrics.SentStatus)] = []
                for action in actions {
                    switch action {
                    case .markDelivered(let i, let receipt):
                        guard let id = rows[i].id else { continue }
                        sent.append((rows[i].type, .accepted))
                        try Outbox.markDelivered(id: id, receiptJWS: receipt, at: now, in: db)
                        try AuditLog.append(
                            Self.auditDetails(rows[i], destination, "accepted", nil),
                            actor: "node",
                            action: "message.sent",
                            at: now,
                            in: db
                        )
                        try self.hooks.didDeliver(rows[i], at: now, in: db)
                    case .park(let i, let reason, let receipt):
                        guard let id = rows[i].id else { continue }
                        sent.append((rows[i].type, receipt == nil ? .parked : .rejected))
                        // A feature that handles this final rejection keeps the receipt; the row leaves the queue.
                        if let receipt,
                            try self.hooks.handleRejection(rows[i], reason: reason, receipt: receipt, at: now, in: db)
                        {
                            try Outbox.drop(id: id, in: db)
                            try AuditLog.append(
                                Self.auditDetails(rows[i], destination, "rejected", reason),
                                actor: "node",
                                action: "message.refused",
                                at: now,
                                in: db
                            )
                            continue
                        }
                        try Outbox.park(id: id, reason: reason, receiptJWS: receipt, in: db)
                        try AuditLog.append(
                            Self.auditDetails(rows[i], destination, "parked", reason),
                            actor: "node",
                            action: "message.parked",
                            at: now,
                            in: db
                        )
                    case .keepQueued(let i, let lastError):
                        guard let id = rows[i].id else { continue }
                        sent.append((rows[i].type, .retry))
                        if let reseal, reseal.indices.contains(i),
                            let replacement = try self.hooks.reseal(
                                rows[i],
                                to: reseal.key,
                                identity: reseal.identity,
                                at: now,
                                in: db
                            )
                        {
                            try Outbox.replace(
                                id: id,
                                with: replacement,
                                note: "re-sealed to key \(reseal.kid) after unknown_key",
                                notifying: self.signal,
                                in: db
                            )
                            try AuditLog.append(
                                .object([
                                    "hash": .string(rows[i].hash), "new_hash": .string(replacement.signed.hash),
                                    "type": .string(rows[i].type), "peer": .string(destination),
                                    "kid": .string(reseal.kid),
                                ]),
                                actor: "node",
                                action: "message.resealed",
                                at: now,
                                in: db
                            )
                            continue
                        }
                        let delay = Int64(
                            self.settings.backoff.delay(attempt: rows[i].attempts, unit: Self.unit()).rounded(.up)
                        )
                        try Outbox.markRetry(id: id, nextAttemptAt: now + max(1, delay), error: lastError, in: db)
                    case .scheduleRetry(let after, let lastError):
                        try PeerStates.recordFailure(
                            destination: destination,
                            nextAttemptAt: now + Int64(after.rounded(.up)),
                            error: lastError,
                            in: db
                        )
                    case .resetBackoff:
                        try PeerStates.recordSuccess(destination: destination, at: now, in: db)
                    case .alertOperator(let text):
                        if try PeerStates.markAlerted(destination: destination, in: db) {
                            try Alerts.raise(.peer4xx, peer: destination, detail: text, at: now, in: db)
                        }
                    }
                }
                if actions.contains(where: { if case .markDelivered = $0 { true } else { false } }),
                    !actions.contains(where: { if case .scheduleRetry = $0 { true } else { false } })
                {
                    try PeerStates.recordSuccess(destination: destination, at: now, in: db)
                }
                return sent
            }
            for (type, status) in sent { metrics?.messageSent(type: type, status: status) }
        } catch {
            logger.error(
                "delivery cannot record a batch outcome",
                metadata: ["peer": "\(destination)", "error": "\(error)"]
            )
        }
    }

    private func machine(for destination: String) async -> DeliveryStateMachine {
        if let m = machines.withLock({ $0[destination] }) { return m }
        var m = DeliveryStateMachine(backoff: settings.backoff, maxBatch: settings.maxBatchMessages)
        // Resume the backoff where the last run left it.
        let attempts = (try? await store.read { db in try PeerStates.get(destination, in: db).attempts }) ?? 0
        m.resume(failures: attempts)
        machines.withLock { $0[destination] = m }
        return m
    }

    private func store(_ machine: DeliveryStateMachine, for destination: String) {
        machines.withLock { $0[destination] = machine }
    }

    private static func auditDetails(_ row: OutboxRow, _ peer: String, _ status: String, _ reason: String?) -> JSONValue
    {
        var details: [String: JSONValue] = [
            "hash": .string(row.hash), "type": .string(row.type), "peer": .string(peer), "status": .string(status),
        ]
        if let reason { details["reason"] = .string(reason) }
        return .object(details)
    }

    private static func summary(_ outcome: DeliveryStateMachine.BatchOutcome) -> String {
        switch outcome {
        case .receipts(let r): "\(r.count) receipts"
        case .status(let code, _): "HTTP \(code)"
        case .unknown(let why): why
        }
    }

    /// A uniform random number in [0, 1) from OpenSSL's DRBG, for jitter.
    static func unit() -> Double {
        Double(SecureRandom.uniform(1 << 53)) / Double(UInt64(1) << 53)
    }
}

/// The node's clock (Unix seconds); tests substitute their own.
public enum NodeClock {
    /// Now, in Unix seconds.
    @Sendable public static func now() -> Int64 {
        Int64(HubUUID.currentUnixMilliseconds() / 1000)
    }
}
