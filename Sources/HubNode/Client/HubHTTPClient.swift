import NIOCore
public import NIOHTTP1
public import NIOPosix
import Synchronization

/// The node's HTTP/1.1 client over mutual TLS (OpenSSL, `OpenSSLTLSHandler`):
/// node → node and hubctl → node.
///
/// Connections are kept alive and pooled per `ClientEndpoint` (host, port,
/// expected OIN) within the limits of `HubHTTPClientConfiguration`. A request
/// gets an idle connection (the most recently used), or a new one while the
/// endpoint has fewer than `maximumConnectionsPerEndpoint`, or waits in line.
/// A connection goes back to the pool after a complete keep-alive response;
/// one that failed, timed out, was told `Connection: close` or was closed by
/// the server is dropped.
///
/// Retries: when a connection closes under a request before any of the
/// response arrived, the request is sent once more on a new connection if
/// none of it can have reached the server, or if the caller declared it
/// `idempotent` (safe to receive twice). Nothing else is retried; delivery
/// decides about the rest (PROTOCOL.md §6).
///
/// TLS: every connection verifies the server against the client context's
/// federation bundle, the host dialled and the endpoint's OIN. After
/// `replaceTLSContext(_:)` new connections use the new context; idle ones
/// made with the old one are closed at once, busy ones after their request.
///
/// Call `shutdown()` when done: it closes every connection and, for a client
/// that made its own event loop group, shuts that down.
public final class HubHTTPClient: Sendable {
    /// What a request got from its pool.
    enum Lease {
        case existing(PooledConnection)
        case connect
    }

    /// An open connection known to the client.
    struct PooledConnection: Sendable {
        var id: Int
        var endpoint: ClientEndpoint
        var channel: any Channel
        /// What ended the connection, once something has.
        var failure: ConnectionFailureRecord
        var idleTimer: Scheduled<Void>?
    }

    struct Waiter {
        var continuation: CheckedContinuation<Lease, any Error>
        var timer: Scheduled<Void>
    }

    struct State {
        var pools: [ClientEndpoint: ConnectionPoolStateMachine] = [:]
        var connections: [Int: PooledConnection] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
        var tlsContext: TLSContext
        var generation = 0
        var isShutDown = false

        mutating func makeID() -> Int {
            nextID += 1
            return nextID
        }

        /// Resumes waiters with what the pool granted them.
        mutating func deliver(_ grants: [(Int, ConnectionPoolStateMachine.Grant)]) {
            for (waiterID, grant) in grants {
                guard let waiter = waiters.removeValue(forKey: waiterID) else {
                    assertionFailure("a grant for an unknown waiter")
                    continue
                }
                waiter.timer.cancel()
                waiter.continuation.resume(returning: lease(for: grant))
            }
        }

        /// The lease for a grant; a reused connection's idle timer is cancelled.
        mutating func lease(for grant: ConnectionPoolStateMachine.Grant) -> Lease {
            switch grant {
            case .connect:
                return .connect
            case .use(let id):
                guard var connection = connections[id] else {
                    assertionFailure("a grant for an unknown connection")
                    return .connect
                }
                connection.idleTimer?.cancel()
                connection.idleTimer = nil
                connections[id] = connection
                return .existing(connection)
            }
        }
    }

    /// The client's limits and timeouts.
    public let configuration: HubHTTPClientConfiguration
    /// The event loops connections run on.
    public let eventLoopGroup: MultiThreadedEventLoopGroup
    private let ownsEventLoopGroup: Bool
    let state: Mutex<State>

