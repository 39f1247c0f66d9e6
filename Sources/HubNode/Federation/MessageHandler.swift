public import GRDB
public import HubProtocol

/// Why a handler refused a message at step 10 (PROTOCOL §4): `invalid_body`,
/// `unknown_key` (transient) or `invalid_state`.
public struct HandlerRejection: Error, Sendable {
    /// The receipt's reason code.
    public var reason: ReceiptReason
    /// Operator text, without personal data.
    public var detail: String

    /// Makes a rejection.
    public init(_ reason: ReceiptReason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

/// What a handler knows about the message it handles.
public struct ReceivedMessage: Sendable {
    /// The verified message (steps 1–8 passed).
    public let message: VerifiedMessage
    /// The OIN of the TLS client that delivered it.
    public let peerOIN: String
    /// When it arrived (Unix seconds).
    public let receivedAt: Int64
}

/// Business handling of one message type at step 10, inside the receive
/// transaction: the handler's writes commit with the inbox row and receipt, or
/// not at all (a rejection rolls them back).
public protocol MessageHandler: Sendable {
    /// Checks the body and applies its state change.
    ///
    /// A ``HandlerRejection`` is the message's step-10 outcome and is signed
    /// into its receipt. Any other error (the database failed) is not the
    /// message's fault: it fails the whole receive transaction, so nothing is
    /// acknowledged and the sender retries.
    func handle(_ received: ReceivedMessage, in db: Database) throws
}

/// A handler that checks the body against its typed model and stores nothing
/// beyond the inbox row: the default until a later feature handles the type.
public struct BodyCheckingHandler<Body: Decodable & Sendable>: MessageHandler {
    /// Makes a handler for bodies of type `Body`.
    public init(_ body: Body.Type) {}

    public func handle(_ received: ReceivedMessage, in db: Database) throws(HandlerRejection) {
        do {
            _ = try received.message.body(Body.self)
        } catch {
            throw HandlerRejection(error.reason, error.detail)
        }
    }
}

/// The one table from message type to handler; later features register
/// their handlers here without touching the receive path.
public struct MessageHandlerRegistry: Sendable {
    private var handlers: [MessageType: any MessageHandler]

    /// A registry where every known type checks its body and is stored.
    public init() {
        handlers = [
            .referralOffer: BodyCheckingHandler(ReferralOffer.self),
            .referralAccept: BodyCheckingHandler(ReferralRef.self),
            .referralReject: BodyCheckingHandler(ReferralReject.self),
            .referralComplete: BodyCheckingHandler(ReferralRef.self),
            .referralWithdraw: BodyCheckingHandler(ReferralWithdraw.self),
            .methodologyPublish: BodyCheckingHandler(MethodologyPublish.self),
            .methodologyRetract: BodyCheckingHandler(MethodologyRetract.self),
        ]
    }

    /// Replaces the handler for `type`.
    public mutating func register(_ handler: any MessageHandler, for type: MessageType) {
        handlers[type] = handler
    }

    /// The handler for `type`, if any.
    public func handler(for type: MessageType) -> (any MessageHandler)? { handlers[type] }
}
