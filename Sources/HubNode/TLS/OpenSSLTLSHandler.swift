public import NIOCore

/// A SwiftNIO channel handler that runs TLS with OpenSSL over two memory BIOs,
/// in server or client mode, with the hub's TLS policy (`TLSContext`).
///
/// Put it in front of the protocol handlers (for a server behind a
/// `HandshakeLimiter` handler): it reads ciphertext and passes plaintext on;
/// it takes plaintext writes and writes ciphertext. Once the handshake has
/// completed and verified the peer, it fires `TLSHandshakeCompleted` as an
/// inbound user event before any application data; writes made earlier are
/// buffered (at most `maximumBufferedBytes`) and sent after it.
///
/// Failures reach the pipeline's `errorCaught` as a ``HubNodeError`` of the
/// TLS layer and close the channel, after flushing any alert OpenSSL produced
/// so the peer learns why.
/// In TLS 1.3 a client finishes its handshake before the server has checked
/// the client certificate: a refused client sees `TLSHandshakeCompleted` and
/// then an `.alertReceived` error (for example "certificate required").
/// `close(mode: .all)` sends close_notify before closing, and a close_notify
/// from the peer is answered and closes the channel; `close(mode: .output)`
/// sends close_notify and closes our half, and `.input` is unsupported.
///
/// Backpressure: memory BIOs never refuse data, so the handler keeps no
/// queue once the handshake is done. Ciphertext goes straight to the channel,
/// whose writability then reflects it; plaintext is passed on at most
/// `maximumPlaintextPerRead` bytes per `channelRead`.
public final class OpenSSLTLSHandler: ChannelDuplexHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    /// The most plaintext passed on in one `channelRead` (one TLS record).
    public static let maximumPlaintextPerRead = 16 * 1024
    /// The most plaintext the handler buffers before the handshake completes;
    /// writes past it fail with `.bufferLimitExceeded`. Room for an 8 MiB body.
    public static let maximumBufferedBytes = 16 * 1024 * 1024
    /// Plaintext is encrypted in slices of this size, so the write BIO stays small.
    private static let writeSlice = 64 * 1024

    private struct BufferedWrite {
        var data: ByteBuffer
        var promise: EventLoopPromise<Void>?
    }

    private let connection: TLSConnection
    private let expectedOIN: String?
    private let handshakeTimeout: TimeAmount
    private let timeoutDescription: String
    private var machine = TLSHandlerStateMachine(maximumBufferedBytes: OpenSSLTLSHandler.maximumBufferedBytes)
    private var bufferedWrites: CircularBuffer<BufferedWrite> = []
    private var handshakeTimer: Scheduled<Void>?
    private var deliveredPlaintext = false
    private var scratch: ByteBuffer?

    /// The verified peer, once the handshake has completed.
    public private(set) var peer: TLSPeer?
    /// The ALPN protocol agreed in the handshake, if any.
    public private(set) var negotiatedProtocol: String?

    /// A handler for an accepted connection; `context` must have the server role.
    public convenience init(server context: TLSContext) throws(HubNodeError) {
        guard context.role == .server else {
            throw HubNodeError(.tlsConfiguration, "a server handler needs a server TLSContext", detail: .tls())
        }
        try self.init(context: context, serverHostname: nil, expectedOIN: nil)
    }

    /// A handler for a connection dialled to `serverHostname` (the DNS name or
    /// IP literal dialled, checked against the server certificate's SANs; a
    /// DNS name is also sent as SNI). With `expectedOIN`, a server certificate
    /// carrying another OIN fails with `.unexpectedOIN`. `context` must have
    /// the client role.
    public convenience init(
        client context: TLSContext,
        serverHostname: String,
        expectedOIN: String?
    ) throws(HubNodeError) {
        guard context.role == .client else {
            throw HubNodeError(.tlsConfiguration, "a client handler needs a client TLSContext", detail: .tls())
        }
        try self.init(context: context, serverHostname: serverHostname, expectedOIN: expectedOIN)
    }

    private init(context: TLSContext, serverHostname: String?, expectedOIN: String?) throws(HubNodeError) {
        self.connection = try TLSConnection(context: context, serverHostname: serverHostname)
        self.expectedOIN = expectedOIN
        let timeout = context.configuration.handshakeTimeout
        self.handshakeTimeout = TimeAmount(timeout)
        self.timeoutDescription = "\(timeout)"
    }

    // MARK: Lifecycle

    public func handlerAdded(context: ChannelHandlerContext) {
        scratch = context.channel.allocator.buffer(capacity: Self.maximumPlaintextPerRead)
        if context.channel.isActive { start(context: context) }
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        cancelHandshakeTimer()
        failBufferedWrites(ChannelError.ioOnClosedChannel)
    }

    public func channelActive(context: ChannelHandlerContext) {
        // Fired first so that handlers behind see active before any inactive a failed step causes.
        context.fireChannelActive()
        start(context: context)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        cancelHandshakeTimer()
        let action = machine.channelInactive()
        failBufferedWrites(ChannelError.ioOnClosedChannel)
        if case .fireError(let error) = action { context.fireErrorCaught(error) }
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            switch machine.inputClosed() {
            case .fail(let error): perform(machine.failed(error), context: context)
            case .close: context.close(promise: nil)
            case .none: break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func start(context: ChannelHandlerContext) {
        switch machine.channelActive() {
        case .startHandshake:
            scheduleHandshakeTimer(context: context)
            handshakeStep(context: context)
        case .none:
            break
        }
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let ciphertext = unwrapInboundIn(data)
        switch machine.bytesReceived() {
        case .handshake:
            connection.feed(ciphertext)
            scheduleHandshakeTimer(context: context)
            handshakeStep(context: context)
        case .decode:
            connection.feed(ciphertext)
            decode(context: context)
        case .discard:
            break
        }
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        if deliveredPlaintext {
            deliveredPlaintext = false
            context.fireChannelReadComplete()
        } else if machine.state != .closed,
            (try? context.channel.syncOptions?.getOption(ChannelOptions.autoRead)) == false
        {
            // The next handler's read produced no plaintext (a handshake message or part of a
            // record), so ask for more on its behalf or the connection stalls.
            context.read()
        }
    }

    private func handshakeStep(context: ChannelHandlerContext) {
        switch connection.handshake() {
        case .wantRead:
            flushOutput(context: context)
        case .complete:
            // The client's Finished, written by this last step.
            flushOutput(context: context)
            completeHandshake(context: context)
        case .failed(let error):
            perform(machine.failed(error), context: context)
        }
    }

    private func completeHandshake(context: ChannelHandlerContext) {
        let peer: TLSPeer
        do throws(HubNodeError) {
            peer = try connection.verifiedPeer()
            if let expectedOIN, peer.oin != expectedOIN {
                throw HubNodeError(
                    .unexpectedOIN,
                    "the server certificate carries OIN \(peer.oin ?? "(none)") where \(expectedOIN) was expected",
                    detail: .tls()
                )
            }
        } catch {
            perform(machine.failed(error), context: context)
            return
        }
        guard case .activate(let flushBufferedWrites) = machine.handshakeCompleted() else { return }
        cancelHandshakeTimer()
        self.peer = peer
        self.negotiatedProtocol = connection.negotiatedProtocol
        context.triggerUserOutboundEvent(TLSHandshakeEndedEvent(), promise: nil)
        context.fireUserInboundEventTriggered(TLSHandshakeCompleted(peer: peer, negotiatedProtocol: negotiatedProtocol))
        // Application data may have arrived together with the last handshake flight.
        decode(context: context)
        while machine.state == .active, let write = bufferedWrites.popFirst() {
            encrypt(write.data, promise: write.promise, context: context)
        }
        if flushBufferedWrites && machine.state == .active { context.flush() }
    }

    /// Reads plaintext until OpenSSL needs more ciphertext, one record at a time.
    private func decode(context: ChannelHandlerContext) {
        while machine.state == .active || machine.state == .closing {
            var buffer = scratch ?? context.channel.allocator.buffer(capacity: Self.maximumPlaintextPerRead)
            scratch = nil
            buffer.clear()
            let step = connection.read(into: &buffer, maximum: Self.maximumPlaintextPerRead)
            // Reading can produce output too (a KeyUpdate answer, an alert).
            flushOutput(context: context)
            switch step {
            case .data:
                deliveredPlaintext = true
                context.fireChannelRead(wrapInboundOut(buffer))
            case .wantRead:
                scratch = buffer
                return
            case .closeNotify:
                scratch = buffer
                closeNotifyReceived(context: context)
                return
            case .failed(let error):
                perform(machine.failed(error), context: context)
                return
            }
        }
    }

    private func closeNotifyReceived(context: ChannelHandlerContext) {
        switch machine.closeNotifyReceived() {
        case .answerAndClose:
            connection.shutdown()
            closeAfterFlushingOutput(context: context, mode: .all, promise: nil)
        case .close:
            context.close(promise: nil)
        case .none:
            break
        }
    }

    // MARK: Outbound

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch machine.write(byteCount: plaintext.readableBytes) {
        case .buffer:
            bufferedWrites.append(BufferedWrite(data: plaintext, promise: promise))
        case .encrypt:
            encrypt(plaintext, promise: promise, context: context)
        case .failBufferFull(let error):
            promise?.fail(error)
        case .failClosed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    public func flush(context: ChannelHandlerContext) {
        switch machine.flush() {
        case .deferUntilActive: break
        case .forward: context.flush()
        }
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode != .input else {
            promise?.fail(ChannelError.operationUnsupported)
            return
        }
        switch machine.closeRequested() {
        case .closeNow:
            cancelHandshakeTimer()
            failBufferedWrites(ChannelError.ioOnClosedChannel)
            context.close(mode: .all, promise: promise)
        case .sendCloseNotify:
            connection.shutdown()
            closeAfterFlushingOutput(context: context, mode: mode, promise: promise)
        }
    }

    private func encrypt(_ plaintext: ByteBuffer, promise: EventLoopPromise<Void>?, context: ChannelHandlerContext) {
        guard plaintext.readableBytes > 0 else {
            // Nothing to encrypt; an empty write keeps the promise in order with the others.
            context.write(wrapOutboundOut(plaintext), promise: promise)
            return
        }
        var remaining = plaintext
        while let slice = remaining.readSlice(length: min(remaining.readableBytes, Self.writeSlice)),
            slice.readableBytes > 0
        {
            if let error = connection.write(slice) {
                promise?.fail(error)
                perform(machine.failed(error), context: context)
                return
            }
            let isLast = remaining.readableBytes == 0
            if let ciphertext = connection.takeOutput(allocator: context.channel.allocator) {
                context.write(wrapOutboundOut(ciphertext), promise: isLast ? promise : nil)
            } else if isLast {
                promise?.succeed(())
            }
        }
    }

    // MARK: Helpers

    /// Writes and flushes whatever OpenSSL has produced, completing `promise` when written.
    private func flushOutput(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        if let output = connection.takeOutput(allocator: context.channel.allocator) {
            context.writeAndFlush(wrapOutboundOut(output), promise: promise)
        } else {
            promise?.succeed(())
        }
    }

    /// Sends OpenSSL's pending output (an alert, a close_notify), then closes; a
    /// peer that never reads gets the close after the handshake timeout anyway.
    private func closeAfterFlushingOutput(
        context: ChannelHandlerContext,
        mode: CloseMode,
        promise: EventLoopPromise<Void>?
    ) {
        if deliveredPlaintext {
            deliveredPlaintext = false
            context.fireChannelReadComplete()
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        let loop = context.eventLoop.assumeIsolated()
        let backstop = loop.scheduleTask(in: handshakeTimeout) {
            context.close(mode: mode, promise: nil)
        }
        written.futureResult.assumeIsolated().whenComplete { _ in
            backstop.cancel()
            context.close(mode: mode, promise: promise)
        }
        flushOutput(context: context, promise: written)
    }

    private func perform(_ action: TLSHandlerStateMachine.FailAction, context: ChannelHandlerContext) {
        guard case .flushAndClose(let error) = action else { return }
        cancelHandshakeTimer()
        failBufferedWrites(error)
        context.fireErrorCaught(error)
        closeAfterFlushingOutput(context: context, mode: .all, promise: nil)
    }

    private func scheduleHandshakeTimer(context: ChannelHandlerContext) {
        guard handshakeTimer == nil, machine.state == .handshaking else { return }
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) { [self] in
            handshakeTimer = nil
            perform(machine.handshakeTimedOut(after: timeoutDescription), context: context)
        }
    }

    private func cancelHandshakeTimer() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }

    private func failBufferedWrites(_ error: any Error) {
        while let write = bufferedWrites.popFirst() {
            write.promise?.fail(error)
        }
    }
}

@available(*, unavailable)
extension OpenSSLTLSHandler: Sendable {}

/// The outbound user event the TLS handler sends towards the head of the
/// pipeline when a handshake has completed, so a `HandshakeLimiter` handler
/// in front of it can release the connection's slot.
struct TLSHandshakeEndedEvent: Sendable {}

extension ChannelPipeline.SynchronousOperations {
    /// The verified peer of this channel's TLS handler, or `nil` before the
    /// handshake has completed; throws if the pipeline has no TLS handler.
    public func tlsPeer() throws -> TLSPeer? {
        try handler(type: OpenSSLTLSHandler.self).peer
    }
}

extension Channel {
    /// The verified peer of this channel's TLS handler, read on its event
    /// loop; `nil` before the handshake has completed, a failed future if the
    /// pipeline has no TLS handler.
    public func tlsPeer() -> EventLoopFuture<TLSPeer?> {
        if eventLoop.inEventLoop {
            return eventLoop.makeCompletedFuture { try pipeline.syncOperations.tlsPeer() }
        }
        return eventLoop.submit { try self.pipeline.syncOperations.tlsPeer() }
    }
}