    /// Makes a client for a TLS context with the client role.
    ///
    /// - Parameters:
    ///   - tlsContext: the client context: its certificate is presented to
    ///     servers, its federation bundle verifies them.
    ///   - configuration: limits and timeouts; `maximumConnectionsPerEndpoint`
    ///     must be at least 1.
    ///   - eventLoopGroup: the group to run on, shared with the node; `nil`
    ///     (the default) makes a group of one thread that `shutdown()` stops.
    /// - Throws: ``HubNodeError`` with code ``HubNodeError/Code/tls`` for a server context.
    public init(
        tlsContext: TLSContext,
        configuration: HubHTTPClientConfiguration = .init(),
        eventLoopGroup: MultiThreadedEventLoopGroup? = nil
    ) throws(HubNodeError) {
        try Self.checkRole(tlsContext)
        precondition(configuration.maximumConnectionsPerEndpoint >= 1, "maximumConnectionsPerEndpoint must be ≥ 1")
        precondition(
            configuration.maximumIdleConnectionsPerEndpoint >= 0,
            "maximumIdleConnectionsPerEndpoint must be ≥ 0"
        )
        precondition(configuration.maximumResponseBodyBytes >= 0, "maximumResponseBodyBytes must be ≥ 0")
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.ownsEventLoopGroup = eventLoopGroup == nil
        self.state = Mutex(State(tlsContext: tlsContext))
    }

    // MARK: Requests

    /// Sends a request and returns its complete response, whatever its status.
    ///
    /// The client adds `Host` (`host:port`), `Content-Length` for a body (and
    /// for POST, PUT and PATCH without one), `Connection: keep-alive` and,
    /// unless `headers` has one, `Content-Type: application/json;
    /// charset=utf-8` for a body. The response body is read to its end.
    ///
    /// When the connection closes under the request before any of the
    /// response arrived, the request is sent once more on a new connection if
    /// none of it was written, or if it is `idempotent`.
    ///
    /// - Parameters:
    ///   - method: the request method.
    ///   - path: the request target, starting with `/` (a query may follow).
    ///   - headers: further header fields; `Host`, `Content-Length`,
    ///     `Transfer-Encoding` and `Connection` are the client's and refused.
    ///   - body: the body, if any.
    ///   - endpoint: where to send it and who must answer.
    ///   - idempotent: whether the server may safely receive it twice; only
    ///     then is a request that may have been sent retried after its
    ///     connection closed without an answer.
    ///   - timeout: the bound from this call until the response is complete;
    ///     `nil` (the default) uses `configuration.requestTimeout`.
    /// - Throws: ``HubNodeError`` of the client, or `CancellationError` when
    ///   the task is cancelled (its connection is then closed).
    public func request(
        _ method: HTTPMethod,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        to endpoint: ClientEndpoint,
        idempotent: Bool,
        timeout: Duration? = nil
    ) async throws -> ClientResponse {
        let timeout = timeout ?? configuration.requestTimeout
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let label = Self.label(method, path: path, endpoint: endpoint)
        let head = try Self.makeHead(method, path: path, headers: headers, body: body, endpoint: endpoint, label: label)
        let request = PreparedRequest(
            head: head,
            body: body.map { ByteBuffer(bytes: $0) },
            endpoint: endpoint,
            deadline: deadline,
            timeout: timeout,
            label: label
        )
        var forceNew = false
        while true {
            let connection: PooledConnection
            switch try await acquire(request, forceNew: forceNew) {
            case .existing(let pooled):
                guard pooled.channel.isActive else {
                    // Closed while idle and not yet noticed: drop it and ask again.
                    release(pooled, reusable: false)
                    continue
                }
                connection = pooled
            case .connect:
                connection = try await connect(request)
            }
            do {
                let result = try await send(request, on: connection)
                release(connection, reusable: result.keepAlive && connection.channel.isActive)
                return result.response
            } catch let failure as AttemptFailure {
                release(connection, reusable: false)
                if !forceNew, failure.allowsRetry(idempotent: idempotent), NIODeadline.now() < deadline {
                    forceNew = true
                    continue
                }
                throw failure.error
            } catch {
                release(connection, reusable: false)
                throw error
            }
        }
    }

    // MARK: TLS and lifecycle

