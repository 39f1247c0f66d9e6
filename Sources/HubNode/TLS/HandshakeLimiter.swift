public import NIOCore
import Synchronization

/// Counts TLS handshakes in progress per source IP address and refuses
/// connections past a limit (PROTOCOL.md §2: at most 32 per address; the 33rd
/// connection is closed unread).
///
/// One limiter is shared by all connections of a listener. Each accepted
/// channel gets its own `HandshakeLimitHandler` from `makeHandler()`, placed
/// first in the pipeline, before the `OpenSSLTLSHandler`. A connection holds a
/// slot from the moment it is active until its handshake completes or it
/// closes, whichever comes first.
public final class HandshakeLimiter: Sendable {
    /// The most handshakes in progress per source address. The default is 32.
    public let maximumPerAddress: Int
    private let counts: Mutex<[String: Int]> = Mutex([:])
    private let onRefusal: @Sendable () -> Void

    /// Makes a limiter allowing `maximumPerAddress` handshakes in progress per
    /// address; `onRefusal` runs for each connection refused (for metrics).
    public init(maximumPerAddress: Int = 32, onRefusal: @escaping @Sendable () -> Void = {}) {
        precondition(maximumPerAddress > 0, "the handshake limit must be positive")
        self.maximumPerAddress = maximumPerAddress
        self.onRefusal = onRefusal
    }

    /// A new handler for one accepted channel.
    public func makeHandler() -> HandshakeLimitHandler {
        HandshakeLimitHandler(limiter: self)
    }

    /// The number of handshakes in progress from `address` (an IP address string).
    public func inProgress(from address: String) -> Int {
        counts.withLock { $0[address] ?? 0 }
    }

    /// Takes a slot for `address`, or returns `false` when it has none left.
    func acquire(_ address: String) -> Bool {
        let admitted = counts.withLock { counts in
            let current = counts[address] ?? 0
            guard current < maximumPerAddress else { return false }
            counts[address] = current + 1
            return true
        }
        if !admitted { onRefusal() }
        return admitted
    }

    /// Gives back a slot taken by `acquire(_:)`.
    func release(_ address: String) {
        counts.withLock { counts in
            guard let current = counts[address] else { return }
            counts[address] = current > 1 ? current - 1 : nil
        }
    }
}

/// The per-channel half of `HandshakeLimiter`: takes a slot when the channel
/// becomes active, closes the channel unread if there is none, and gives the
/// slot back when the TLS handshake completes or the channel closes.
public final class HandshakeLimitHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case holding(String)
        case released
        case refused
    }

    private let limiter: HandshakeLimiter
    private var state: State = .idle

    init(limiter: HandshakeLimiter) {
        self.limiter = limiter
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context: context, fireActive: false) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    public func channelActive(context: ChannelHandlerContext) {
        admit(context: context, fireActive: true)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused connection is closed unread: its bytes go nowhere.
        if case .refused = state { return }
        context.fireChannelRead(data)
    }

    public func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        if event is TLSHandshakeEndedEvent {
            release()
            promise?.succeed(())
            return
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    private func admit(context: ChannelHandlerContext, fireActive: Bool) {
        guard case .idle = state else {
            if fireActive { context.fireChannelActive() }
            return
        }
        // Connections without an IP address (Unix sockets, tests) share one key.
        let address = context.remoteAddress?.ipAddress ?? "-"
        if limiter.acquire(address) {
            state = .holding(address)
            if fireActive { context.fireChannelActive() }
        } else {
            state = .refused
            context.close(promise: nil)
        }
    }

    private func release() {
        if case .holding(let address) = state {
            limiter.release(address)
            state = .released
        }
    }
}

@available(*, unavailable)
extension HandshakeLimitHandler: Sendable {}
