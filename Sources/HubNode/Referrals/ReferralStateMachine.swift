public import HubProtocol

/// The life of one referral (PROTOCOL §9), as a value type with no I/O. The
/// receiver holds the authoritative state; the sender runs the same machine
/// as a mirror of the answers it gets.
///
/// ```
/// offered ──accept──▶ accepted ──complete──▶ completed
///    │                   │
///    ├──reject──▶ rejected
///    └──withdraw──▶ withdrawn ◀──withdraw──┘
/// ```
///
/// Only the addressed receiver answers (accept, reject, complete); only the
/// sender withdraws. Every other transition is `invalid_state`.
public struct ReferralStateMachine: Sendable, Hashable {
    /// Where a referral is.
    public enum State: String, Sendable, Hashable, CaseIterable {
        case offered, accepted, rejected, withdrawn, completed

        /// Whether no transition leaves this state.
        public var isTerminal: Bool { self == .rejected || self == .withdrawn || self == .completed }
    }

    /// What can happen to a referral.
    public enum Event: String, Sendable, Hashable, CaseIterable {
        case accept, reject, complete, withdraw

        /// The party allowed to cause this event.
        public var allowedParty: Party { self == .withdraw ? .sender : .receiver }

        /// The message type that carries this event.
        public var messageType: MessageType {
            switch self {
            case .accept: .referralAccept
            case .reject: .referralReject
            case .complete: .referralComplete
            case .withdraw: .referralWithdraw
            }
        }
    }

    /// Who causes an event, relative to the referral.
    public enum Party: String, Sendable, Hashable, CaseIterable {
        /// The node that offered it (`sender OIN` of the referral's key).
        case sender
        /// The node it was offered to.
        case receiver
        /// Any other node.
        case other
    }

    /// Why a transition is refused. On the wire both are `invalid_state`.
    public enum Refusal: Error, Sendable, Hashable {
        /// The event may not be caused by this party (only the receiver answers, only the sender withdraws).
        case wrongParty(Event, Party)
        /// The event does not apply in the current state.
        case invalidTransition(from: State, Event)

        /// The receipt reason code.
        public var reason: ReceiptReason { .invalidState }
    }

    /// The current state.
    public private(set) var state: State

    /// A machine in `state` (a new referral is `offered`).
    public init(state: State = .offered) {
        self.state = state
    }

    /// The state `event` leads to from `state`, or nil when it does not apply.
    public static func target(of event: Event, from state: State) -> State? {
        switch (state, event) {
        case (.offered, .accept): .accepted
        case (.offered, .reject): .rejected
        case (.accepted, .complete): .completed
        case (.offered, .withdraw), (.accepted, .withdraw): .withdrawn
        default: nil
        }
    }

    /// Applies `event` caused by `party` and returns the new state; refuses
    /// without changing anything otherwise.
    @discardableResult
    public mutating func apply(_ event: Event, by party: Party) throws(Refusal) -> State {
        guard party == event.allowedParty else { throw .wrongParty(event, party) }
        guard let next = Self.target(of: event, from: state) else { throw .invalidTransition(from: state, event) }
        state = next
        return next
    }

    /// What the sender's mirror does with an answer from the receiver.
    public enum MirrorOutcome: Sendable, Hashable {
        /// The mirror moved to the state.
        case applied(State)
        /// The mirror is already in a terminal state (for example withdrawn
        /// while a late accept was on its way); it stays, and the message is
        /// taken without effect.
        case ignored
    }

    /// Applies an answer from the receiver to the sender's mirror. A
    /// transition that does not apply is `invalid_state`, except that a
    /// terminal mirror is never overwritten: the answer is then ignored.
    public mutating func mirror(_ event: Event) throws(Refusal) -> MirrorOutcome {
        guard event.allowedParty == .receiver else { throw .wrongParty(event, .receiver) }
        if Self.target(of: event, from: state) == nil, state.isTerminal { return .ignored }
        return .applied(try apply(event, by: .receiver))
    }

    /// Whether an offer waits past its answer date: `offered` and `today`
    /// (Europe/Amsterdam) after `respondBy`. For display only: an overdue
    /// offer stays answerable.
    public func isOverdue(respondBy: CalendarDate, today: CalendarDate) -> Bool {
        state == .offered && today > respondBy
    }
}
