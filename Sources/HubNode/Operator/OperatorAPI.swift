import GRDB
import HubProtocol
public import Hummingbird
public import Logging

/// The operators' endpoints (role `operator`, docs/openapi.yaml): status,
/// peers, the outbox, alerts and the audit chain. Every action is audited.
public struct OperatorAPI: Sendable {
    /// What the status endpoint reports about certificates.
    public struct CertificateFacts: Sendable {
        /// The TLS/signing certificate's `notAfter`.
        public var certificateNotAfter: Int64
        /// Each configured CRL's `nextUpdate`, by issuer.
        public var crlNextUpdates: [String: Int64]

        /// Makes facts.
        public init(certificateNotAfter: Int64, crlNextUpdates: [String: Int64]) {
            self.certificateNotAfter = certificateNotAfter
            self.crlNextUpdates = crlNextUpdates
        }
    }

    let store: NodeStore
    let state: NodeState
    let delivery: DeliveryService
    let checkpoints: AuditCheckpointService
    let certificates: @Sendable () -> CertificateFacts
    let messageLifetime: Int64
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// Makes the API.
    public init(
        store: NodeStore,
        state: NodeState,
        delivery: DeliveryService,
        checkpoints: AuditCheckpointService,
        certificates: @escaping @Sendable () -> CertificateFacts,
        messageLifetime: Int64,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.store = store
        self.state = state
        self.delivery = delivery
        self.checkpoints = checkpoints
        self.certificates = certificates
        self.messageLifetime = messageLifetime
        self.logger = logger
        self.clock = clock
    }

    /// Registers the routes.
    public func register(on router: Router<HubRequestContext>) {
        router.route(.get, "/v1/local/status") { _, _ in try await status() }
        router.route(.get, "/v1/local/peers") { _, _ in try await peers() }
        router.route(.post, "/v1/local/peers/{oin}/reset-backoff") { _, context in
            let oin = try context.parameters.require("oin")
            guard state.snapshot.peers[oin] != nil else {
                throw HubHTTPError(.notFound, "unknown_peer", "no configured peer has that OIN")
            }
            let now = clock()
            try await store.write { db in
                try PeerStates.resetBackoff(destination: oin, in: db)
                try AuditLog.append(
                    .object(["peer": .string(oin)]),
                    actor: Self.actor(context),
                    action: "operator.peer.reset_backoff",
                    at: now,
                    in: db
                )
            }
            await delivery.peerContactedUs(oin)
            // Deliver now, whatever the backoff said.
            store.outboxSignal.notify()
            return jsonResponse(.object(["peer": .string(oin), "backoff": .string("reset")]))
        }
        router.route(.get, "/v1/local/outbox") { request, _ in
            let which = request.uri.queryParameters.get("state") ?? "parked"
            guard ["parked", "queued", "delivered"].contains(which) else {
                throw HubHTTPError.badRequest("invalid_parameter", "state must be parked, queued or delivered")
            }
            let rows = try await store.read { db in
                try OutboxRow.fetchAll(
                    db,
                    sql: "SELECT * FROM outbox WHERE state = ? ORDER BY id LIMIT 1000",
                    arguments: [which]
                )
            }
            return jsonResponse(.object(["messages": .array(rows.map(Self.describe))]))
        }
        router.route(.post, "/v1/local/outbox/{id}/retry") { _, context in
            let id = try Self.id(context)
            return try await retry(id: id, actor: Self.actor(context))
        }
        router.route(.post, "/v1/local/outbox/{id}/drop") { _, context in
            let id = try Self.id(context)
            let now = clock()
            try await mapStoreErrors {
                try await store.write { db in
                    guard let row = try Outbox.row(id: id, in: db) else {
                        throw HubNodeError(.notFound, "no such message", detail: .store())
                    }
                    try Outbox.drop(id: id, in: db)
                    try AuditLog.append(
                        .object([
                            "outbox_id": .integer(id), "hash": .string(row.hash), "peer": .string(row.destinationOIN),
                        ]),
                        actor: Self.actor(context),
                        action: "operator.outbox.drop",
                        at: now,
                        in: db
                    )
                }
            }
            return jsonResponse(.object(["id": .integer(id), "dropped": .bool(true)]))
        }
        router.route(.get, "/v1/local/alerts") { _, _ in
            let alerts = try await store.read { db in try Alerts.open(in: db) }
            return jsonResponse(
                .object([
                    "alerts": .array(
                        alerts.map {
                            .object([
                                "id": .integer($0.id ?? 0), "at": .integer($0.at), "kind": .string($0.kind.rawValue),
                                "peer": $0.peerOIN.map { .string($0) } ?? .null, "detail": .string($0.detail),
                            ])
                        }
                    )
                ])
            )
        }
        router.route(.get, "/v1/local/audit/verify") { _, context in
            let now = clock()
            let marks: [AuditCheckpoint]
            do {
                marks = try checkpoints.checkpoints()
            } catch {
                return jsonResponse(.object(["intact": .bool(false), "problem": .string("\(error)")]))
            }
            let result = try await store.write { db in
                let result = try AuditLog.verify(against: marks, in: db)
                try AuditLog.append(
                    .object(["intact": .bool(result.isIntact), "entries": .integer(Int64(result.entriesChecked))]),
                    actor: Self.actor(context),
                    action: "operator.audit.verify",
                    at: now,
                    in: db
                )
                return result
            }
            var body: [String: JSONValue] = [
                "intact": .bool(result.isIntact), "entries_checked": .integer(Int64(result.entriesChecked)),
                "last_index": .integer(result.lastIndex), "checkpoints": .integer(Int64(marks.count)),
            ]
            if let broken = result.firstBreak {
                body["first_broken_entry"] = .integer(broken.index)
                body["problem"] = .string(broken.failure.description)
            }
            return jsonResponse(.object(body))
        }
    }

