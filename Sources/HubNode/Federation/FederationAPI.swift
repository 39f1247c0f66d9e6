import Foundation
import HubProtocol
public import Hummingbird
public import Logging

/// The federation endpoints of PROTOCOL §3: `POST /v1/messages` and `GET /v1/descriptor`.
public struct FederationAPI: Sendable {
    let store: NodeStore
    let state: NodeState
    let registry: MessageHandlerRegistry
    let publisher: DescriptorPublisher
    let delivery: DeliveryService?
    let limits: NodeConfiguration.Limits
    let logger: Logger
    let metrics: HubMetrics?
    let clock: @Sendable () -> Int64

    /// Makes the API.
    public init(
        store: NodeStore,
        state: NodeState,
        registry: MessageHandlerRegistry,
        publisher: DescriptorPublisher,
        delivery: DeliveryService?,
        limits: NodeConfiguration.Limits,
        logger: Logger,
        metrics: HubMetrics? = nil,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.store = store
        self.state = state
        self.registry = registry
        self.publisher = publisher
        self.delivery = delivery
        self.limits = limits
        self.logger = logger
        self.metrics = metrics
        self.clock = clock
    }

    /// Registers the routes.
    public func register(on router: Router<HubRequestContext>) {
        let reader = RequestBodyReader(maxBytes: limits.maxBodyBytes, timeout: .seconds(limits.requestTimeoutSeconds))
        router.route(.post, "/v1/messages") { request, context in
            guard case .peer(let peerOIN) = context.connection?.caller else {
                throw HubHTTPError.forbidden("unknown_peer", "not a peer")
            }
            return try await receive(reader.read(request), from: peerOIN)
        }
        router.route(.get, "/v1/descriptor") { _, _ in
            let snapshot = state.snapshot
            let jws = try publisher.descriptor(identity: snapshot.identity, now: clock())
            return jsonResponse(.object(["descriptor": .string(jws)]))
        }
        router.route(.post, "/v1/stats/query") { _, _ in
            // This node does not list stats/1 in its descriptor yet, so peers do not send queries.
            throw HubHTTPError(.notImplemented, "not_implemented", "this node does not answer statistics queries yet")
        }
    }

    /// Parses a batch (refused whole when malformed), then receives it in one transaction.
    func receive(_ body: [UInt8], from peerOIN: String) async throws -> Response {
        let messages = try Self.parseBatch(body, max: limits.maxBatchMessages)
        let now = clock()
        try await checkQuota(peerOIN: peerOIN, adding: messages, now: now)
        let snapshot = state.snapshot
        let receiver = MessageReceiver(identity: snapshot.identity, registry: registry)
        let verifier = snapshot.verifier
        let outcomes: [MessageReceiver.Outcome]
        do {
            outcomes = try await store.write { db in
                var alerts: [String] = []
                return try receiver.receive(
                    messages,
                    from: peerOIN,
                    verifier: verifier,
                    now: now,
                    alerts: &alerts,
                    in: db
                )
            }
        } catch let error as HubNodeError where error.isStorageUnavailable {
            logger.error(
                "cannot store a batch durably; answering 503",
                metadata: ["peer": "\(peerOIN)", "error": "\(error)"]
            )
            throw HubHTTPError.storageUnavailable
        }
        // Counted once the receipts are durable.
        for outcome in outcomes { metrics?.messageReceived(type: outcome.type, accepted: outcome.accepted) }
        let accepted = outcomes.filter(\.accepted).count
        logger.info(
            "batch received",
            metadata: [
                "peer": "\(peerOIN)", "messages": "\(messages.count)", "accepted": "\(accepted)",
                "rejected": "\(messages.count - accepted)",
            ]
        )
        if let delivery { await delivery.peerContactedUs(peerOIN) }
        return jsonResponse(.object(["receipts": .array(outcomes.map { .string($0.receipt) })]))
    }

    /// `{"messages":[…]}` with 1…`max` strings and nothing else, or `400`.
    static func parseBatch(_ body: [UInt8], max: Int) throws -> [String] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch let error as HubProtocolError {
            throw HubHTTPError.badRequest("malformed_batch", "the body is not I-JSON: \(error.message)")
        }
        guard let members = value.objectValue, members.count == 1, let array = members["messages"]?.arrayValue else {
            throw HubHTTPError.badRequest(
                "malformed_batch",
                "the body must be {\"messages\":[…]} with no other members"
            )
        }
        guard (1...max).contains(array.count) else {
            throw HubHTTPError.badRequest(
                "malformed_batch",
                "a batch holds 1 to \(max) messages, this has \(array.count)"
            )
        }
        var messages: [String] = []
        for element in array {
            guard let text = element.stringValue else {
                throw HubHTTPError.badRequest("malformed_batch", "every element of messages must be a string")
            }
            messages.append(text)
        }
        return messages
    }

    /// Per-peer quotas (PROTOCOL §3): messages a calendar day (Europe/Amsterdam) and bytes stored.
    func checkQuota(peerOIN: String, adding messages: [String], now: Int64) async throws {
        let (dayStart, dayEnd) = Self.amsterdamDay(containing: now)
        let dailyQuota = limits.dailyMessageQuota
        let bytesQuota = Int64(limits.storedBytesQuota)
        let incoming = Int64(messages.reduce(0) { $0 + $1.utf8.count })
        let (count, stored) = try await store.read { db in
            (
                try Inbox.count(peer: peerOIN, receivedFrom: dayStart, to: dayEnd, in: db),
                try Inbox.storedBytes(peer: peerOIN, in: db)
            )
        }
        if count + messages.count > dailyQuota {
            throw HubHTTPError(
                .tooManyRequests,
                "quota_exceeded",
                "the daily quota of \(dailyQuota) messages for this peer is used up",
                retryAfterSeconds: Int(max(1, dayEnd - now))
            )
        }
        if stored + incoming > bytesQuota {
            throw HubHTTPError(
                .tooManyRequests,
                "quota_exceeded",
                "this peer's stored messages exceed \(bytesQuota) bytes",
                retryAfterSeconds: 3600
            )
        }
    }

    /// The Unix seconds at which the calendar day holding `t` starts and ends in Europe/Amsterdam.
    static func amsterdamDay(containing t: Int64) -> (Int64, Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600)!
        let date = Date(timeIntervalSince1970: TimeInterval(t))
        let start = calendar.startOfDay(for: date)
        let end = calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400)
        return (Int64(start.timeIntervalSince1970), Int64(end.timeIntervalSince1970))
    }
}
