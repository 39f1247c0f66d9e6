import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request checked and framed, with its deadline.
struct PreparedRequest: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var endpoint: ClientEndpoint
    var deadline: NIODeadline
    var timeout: Duration
    /// `METHOD /path to host:port`, for messages.
    var label: String

    /// The error when no connection became free before the deadline.
    var noConnectionError: HubNodeError {
        HubNodeError(.requestTimeout, "\(label): no connection became free within \(timeout)", detail: .client)
    }
}

extension HubHTTPClient {
    // MARK: Connecting

    /// Opens a new connection for `request` in the slot the pool reserved:
    /// TCP connect and TLS handshake within the connect timeout (and the
    /// request's deadline), then records it as leased.
    func connect(_ request: PreparedRequest) async throws -> PooledConnection {
        let endpoint = request.endpoint
        let (context, generation, id) = state.withLock { ($0.tlsContext, $0.generation, $0.makeID()) }
        do {
            let failure = ConnectionFailureRecord()
            let channel = try await openChannel(to: endpoint, context: context, failure: failure, request: request)
            return connected(channel, failure: failure, to: endpoint, id: id, generation: generation)
        } catch {
            connectFailed(to: endpoint)
            throw error
        }
    }

    private func openChannel(
        to endpoint: ClientEndpoint,
        context: TLSContext,
        failure: ConnectionFailureRecord,
        request: PreparedRequest
    ) async throws -> any Channel {
        let connectDeadline = NIODeadline.now() + TimeAmount(configuration.connectTimeout)
        let timeoutError: HubNodeError
        let deadline: NIODeadline
        if connectDeadline < request.deadline {
            deadline = connectDeadline
            timeoutError = HubNodeError(
                .connectTimeout,
                "cannot connect to \(endpoint): no TLS connection within \(configuration.connectTimeout)",
                detail: .client
            )
        } else {
            deadline = request.deadline
            timeoutError = HubNodeError(
                .requestTimeout,
                "\(request.label): no TLS connection before the request timeout of \(request.timeout)",
                detail: .client
            )
        }
        let loop = eventLoopGroup.next()
        let handshake = loop.makePromise(of: Void.self)
        let authority = endpoint.authority
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(max(deadline - .now(), .milliseconds(1)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(
                        try OpenSSLTLSHandler(
                            client: context,
                            serverHostname: endpoint.host,
                            expectedOIN: endpoint.expectedOIN
                        )
                    )
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(
                        ClientConnectionHandler(authority: authority, handshake: handshake, failure: failure)
                    )
                }
            }
        let timer = loop.scheduleTask(deadline: deadline) { handshake.fail(timeoutError) }
        defer { timer.cancel() }

        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            handshake.fail(error)
            throw Self.connectError(error, endpoint: endpoint, timeoutError: timeoutError)
        }
        do {
            try await withTaskCancellationHandler {
                try await handshake.futureResult.get()
            } onCancel: {
                handshake.fail(CancellationError())
            }
            return channel
        } catch {
            channel.close(promise: nil)
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    /// The client error for a failed `ClientBootstrap.connect`.
    private static func connectError(
        _ error: any Error,
        endpoint: ClientEndpoint,
        timeoutError: HubNodeError
    ) -> HubNodeError {
        switch error {
        case let error as HubNodeError where error.isTLS:
            return HubNodeError(.tls, "cannot connect to \(endpoint): \(error)", detail: .client, cause: error)
        case ChannelError.connectTimeout(_):
            return timeoutError
        case let error as NIOConnectionError:
            let timedOut = error.connectionErrors.contains { failure in
                if case ChannelError.connectTimeout = failure.error { return true }
                return false
            }
            if timedOut { return timeoutError }
            var reasons =
                error.connectionErrors.count == 1
                ? ["\(error.connectionErrors[0].error)"] : error.connectionErrors.map { "\($0.target): \($0.error)" }
            if reasons.isEmpty {
                reasons = [error.dnsAError, error.dnsAAAAError].compactMap { $0.map { "name lookup: \($0)" } }
            }
            let reason = reasons.isEmpty ? "no address to connect to" : reasons.joined(separator: "; ")
            return HubNodeError(
                .connectFailed,
                "cannot connect to \(endpoint): \(reason)",
                detail: .client,
                cause: error
            )
        default:
            return HubNodeError(
                .connectFailed,
                "cannot connect to \(endpoint): \(error)",
                detail: .client,
                cause: error
            )
        }
    }

    // MARK: Sending

    /// Runs one attempt of `request` on `connection`; fails with `AttemptFailure`.
    func send(_ request: PreparedRequest, on connection: PooledConnection) async throws -> AttemptResult {
        let channel = connection.channel
        let promise = channel.eventLoop.makePromise(of: AttemptResult.self)
        let task = ClientRequestTask(
            head: request.head,
            body: request.body,
            deadline: request.deadline,
            timeout: request.timeout,
            label: request.label,
            maximumResponseBodyBytes: configuration.maximumResponseBodyBytes,
            promise: promise
        )
        let accepted = channel.eventLoop.makePromise(of: Void.self)
        let failure = connection.failure
        accepted.futureResult.whenFailure { _ in
            // The channel closed before the task reached the handler: nothing was written.
            let error =
                failure.error
                ?? HubNodeError(
                    .connectionClosed,
                    "\(request.label): the connection closed before the request",
                    detail: .client
                )
            promise.fail(AttemptFailure(error: error, requestMaybeSent: false, responseStarted: false))
        }
        channel.writeAndFlush(task, promise: accepted)
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
            channel.close(promise: nil)
        }
    }