    /// Uses `context` for every new connection from now on (after a reload of
    /// certificates, keys or CRLs) and closes pooled connections made with
    /// the previous one: idle ones now, busy ones when their request is done.
    ///
    /// - Throws: ``HubNodeError`` with code ``HubNodeError/Code/tls`` for a server context.
    public func replaceTLSContext(_ context: TLSContext) throws(HubNodeError) {
        try Self.checkRole(context)
        let stale = state.withLock { state -> [any Channel] in
            state.tlsContext = context
            state.generation += 1
            var stale: [any Channel] = []
            for endpoint in state.pools.keys {
                let ids = state.pools[endpoint]?.invalidate(currentGeneration: state.generation) ?? []
                stale += ids.compactMap { state.connections[$0]?.channel }
            }
            return stale
        }
        for channel in stale { channel.close(promise: nil) }
    }

    /// The TLS context new connections use.
    public var tlsContext: TLSContext { state.withLock { $0.tlsContext } }

    /// A snapshot of the pool for `endpoint` (all zero when it has none).
    public func poolStatistics(for endpoint: ClientEndpoint) -> ConnectionPoolStatistics {
        state.withLock { state in
            guard let pool = state.pools[endpoint] else {
                return ConnectionPoolStatistics(open: 0, idle: 0, leased: 0, waiting: 0)
            }
            return ConnectionPoolStatistics(
                open: pool.openCount,
                idle: pool.idleCount,
                leased: pool.leasedCount,
                waiting: pool.waiterCount
            )
        }
    }

    /// Closes every connection (requests in flight fail with
    /// `.connectionClosed`), fails waiting requests with `.shutDown`, refuses
    /// new ones, and shuts down the event loop group if the client made it.
    /// Calling it again does nothing.
    public func shutdown() async throws {
        let channels = state.withLock { state -> [any Channel]? in
            guard !state.isShutDown else { return nil }
            state.isShutDown = true
            for endpoint in state.pools.keys {
                guard let (waiters, _) = state.pools[endpoint]?.shutDown() else { continue }
                for waiterID in waiters {
                    guard let waiter = state.waiters.removeValue(forKey: waiterID) else { continue }
                    waiter.timer.cancel()
                    waiter.continuation.resume(
                        throwing: HubNodeError(.shutDown, "the HTTP client is shut down", detail: .client)
                    )
                }
            }
            return state.connections.values.map(\.channel)
        }
        guard let channels else { return }
        for channel in channels {
            try? await channel.close()
        }
        if ownsEventLoopGroup {
            try await eventLoopGroup.shutdownGracefully()
        }
    }

    // MARK: Pool

