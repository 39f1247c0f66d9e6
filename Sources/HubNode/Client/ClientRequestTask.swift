import NIOCore
import NIOHTTP1
import Synchronization

/// One request written to a `ClientConnectionHandler`, with the promise its
/// response completes.
struct ClientRequestTask: Sendable {
    /// The request head, framing headers included.
    var head: HTTPRequestHead
    /// The body, if any.
    var body: ByteBuffer?
    /// When the response must be complete.
    var deadline: NIODeadline
    /// The timeout as configured, for the error message.
    var timeout: Duration
    /// `METHOD /path to host:port`, for error messages (no query, no body).
    var label: String
    /// The largest response body accepted.
    var maximumResponseBodyBytes: Int
    /// Completed with the response, or failed with an `AttemptFailure`.
    var promise: EventLoopPromise<AttemptResult>
}

/// A complete response and whether its connection may be reused.
struct AttemptResult: Sendable {
    var response: ClientResponse
    var keepAlive: Bool
}

/// Why one attempt at a request failed, and how far it got: what decides
/// whether it may be retried on a fresh connection.
struct AttemptFailure: Error {
    /// The error the caller sees if the request is not retried.
    var error: HubNodeError
    /// Whether any of the request may have reached the server: true unless the
    /// write of its head is known to have failed.
    var requestMaybeSent: Bool
    /// Whether any of the response arrived.
    var responseStarted: Bool

    /// Whether the request may be sent again on a fresh connection: the
    /// connection closed under it before any answer, and either none of it
    /// was sent or the caller declared it idempotent.
    func allowsRetry(idempotent: Bool) -> Bool {
        error.code == .connectionClosed && !responseStarted && (!requestMaybeSent || idempotent)
    }
}

/// The first error that ended a connection, kept so that a request written
/// to it afterwards fails with the real reason (a TLS alert, say) rather than
/// "connection closed".
final class ConnectionFailureRecord: Sendable {
    private let first = Mutex<HubNodeError?>(nil)

    /// The recorded error, if any.
    var error: HubNodeError? { first.withLock { $0 } }

    /// Records `error` unless an earlier one was recorded.
    func record(_ error: HubNodeError) {
        first.withLock { if $0 == nil { $0 = error } }
    }
}