    func status() async throws -> Response {
        let snapshot = state.snapshot
        let now = clock()
        let facts = certificates()
        let (summary, peerRows, alerts) = try await store.read { db in
            (try Outbox.summaryByDestination(in: db), try PeerStates.all(in: db), try Alerts.open(in: db).count)
        }
        // The same per-destination numbers the metrics export.
        let depth = summary.mapValues(\.queued)
        let oldest = summary.values.compactMap { $0.oldestAge(now: now) }.max()
        let parked = summary.values.reduce(0) { $0 + $1.parked }
        let byOIN = Dictionary(peerRows.map { ($0.destinationOIN, $0) }, uniquingKeysWith: { a, _ in a })
        let peers: [JSONValue] = snapshot.peers.values.sorted { $0.name < $1.name }.map { peer in
            let row = byOIN[peer.oin]
            return .object([
                "name": .string(peer.name), "oin": .string(peer.oin), "endpoint": .string(peer.url),
                "queued": .integer(Int64(depth[peer.oin] ?? 0)),
                "reachable": row.map { .bool($0.attempts == 0 && $0.lastSuccessAt != nil) } ?? .null,
                "last_success_at": row?.lastSuccessAt.map { .integer($0) } ?? .null,
                "failed_attempts": .integer(Int64(row?.attempts ?? 0)),
                "last_error": row?.lastError.map { .string($0) } ?? .null,
            ])
        }
        return jsonResponse(
            .object([
                "oin": .string(snapshot.identity.oin), "name": .string(snapshot.identity.name),
                "municipality_code": .string(snapshot.identity.municipalityCode), "now": .integer(now),
                "certificate_not_after": .integer(facts.certificateNotAfter),
                "crl_next_update": .object(facts.crlNextUpdates.mapValues { .integer($0) }),
                "queue_depth": .integer(Int64(depth.values.reduce(0, +))),
                "oldest_undelivered_age_seconds": oldest.map { .integer($0) } ?? .null,
                "parked": .integer(Int64(parked)), "open_alerts": .integer(Int64(alerts)), "peers": .array(peers),
            ])
        )
    }

