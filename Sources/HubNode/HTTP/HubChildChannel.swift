import Foundation
import HTTPTypes
import HubProtocol
public import HummingbirdCore
public import Logging
public import NIOCore
internal import Synchronization

/// The current server TLS context, replaced on reload (SIGHUP); new connections use the new one.
public final class TLSContextBox: Sendable {
    private let context: Mutex<TLSContext>

    /// Starts with `context`.
    public init(_ context: TLSContext) { self.context = Mutex(context) }

    /// The context for new connections.
    public var current: TLSContext { context.withLock { $0 } }

    /// Replaces the context.
    public func replace(with context: TLSContext) { self.context.withLock { $0 = context } }
}

/// The hub's server child channel: handshake limit, OpenSSL TLS, then
/// Hummingbird's HTTP/1.1. The verified peer reaches handlers through
/// ``ConnectionInfo/current``, set for the connection's task.
public struct HubChildChannel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value

    let http: HTTP1Channel
    let tls: TLSContextBox
    let limiter: HandshakeLimiter
    let registry: ConnectionRegistry
    let classify: @Sendable (TLSPeer) -> Caller
    let maxHeaderBytes: Int
    let onHandshakeFailure: @Sendable (any Error) -> Void

    /// Makes the child channel; `onHandshakeFailure` sees the error of each
    /// handshake that did not complete (for metrics).
    public init(
        http: HTTP1Channel,
        tls: TLSContextBox,
        limiter: HandshakeLimiter,
        registry: ConnectionRegistry,
        classify: @escaping @Sendable (TLSPeer) -> Caller,
        maxHeaderBytes: Int = 16 << 10,
        onHandshakeFailure: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.http = http
        self.tls = tls
        self.limiter = limiter
        self.registry = registry
        self.classify = classify
        self.maxHeaderBytes = maxHeaderBytes
        self.onHandshakeFailure = onHandshakeFailure
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = tls.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(limiter.makeHandler())
            try channel.pipeline.syncOperations.addHandler(OpenSSLTLSHandler(server: context))
            try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(promise: channel.eventLoop.makePromise()))
            try channel.pipeline.syncOperations.addHandler(HeadSizeGuard(limit: maxHeaderBytes))
        }.flatMap {
            http.setup(channel: channel, logger: logger)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        let channel = value.channel
        // syncOperations must run on the channel's event loop.
        let handshake = channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: HandshakeWaiter.self).promise.futureResult
        }.flatMap { $0 }
        let peer: TLSPeer
        do {
            peer = try await handshake.get()
        } catch {
            // The handshake failed or timed out; the TLS handler has closed the channel.
            onHandshakeFailure(error)
            try? await value.executeThenClose { _, _ in }
            return
        }
        let caller = classify(peer)
        let excess = registry.register(channel, key: caller.limitKey, chain: peer.chain)
        let info = ConnectionInfo(caller: caller, excess: excess, spkiSHA256: peer.spkiSHA256)
        await ConnectionInfo.$current.withValue(info) {
            await http.handle(value: value, logger: logger)
        }
    }
}

/// Completes a promise with the verified peer when the TLS handshake finishes.
final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    let promise: EventLoopPromise<TLSPeer>

    init(promise: EventLoopPromise<TLSPeer>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let done = event as? TLSHandshakeCompleted { promise.succeed(done.peer) }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}

/// Answers a request head larger than the limit with `431` and closes
/// (PROTOCOL §3), instead of the decoder's bare `400`. It sits between TLS
/// and the HTTP decoder and follows request boundaries by `Content-Length`;
/// a chunked request body ends its watch (the decoder's limit still applies).
final class HeadSizeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case head(seen: Int, tail: [UInt8], headBytes: [UInt8])
        case body(remaining: Int)
        case off
    }

    private let limit: Int
    private var state: State = .head(seen: 0, tail: [], headBytes: [])

    init(limit: Int) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var bytes = Array(buffer.readableBytesView)[...]
        while !bytes.isEmpty {
            switch state {
            case .off:
                bytes = []
            case .body(let remaining):
                let n = min(remaining, bytes.count)
                bytes = bytes.dropFirst(n)
                state = remaining - n == 0 ? .head(seen: 0, tail: [], headBytes: []) : .body(remaining: remaining - n)
            case .head(var seen, var tail, var head):
                var consumed = 0
                var ended = false
                for byte in bytes {
                    consumed += 1
                    seen += 1
                    if head.count < 64 << 10 { head.append(byte) }
                    tail.append(byte)
                    if tail.count > 4 { tail.removeFirst() }
                    if tail == [13, 10, 13, 10] {
                        ended = true
                        break
                    }
                    if seen > limit {
                        refuse(context: context)
                        return
                    }
                }
                bytes = bytes.dropFirst(consumed)
                if ended {
                    state = Self.afterHead(head)
                } else {
                    state = .head(seen: seen, tail: tail, headBytes: head)
                }
            }
        }
        context.fireChannelRead(data)
    }

    /// What follows a complete head: its body by `Content-Length`, or no more watching.
    private static func afterHead(_ head: [UInt8]) -> State {
        let text = String(decoding: head, as: UTF8.self).lowercased()
        if text.contains("transfer-encoding:") { return .off }
        for line in text.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            let value = line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)
            if let n = Int(value), n >= 0 {
                return n == 0 ? .head(seen: 0, tail: [], headBytes: []) : .body(remaining: n)
            }
            return .off
        }
        return .head(seen: 0, tail: [], headBytes: [])
    }

    private func refuse(context: ChannelHandlerContext) {
        state = .off
        let body = HubHTTPError(
            .init(code: 431),
            "header_too_large",
            "the request header block is larger than \(limit) bytes"
        ).body
        var buffer = context.channel.allocator.buffer(capacity: body.count + 200)
        buffer.writeString(
            "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json; charset=utf-8\r\n"
                + "content-length: \(body.count)\r\nconnection: close\r\n\r\n"
        )
        buffer.writeBytes(body)
        let channel = context.channel
        context.writeAndFlush(NIOAny(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }
}
