import Foundation
import HubNode
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// What a `TestHTTPServer` has seen, shared by its connections.
final class TestServerStats: Sendable {
    struct Snapshot: Sendable {
        /// Connections accepted so far.
        var accepted = 0
        /// Connections closed so far.
        var closed = 0
        /// Requests answered or being answered.
        var requests = 0
        var inFlight = 0
        var maximumInFlight = 0
        /// The client certificate's CN per connection number.
        var clientNames: [Int: String] = [:]
        var open: Int { accepted - closed }
    }

    private let state = Mutex(Snapshot())
    private let channels = Mutex<[Int: any Channel]>([:])

    var snapshot: Snapshot { state.withLock { $0 } }

    func opened(_ channel: any Channel) -> Int {
        let number = state.withLock { state in
            state.accepted += 1
            return state.accepted
        }
        channels.withLock { $0[number] = channel }
        return number
    }

    func closed(_ number: Int) {
        channels.withLock { _ = $0.removeValue(forKey: number) }
        state.withLock { $0.closed += 1 }
    }

    func handshake(_ number: Int, clientName: String?) {
        state.withLock { $0.clientNames[number] = clientName ?? "?" }
    }

    func requestStarted() {
        state.withLock { state in
            state.requests += 1
            state.inFlight += 1
            state.maximumInFlight = max(state.maximumInFlight, state.inFlight)
        }
    }

    func requestEnded() {
        state.withLock { $0.inFlight -= 1 }
    }

    /// Closes every open connection from the server side (close_notify, then TCP close).
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }

    /// Waits (polling) until `condition` holds, up to `timeout`; returns the last snapshot.
    func wait(timeout: Duration = .seconds(10), until condition: (Snapshot) -> Bool) async throws -> Snapshot {
        try await poll(timeout: timeout) {
            snapshot
        } until: {
            condition($0)
        }
    }
}

/// Polls `value` until `condition` holds or `timeout` passes; returns the last value.
func poll<T>(timeout: Duration = .seconds(10), _ value: () -> T, until condition: (T) -> Bool) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        let current = value()
        if condition(current) { return current }
        try await Task.sleep(for: .milliseconds(10))
    }
    return value()
}

/// A small HTTP/1.1 server over the node's TLS handler (server mode) on
/// 127.0.0.1, port 0, answering by path:
///
/// - `/echo`: 200 with the request body; `X-Method`, `X-Host`,
///   `X-Content-Type`, `X-Content-Length`, `X-Connection` tell what arrived.
/// - `/slow?ms=N`: 200 after N milliseconds.
/// - `/hang`: never answers.
/// - `/big?size=N`: 200 with N bytes and a Content-Length.
/// - `/big-chunked?size=N`: 200 with N bytes, chunked.
/// - `/close`: 200 with `Connection: close`, then closes.
/// - `/drop-on-reuse`: 200 on a connection's first request; on a later one
///   closes the connection without answering.
/// - `/retry-after-date`: 429 with `Retry-After` an HTTP-date 60 s ahead.
/// - `/v1/messages`: 200 with the request body.
/// - `/v1/descriptor`: 503 with `Retry-After: 120`.
final class TestHTTPServer: Sendable {
    let channel: any Channel
    let port: Int
    let stats: TestServerStats

    static func start(group: MultiThreadedEventLoopGroup, context: TLSContext) async throws -> TestHTTPServer {
        let stats = TestServerStats()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let number = stats.opened(channel)
                    channel.closeFuture.whenComplete { _ in stats.closed(number) }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(try OpenSSLTLSHandler(server: context))
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(TestHTTPHandler(stats: stats, connection: number))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        return TestHTTPServer(channel: channel, port: port, stats: stats)
    }

    private init(channel: any Channel, port: Int, stats: TestServerStats) {
        self.channel = channel
        self.port = port
        self.stats = stats
    }