    /// Gets a connection or a slot to connect in, waiting (until the
    /// request's deadline) when the endpoint is at its limit.
    private func acquire(_ request: PreparedRequest, forceNew: Bool) async throws -> Lease {
        let waiterID = state.withLock { $0.makeID() }
        let endpoint = request.endpoint
        var closing: [any Channel] = []
        defer { for channel in closing { channel.close(promise: nil) } }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease, any Error>) in
                state.withLock { state in
                    guard !state.isShutDown else {
                        continuation.resume(
                            throwing: HubNodeError(
                                .shutDown,
                                "\(request.label): the client is shut down",
                                detail: .client
                            )
                        )
                        return
                    }
                    guard !Task.isCancelled else {
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    let action = state.pools[endpoint, default: makePool()].acquire(
                        waiter: waiterID,
                        forceNew: forceNew
                    )
                    switch action {
                    case .granted(let grant):
                        continuation.resume(returning: state.lease(for: grant))
                    case .wait(let ids):
                        closing = ids.compactMap { state.connections[$0]?.channel }
                        let timer = eventLoopGroup.next().scheduleTask(deadline: request.deadline) { [weak self] in
                            guard let self else { return }
                            self.stopWaiting(waiterID, at: endpoint, error: request.noConnectionError)
                        }
                        state.waiters[waiterID] = Waiter(continuation: continuation, timer: timer)
                    }
                }
            }
        } onCancel: {
            stopWaiting(waiterID, at: endpoint, error: CancellationError())
        }
    }

    private func makePool() -> ConnectionPoolStateMachine {
        ConnectionPoolStateMachine(
            maximumIdle: configuration.maximumIdleConnectionsPerEndpoint,
            maximumConnections: configuration.maximumConnectionsPerEndpoint
        )
    }

    /// Fails a waiting request, if it is still waiting.
    private func stopWaiting(_ waiterID: Int, at endpoint: ClientEndpoint, error: any Error) {
        state.withLock { state in
            guard state.pools[endpoint]?.cancelWaiter(waiterID) == true,
                let waiter = state.waiters.removeValue(forKey: waiterID)
            else { return }
            waiter.timer.cancel()
            waiter.continuation.resume(throwing: error)
        }
    }

    /// Records a new connection as leased to its requester.
    func connected(
        _ channel: any Channel,
        failure: ConnectionFailureRecord,
        to endpoint: ClientEndpoint,
        id: Int,
        generation: Int
    ) -> PooledConnection {
        let connection = PooledConnection(
            id: id,
            endpoint: endpoint,
            channel: channel,
            failure: failure,
            idleTimer: nil
        )
        state.withLock { state in
            state.pools[endpoint, default: makePool()].connected(id, generation: generation)
            state.connections[id] = connection
        }
        // Registered after the connection is known, so a channel already closed is noticed too.
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.connectionClosed(id, at: endpoint)
        }
        return connection
    }

    /// A connection attempt failed; its slot may go to a waiter.
    func connectFailed(to endpoint: ClientEndpoint) {
        state.withLock { state in
            guard let grants = state.pools[endpoint]?.connectFailed() else { return }
            state.deliver(grants)
            dropPoolIfEmpty(endpoint, in: &state)
        }
    }

    /// Returns a leased connection to its pool: kept idle, handed to a waiter, or closed.
    private func release(_ connection: PooledConnection, reusable: Bool) {
        let endpoint = connection.endpoint
        let id = connection.id
        let closeIt = state.withLock { state -> Bool in
            let action = state.pools[endpoint]?.release(id, reusable: reusable, currentGeneration: state.generation)
            switch action {
            case .keepIdle(let token):
                state.connections[id]?.idleTimer = connection.channel.eventLoop.scheduleTask(
                    in: TimeAmount(configuration.idleTimeout)
                ) { [weak self] in
                    guard let self else { return }
                    self.idleTimerFired(id, token: token, at: endpoint)
                }
                return false
            case .handOver(let waiterID):
                state.deliver([(waiterID, .use(id))])
                return false
            case .close, nil:
                return true
            }
        }
        if closeIt { connection.channel.close(promise: nil) }
    }

    private func idleTimerFired(_ id: Int, token: Int, at endpoint: ClientEndpoint) {
        let channel = state.withLock { state -> (any Channel)? in
            guard state.pools[endpoint]?.idleTimerFired(id, token: token) == true else { return nil }
            return state.connections[id]?.channel
        }
        channel?.close(promise: nil)
    }

    private func connectionClosed(_ id: Int, at endpoint: ClientEndpoint) {
        state.withLock { state in
            state.connections.removeValue(forKey: id)?.idleTimer?.cancel()
            guard let grants = state.pools[endpoint]?.connectionClosed(id) else { return }
            state.deliver(grants)
            dropPoolIfEmpty(endpoint, in: &state)
        }
    }

    private func dropPoolIfEmpty(_ endpoint: ClientEndpoint, in state: inout State) {
        if state.pools[endpoint]?.isEmpty == true, !state.isShutDown {
            state.pools.removeValue(forKey: endpoint)
        }
    }

    private static func checkRole(_ context: TLSContext) throws(HubNodeError) {
        guard context.role == .client else {
            let error = HubNodeError(
                .tlsConfiguration,
                "the HTTP client needs a TLSContext with the client role",
                detail: .tls()
            )
            throw HubNodeError(.tls, error.message, detail: .client, cause: error)
        }
    }
}
