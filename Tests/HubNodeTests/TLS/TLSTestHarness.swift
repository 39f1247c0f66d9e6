import HubNode
import NIOCore
import NIOEmbedded
import Synchronization

/// What a `RecordingHandler` saw behind a TLS handler.
struct Recording: Sendable {
    var handshakes: [TLSHandshakeCompleted] = []
    var tlsErrors: [HubNodeError] = []
    var otherErrors: [String] = []
    var received: [UInt8] = []
    var readCompletes = 0
    var isInactive = false

    var receivedText: String { String(decoding: received, as: UTF8.self) }
    var errorCodes: [HubNodeError.Code] { tlsErrors.map(\.code) }
}

/// Shared, thread-safe record of one channel's events.
final class RecordingLog: Sendable {
    private let state = Mutex(Recording())

    var snapshot: Recording { state.withLock { $0 } }

    func update(_ body: (inout Recording) -> Void) { state.withLock { body(&$0) } }

    /// Waits (polling) until `condition` holds, up to `timeout`.
    func wait(
        timeout: Duration = .seconds(10),
        until condition: (Recording) -> Bool
    ) async throws -> Recording {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let current = snapshot
            if condition(current) { return current }
            try await Task.sleep(for: .milliseconds(10))
        }
        return snapshot
    }
}

/// The handler behind the TLS handler in tests: records events, optionally
/// echoes data back and greets the peer after the handshake.
final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the handler does once the handshake completed.
    enum Behaviour {
        case record
        case echo
        /// Writes "hello <OIN>\n" and closes (with close_notify).
        case greetAndClose
    }

    let log: RecordingLog
    let behaviour: Behaviour

    init(log: RecordingLog, behaviour: Behaviour = .record) {
        self.log = log
        self.behaviour = behaviour
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let completed = event as? TLSHandshakeCompleted {
            log.update { $0.handshakes.append(completed) }
            if behaviour == .greetAndClose {
                let greeting = "hello \(completed.peer.oin ?? "?") \(completed.peer.commonName ?? "?")\n"
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: greeting)), promise: nil)
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        log.update { $0.received += Array(buffer.readableBytesView) }
        if behaviour == .echo { context.write(wrapOutboundOut(buffer), promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        log.update { $0.readCompletes += 1 }
        if behaviour == .echo { context.flush() }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HubNodeError, case .tls = error.detail {
            log.update { $0.tlsErrors.append(error) }
        } else {
            log.update { $0.otherErrors.append("\(error)") }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        log.update { $0.isInactive = true }
    }
}

/// A client and a server `EmbeddedChannel` on one loop, wired back to back.
final class BackToBackChannels {
    let loop = EmbeddedEventLoop()
    let client: EmbeddedChannel
    let server: EmbeddedChannel
    let clientLog = RecordingLog()
    let serverLog = RecordingLog()

    /// Channels with a server handler for `serverContext` and a client handler
    /// for `clientContext` dialling `host`.
    init(
        serverContext: TLSContext,
        clientContext: TLSContext,
        host: String = "localhost",
        expectedOIN: String? = TestPKI.arnhemOIN,
        serverBehaviour: RecordingHandler.Behaviour = .record
    ) throws {
        client = EmbeddedChannel(loop: loop)
        server = EmbeddedChannel(loop: loop)
        try server.pipeline.syncOperations.addHandlers([
            try OpenSSLTLSHandler(server: serverContext),
            RecordingHandler(log: serverLog, behaviour: serverBehaviour),
        ])
        try client.pipeline.syncOperations.addHandlers([
            try OpenSSLTLSHandler(client: clientContext, serverHostname: host, expectedOIN: expectedOIN),
            RecordingHandler(log: clientLog),
        ])
    }

    /// Activates both ends and moves bytes until neither has anything to send.
    func connect() throws {
        let address = try SocketAddress(ipAddress: "127.0.0.1", port: 443)
        _ = server.connect(to: address)
        _ = client.connect(to: address)
        try interact()
    }

    /// Moves bytes between the two ends until neither has anything to send.
    /// Bytes for a closed end are dropped, as the network would.
    func interact() throws {
        var moved = true
        while moved {
            moved = false
            loop.run()
            // Everything one end wrote so far arrives as one read, as one TCP segment would.
            if let bytes = try Self.drain(client) {
                moved = true
                if server.isActive { try server.writeInbound(bytes) }
            }
            if let bytes = try Self.drain(server) {
                moved = true
                if client.isActive { try client.writeInbound(bytes) }
            }
        }
    }

    /// Everything written by `channel` and not yet taken, as one buffer.
    static func drain(_ channel: EmbeddedChannel) throws -> ByteBuffer? {
        var all: ByteBuffer?
        while var bytes = try channel.readOutbound(as: ByteBuffer.self) {
            if all == nil { all = bytes } else { all!.writeBuffer(&bytes) }
        }
        return all
    }

    /// Writes `text` from one end and moves bytes.
    func send(_ text: String, from channel: EmbeddedChannel) throws {
        channel.writeAndFlush(channel.allocator.buffer(string: text), promise: nil)
        try interact()
    }
}