    /// Stops listening and closes every connection.
    func stop() async {
        try? await channel.close()
        stats.closeAll()
    }
}

/// Answers requests for `TestHTTPServer`.
final class TestHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let stats: TestServerStats
    private let connection: Int
    private var requestsOnConnection = 0
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(stats: TestServerStats, connection: Int) {
        self.stats = stats
        self.connection = connection
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted {
            stats.handshake(connection, clientName: completed.peer.commonName)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            requestsOnConnection += 1
            guard let head else { return }
            stats.requestStarted()
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let parts = head.uri.split(separator: "?", maxSplits: 1).map(String.init)
        let path = parts.first ?? ""
        let query = parts.count > 1 ? parts[1] : ""
        let number = Int(query.split(separator: "=").last ?? "") ?? 0
        switch path {
        case "/echo", "/v1/messages":
            let seen = [
                ("X-Method", head.method.rawValue),
                ("X-Host", head.headers.first(name: "host") ?? "none"),
                ("X-Content-Type", head.headers.first(name: "content-type") ?? "none"),
                ("X-Content-Length", head.headers.first(name: "content-length") ?? "none"),
                ("X-Connection", String(connection)),
                ("Content-Type", "application/json; charset=utf-8"),
            ]
            respond(.ok, headers: seen, body: body, context: context)
        case "/slow":
            let loop = context.eventLoop.assumeIsolated()
            loop.scheduleTask(in: .milliseconds(Int64(number))) { [self] in
                respond(.ok, body: ByteBuffer(string: "slow"), context: context)
            }
        case "/hang":
            break
        case "/big":
            respond(.ok, body: ByteBuffer(repeating: 0x61, count: number), context: context)
        case "/big-chunked":
            respondChunked(size: number, context: context)
        case "/close":
            respond(.ok, body: ByteBuffer(string: "bye"), close: true, context: context)
        case "/drop-on-reuse" where requestsOnConnection > 1:
            stats.requestEnded()
            context.close(promise: nil)
        case "/drop-on-reuse":
            respond(.ok, headers: [("X-Connection", String(connection))], body: ByteBuffer(), context: context)
        case "/retry-after-date":
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let date = formatter.string(from: Date().addingTimeInterval(60))
            respond(.tooManyRequests, headers: [("Retry-After", date)], body: ByteBuffer(), context: context)
        case "/v1/descriptor":
            let error = #"{"error":{"code":"storage_unavailable","message":"try later"}}"#
            respond(
                .serviceUnavailable,
                headers: [("Retry-After", "120")],
                body: ByteBuffer(string: error),
                context: context
            )
        default:
            respond(.notFound, body: ByteBuffer(), context: context)
        }
    }

    private func respond(
        _ status: HTTPResponseStatus,
        headers: [(String, String)] = [],
        body: ByteBuffer,
        close: Bool = false,
        context: ChannelHandlerContext
    ) {
        var fields = HTTPHeaders(headers)
        fields.add(name: "Content-Length", value: String(body.readableBytes))
        if close { fields.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: fields))),
            promise: nil
        )
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        stats.requestEnded()
        if close {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func respondChunked(size: Int, context: ChannelHandlerContext) {
        let fields = HTTPHeaders([("Transfer-Encoding", "chunked")])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: fields))),
            promise: nil
        )
        var remaining = size
        while remaining > 0 {
            let count = min(remaining, 64 * 1024)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(repeating: 0x62, count: count)))), promise: nil)
            remaining -= count
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        stats.requestEnded()
    }
}

/// Ports that refuse or ignore connections.
enum TestPorts {
    /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
    static func closed(group: MultiThreadedEventLoopGroup) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }

    /// A server that accepts TCP connections and never says anything (no TLS).
    static func silent(group: MultiThreadedEventLoopGroup) async throws -> (channel: any Channel, port: Int) {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        return (channel, try #require(channel.localAddress?.port))
    }
}