    func peers() async throws -> Response {
        let snapshot = state.snapshot
        let now = clock()
        let (rows, descriptors) = try await store.read { db in
            (try PeerStates.all(in: db), try DescriptorRow.fetchAll(db))
        }
        let states = Dictionary(rows.map { ($0.destinationOIN, $0) }, uniquingKeysWith: { a, _ in a })
        let byPeer = Dictionary(descriptors.map { ($0.peerOIN, $0) }, uniquingKeysWith: { a, _ in a })
        let list: [JSONValue] = snapshot.peers.values.sorted { $0.name < $1.name }.map { peer in
            var entry: [String: JSONValue] = [
                "name": .string(peer.name), "oin": .string(peer.oin), "endpoint": .string(peer.url),
            ]
            if let row = byPeer[peer.oin],
                let payload = try? DescriptorCache.check(
                    row.jws,
                    peer: peer,
                    verifier: snapshot.verifier,
                    now: min(now, row.exp - 1)
                )
            {
                entry["descriptor"] = .object([
                    "name": .string(payload.name), "municipality_code": .string(payload.municipalityCode),
                    "capabilities": .array(payload.capabilities.map { .string($0) }), "exp": .integer(payload.exp),
                    "fetched_at": .integer(row.fetchedAt),
                    "enc_kids": .array(payload.encKeys.map { .string($0.kid ?? "") }),
                ])
            } else {
                entry["descriptor"] = .null
            }
            let s = states[peer.oin]
            entry["backoff"] = .object([
                "failed_attempts": .integer(Int64(s?.attempts ?? 0)),
                "next_attempt_at": .integer(s?.nextAttemptAt ?? 0),
                "last_success_at": s?.lastSuccessAt.map { .integer($0) } ?? .null,
                "last_error": s?.lastError.map { .string($0) } ?? .null,
            ])
            return .object(entry)
        }
        return jsonResponse(.object(["peers": .array(list)]))
    }

    /// Retries a parked message; one refused at steps 8–10 is re-signed with a
    /// new `jti`, `iat` and `exp` (PROTOCOL §6).
    func retry(id: Int64, actor: String) async throws -> Response {
        let snapshot = state.snapshot
        let now = clock()
        let resignReasons: Set<String> = [
            "not_yet_valid", "expired", "jti_conflict", "unknown_type", "invalid_body", "unknown_key", "invalid_state",
        ]
        let resigned: Bool = try await mapStoreErrors {
            try await store.write { db in
                guard let row = try Outbox.row(id: id, in: db) else {
                    throw HubNodeError(.notFound, "no such message", detail: .store())
                }
                guard row.state == .parked else {
                    throw HubNodeError(.conflict, "only a parked message can be retried", detail: .store())
                }
                guard try !Outbox.isErased(id: id, in: db) else {
                    throw HubNodeError(
                        .conflict,
                        "retention deleted this message's bytes; it cannot be retried",
                        detail: .store()
                    )
                }
                var replacement: Outbox.Resigned? = nil
                if resignReasons.contains(row.parkedReason ?? ""), let type = MessageType(rawValue: row.type),
                    let body = try? JSONParser.parse(Array(row.bodyJSON.utf8))
                {
                    let signed = try snapshot.identity.signMessage(
                        type: type,
                        body: body,
                        to: row.destinationOIN,
                        at: now,
                        lifetime: messageLifetime
                    )
                    replacement = Outbox.Resigned(jti: signed.jti, hash: signed.hash, jws: signed.jws)
                }
                try Outbox.retry(id: id, resigned: replacement, at: now, notifying: store.outboxSignal, in: db)
                try AuditLog.append(
                    .object([
                        "outbox_id": .integer(id), "peer": .string(row.destinationOIN),
                        "resigned": .bool(replacement != nil),
                    ]),
                    actor: actor,
                    action: "operator.outbox.retry",
                    at: now,
                    in: db
                )
                return replacement != nil
            }
        }
        return jsonResponse(.object(["id": .integer(id), "queued": .bool(true), "resigned": .bool(resigned)]))
    }

    func mapStoreErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as HubNodeError where error.isStore {
            switch error.code {
            case .notFound: throw HubHTTPError(.notFound, "not_found", error.message)
            case .conflict: throw HubHTTPError(.conflict, "conflict", error.message)
            case .unavailable: throw HubHTTPError.storageUnavailable
            default: throw error
            }
        }
    }

    static func id(_ context: HubRequestContext) throws -> Int64 {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else {
            throw HubHTTPError.badRequest("invalid_parameter", "the message id must be a positive integer")
        }
        return id
    }

    static func actor(_ context: HubRequestContext) -> String {
        context.connection?.caller.auditName ?? "unknown"
    }

    static func describe(_ row: OutboxRow) -> JSONValue {
        .object([
            "id": .integer(row.id ?? 0), "peer": .string(row.destinationOIN), "type": .string(row.type),
            "jti": .string(row.jti),
            "hash": .string(row.hash), "created_at": .integer(row.createdAt), "attempts": .integer(Int64(row.attempts)),
            "state": .string(row.state.rawValue), "parked_reason": row.parkedReason.map { .string($0) } ?? .null,
            "last_error": row.lastError.map { .string($0) } ?? .null,
            "delivered_at": row.deliveredAt.map { .integer($0) } ?? .null,
        ])
    }
}
