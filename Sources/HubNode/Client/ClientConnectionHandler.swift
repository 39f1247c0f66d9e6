import NIOCore
import NIOHTTP1

/// The last handler of a client connection (behind the TLS handler and the
/// HTTP/1.1 client codec): reports the end of the TLS handshake, then runs one
/// `ClientRequestTask` at a time, collecting its response up to the size
/// limit and enforcing its deadline.
///
/// Every failure of a request in flight completes its promise with an
/// `AttemptFailure` and closes the connection: a connection whose request
/// failed is never reused.
final class ClientConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = ClientRequestTask
    typealias OutboundOut = HTTPClientRequestPart

    private struct InFlight {
        var task: ClientRequestTask
        var number: Int
        var headWriteFailed = false
        var responseHead: HTTPResponseHead?
        var body: ByteBuffer?
        var timer: Scheduled<Void>?
    }

    private let authority: String
    private let failure: ConnectionFailureRecord
    private var handshake: EventLoopPromise<Void>?
    private var inFlight: InFlight?
    private var requestCount = 0
    private var isClosed = false

    /// A handler for a connection to `authority` (`host:port`, for messages);
    /// `handshake` succeeds when TLS has completed and verified the server;
    /// the error that ends the connection goes into `failure`.
    init(authority: String, handshake: EventLoopPromise<Void>, failure: ConnectionFailureRecord) {
        self.authority = authority
        self.handshake = handshake
        self.failure = failure
    }

    // MARK: Lifecycle

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TLSHandshakeCompleted, let handshake {
            self.handshake = nil
            handshake.succeed(())
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failure.record(Self.map(error, what: "connection to \(authority)"))
        if let handshake {
            self.handshake = nil
            handshake.fail(Self.map(error, what: "TLS handshake with \(authority)"))
        }
        if let current = inFlight {
            fail(Self.map(error, what: current.task.label), context: context)
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connectionEnded(context: context)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connectionEnded(context: context)
    }

    private func connectionEnded(context: ChannelHandlerContext) {
        isClosed = true
        if let handshake {
            self.handshake = nil
            handshake.fail(
                HubNodeError(
                    .connectionClosed,
                    "\(authority) closed the connection during the TLS handshake",
                    detail: .client
                )
            )
        }
        if let current = inFlight {
            fail(
                HubNodeError(
                    .connectionClosed,
                    "\(current.task.label): the connection closed before the response was complete",
                    detail: .client
                ),
                context: context
            )
        }
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let task = unwrapOutboundIn(data)
        // The task is ours now; its own promise reports everything else.
        promise?.succeed(())
        guard !isClosed, handshake == nil, inFlight == nil else {
            let error =
                failure.error
                ?? HubNodeError(
                    .connectionClosed,
                    "\(task.label): the connection is not ready for a request",
                    detail: .client
                )
            task.promise.fail(AttemptFailure(error: error, requestMaybeSent: false, responseStarted: false))
            return
        }
        requestCount += 1
        let number = requestCount
        var current = InFlight(task: task, number: number)
        current.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: task.deadline) { [self] in
            guard inFlight?.number == number else { return }
            fail(
                HubNodeError(
                    .requestTimeout,
                    "\(task.label): no complete response within \(task.timeout)",
                    detail: .client
                ),
                context: context
            )
        }
        inFlight = current

        let headWritten = context.eventLoop.makePromise(of: Void.self)
        headWritten.futureResult.assumeIsolated().whenFailure { [self] error in
            guard inFlight?.number == number else { return }
            // The head is the first TLS record of the request: if it was not written whole,
            // the server cannot have read any of the request.
            inFlight?.headWriteFailed = true
            fail(Self.map(error, what: task.label), context: context)
        }
        context.write(wrapOutboundOut(.head(task.head)), promise: headWritten)
        if let body = task.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let current = inFlight else {
            // An answer nobody asked for: the connection is out of step, so it cannot be reused.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            let limit = current.task.maximumResponseBodyBytes
            let announced = head.headers.first(name: "content-length").flatMap { Int($0) }
            if let announced, announced > limit {
                fail(tooLarge(current.task, announced: announced), context: context)
                return
            }
            inFlight?.responseHead = head
            inFlight?.body = context.channel.allocator.buffer(capacity: min(announced ?? 16 * 1024, limit))
        case .body(var part):
            let received = (current.body?.readableBytes ?? 0) + part.readableBytes
            guard received <= current.task.maximumResponseBodyBytes else {
                fail(tooLarge(current.task, announced: nil), context: context)
                return
            }
            // Written in place: a copy of `current` would make every append copy the body.
            inFlight?.body?.writeBuffer(&part)
        case .end:
            complete(context: context)
        }
    }

    private func complete(context: ChannelHandlerContext) {
        guard let current = inFlight, let head = current.responseHead else { return }
        inFlight = nil
        current.timer?.cancel()
        let body = current.body.map { Array($0.readableBytesView) } ?? []
        let response = ClientResponse(
            status: Int(head.status.code),
            headers: head.headers.map { ($0.name, $0.value) },
            body: body
        )
        let keepAlive = head.isKeepAlive
        current.task.promise.succeed(AttemptResult(response: response, keepAlive: keepAlive))
        if !keepAlive { context.close(promise: nil) }
    }

    // MARK: Failures

    private func tooLarge(_ task: ClientRequestTask, announced: Int?) -> HubNodeError {
        let limit = task.maximumResponseBodyBytes
        guard let announced else {
            return HubNodeError(
                .responseTooLarge,
                "\(task.label): the response body exceeds the \(limit) bytes accepted",
                detail: .client
            )
        }
        return HubNodeError(
            .responseTooLarge,
            "\(task.label): the server announced a \(announced)-byte body, more than the \(limit) bytes accepted",
            detail: .client
        )
    }

    /// Fails the request in flight, if any, and closes the connection.
    private func fail(_ error: HubNodeError, context: ChannelHandlerContext) {
        guard let current = inFlight else { return }
        inFlight = nil
        current.timer?.cancel()
        current.task.promise.fail(
            AttemptFailure(
                error: error,
                requestMaybeSent: !current.headWriteFailed,
                responseStarted: current.responseHead != nil
            )
        )
        context.close(promise: nil)
    }

    /// The client error for an error of the channel during `what`.
    static func map(_ error: any Error, what: String) -> HubNodeError {
        switch error {
        case let error as HubNodeError where error.detail == .client:
            return error
        case let error as HubNodeError where error.isTLS && error.code == .closedWithoutCloseNotify:
            return HubNodeError(.connectionClosed, "\(what): \(error.message)", detail: .client, cause: error)
        case let error as HubNodeError where error.isTLS:
            return HubNodeError(.tls, "\(what): \(error)", detail: .client, cause: error)
        case let error as HTTPParserError:
            return HubNodeError(
                .invalidResponse,
                "\(what): the answer is not valid HTTP/1.1 (\(error))",
                detail: .client,
                cause: error
            )
        default:
            return HubNodeError(
                .connectionClosed,
                "\(what): the connection failed (\(error))",
                detail: .client,
                cause: error
            )
        }
    }
}

@available(*, unavailable)
extension ClientConnectionHandler: Sendable {}