    // MARK: Framing

    /// `METHOD /path to host:port`: the path without its query, which may
    /// carry data that does not belong in logs.
    static func label(_ method: HTTPMethod, path: String, endpoint: ClientEndpoint) -> String {
        let bare = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let printable = bare.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
        return "\(method.rawValue) \(printable ? String(bare) : "(unprintable path)") to \(endpoint)"
    }

    /// The request head with the client's framing headers, after checking the
    /// path and the caller's headers cannot break the request's framing.
    static func makeHead(
        _ method: HTTPMethod,
        path: String,
        headers: [(String, String)],
        body: [UInt8]?,
        endpoint: ClientEndpoint,
        label: String
    ) throws(HubNodeError) -> HTTPRequestHead {
        guard path.hasPrefix("/"), path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HubNodeError(
                .invalidRequest,
                "\(label): the path must start with / and be printable ASCII",
                detail: .client
            )
        }
        let reserved: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: endpoint.authority)
        var hasContentType = false
        for (name, value) in headers {
            guard isToken(name) else {
                throw HubNodeError(.invalidRequest, "\(label): a header name is not an HTTP token", detail: .client)
            }
            guard !reserved.contains(name.lowercased()) else {
                throw HubNodeError(
                    .invalidRequest,
                    "\(label): the client sets the \(name) header itself",
                    detail: .client
                )
            }
            guard value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw HubNodeError(
                    .invalidRequest,
                    "\(label): the value of header \(name) has control characters",
                    detail: .client
                )
            }
            hasContentType = hasContentType || name.lowercased() == "content-type"
            fields.add(name: name, value: value)
        }
        if let body {
            if !hasContentType { fields.add(name: "Content-Type", value: "application/json; charset=utf-8") }
            fields.add(name: "Content-Length", value: String(body.count))
        } else if method == .POST || method == .PUT || method == .PATCH {
            fields.add(name: "Content-Length", value: "0")
        }
        fields.add(name: "Connection", value: "keep-alive")
        return HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: fields)
    }

    /// Whether `name` is an RFC 9110 token (the only valid header names).
    private static func isToken(_ name: String) -> Bool {
        let symbols = Set("!#$%&'*+-.^_`|~".utf8)
        return !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || symbols.contains(byte)
            }
    }
}
