/// The decisions of `OpenSSLTLSHandler`, without I/O: which state the
/// connection is in and what the handler must do on each event.
///
/// States: `idle` (channel not active yet), `handshaking`, `active`
/// (application data flows), `closing` (our close_notify is sent or being
/// sent), `closed`. The handler performs the returned actions; OpenSSL calls
/// report their outcome back as events.
struct TLSHandlerStateMachine {
    /// Where the connection is.
    enum State: Hashable {
        case idle
        case handshaking
        case active
        case closing
        case closed
    }

    /// What to do when the channel becomes active.
    enum StartAction: Hashable {
        /// Schedule the handshake timeout and run the first handshake step.
        case startHandshake
        case none
    }

    /// What to do with ciphertext that arrived.
    enum ReceiveAction: Hashable {
        /// Feed it to OpenSSL and run a handshake step (starting the handshake if needed).
        case handshake
        /// Feed it to OpenSSL and read plaintext.
        case decode
        /// Drop it: the connection is closed.
        case discard
    }

    /// What to do when the handshake completed and every check passed.
    enum CompletedAction: Hashable {
        /// Cancel the timeout, announce the peer, read plaintext that came with
        /// the last flight, then encrypt buffered writes (flushing if asked).
        case activate(flushBufferedWrites: Bool)
        case none
    }

    /// What to do when something failed.
    enum FailAction: Hashable {
        /// Flush what OpenSSL wrote (an alert), fail buffered writes, fire the
        /// error, then close.
        case flushAndClose(HubNodeError)
        case none
    }

    /// What to do with a write.
    enum WriteAction: Hashable {
        /// Keep it until the handshake completes.
        case buffer
        /// Encrypt it now.
        case encrypt
        /// Fail it: too much is buffered already.
        case failBufferFull(HubNodeError)
        /// Fail it: the connection is closing or closed.
        case failClosed
    }

    /// What to do with a flush.
    enum FlushAction: Hashable {
        /// Remember it and flush once the handshake completes.
        case deferUntilActive
        /// Pass it on.
        case forward
    }

    /// What to do when the local side asks to close.
    enum CloseAction: Hashable {
        /// Close the channel now (failing buffered writes).
        case closeNow
        /// Queue a close_notify, write and flush it, then close.
        case sendCloseNotify
    }

    /// What to do when the peer's close_notify arrived.
    enum CloseNotifyAction: Hashable {
        /// Answer with our close_notify, flush, then close.
        case answerAndClose
        /// Ours is out already: close.
        case close
        case none
    }

    /// What to do when the peer closed its side of TCP.
    enum InputClosedAction: Hashable {
        /// Treat it as a failure: report `failed(_:)` with this error.
        case fail(HubNodeError)
        /// Close the channel quietly.
        case close
        case none
    }

    /// What to do when the channel went inactive.
    enum InactiveAction: Hashable {
        /// Fail buffered writes and fire this error.
        case fireError(HubNodeError)
        /// Fail buffered writes, if any.
        case none
    }

    /// The current state.
    private(set) var state: State = .idle
    /// Plaintext bytes buffered while the handshake runs.
    private(set) var bufferedBytes = 0
    /// Whether a flush arrived while writes were buffered.
    private var flushPending = false
    /// The most plaintext buffered before the handshake completes.
    let maximumBufferedBytes: Int

    /// Makes a machine in the `idle` state.
    init(maximumBufferedBytes: Int) {
        precondition(maximumBufferedBytes > 0)
        self.maximumBufferedBytes = maximumBufferedBytes
    }

    /// The channel became active (or the handler was added to an active one).
    mutating func channelActive() -> StartAction {
        guard state == .idle else { return .none }
        state = .handshaking
        return .startHandshake
    }

    /// Ciphertext arrived from the network.
    mutating func bytesReceived() -> ReceiveAction {
        switch state {
        case .idle:
            state = .handshaking
            return .handshake
        case .handshaking:
            return .handshake
        case .active, .closing:
            return .decode
        case .closed:
            return .discard
        }
    }

    /// OpenSSL completed the handshake and the handler's post-handshake checks passed.
    mutating func handshakeCompleted() -> CompletedAction {
        guard state == .handshaking else { return .none }
        state = .active
        let flush = flushPending
        flushPending = false
        bufferedBytes = 0
        return .activate(flushBufferedWrites: flush)
    }

    /// A handshake step, a post-handshake check, a read or a write failed.
    mutating func failed(_ error: HubNodeError) -> FailAction {
        guard state != .closed else { return .none }
        state = .closed
        bufferedBytes = 0
        flushPending = false
        return .flushAndClose(error)
    }

    /// The handshake timer fired.
    mutating func handshakeTimedOut(after description: String) -> FailAction {
        guard state == .idle || state == .handshaking else { return .none }
        return failed(
            HubNodeError(.handshakeTimeout, "the TLS handshake did not complete within \(description)", detail: .tls())
        )
    }

    /// The next handler wrote `byteCount` bytes of plaintext.
    mutating func write(byteCount: Int) -> WriteAction {
        switch state {
        case .idle, .handshaking:
            guard bufferedBytes + byteCount <= maximumBufferedBytes else {
                return .failBufferFull(
                    HubNodeError(
                        .bufferLimitExceeded,
                        "more than \(maximumBufferedBytes) bytes written before the TLS handshake completed",
                        detail: .tls()
                    )
                )
            }
            bufferedBytes += byteCount
            return .buffer
        case .active:
            return .encrypt
        case .closing, .closed:
            return .failClosed
        }
    }

    /// The next handler flushed.
    mutating func flush() -> FlushAction {
        switch state {
        case .idle, .handshaking:
            flushPending = true
            return .deferUntilActive
        case .active, .closing, .closed:
            return .forward
        }
    }

    /// The next handler asked to close the channel.
    mutating func closeRequested() -> CloseAction {
        switch state {
        case .active:
            state = .closing
            return .sendCloseNotify
        case .idle, .handshaking, .closing, .closed:
            // No close_notify during a handshake; a second close while ours is out closes at once.
            state = .closed
            bufferedBytes = 0
            flushPending = false
            return .closeNow
        }
    }

    /// The peer's close_notify arrived.
    mutating func closeNotifyReceived() -> CloseNotifyAction {
        switch state {
        case .active:
            state = .closing
            return .answerAndClose
        case .closing:
            state = .closed
            return .close
        case .idle, .handshaking, .closed:
            return .none
        }
    }

    /// The peer closed its side of TCP (half-closure) without closing TLS first.
    mutating func inputClosed() -> InputClosedAction {
        switch state {
        case .handshaking:
            return .fail(
                HubNodeError(
                    .handshakeFailed,
                    "the peer closed the connection during the TLS handshake",
                    detail: .tls()
                )
            )
        case .active:
            return .fail(
                HubNodeError(
                    .closedWithoutCloseNotify,
                    "the peer closed the connection without close_notify",
                    detail: .tls()
                )
            )
        case .closing:
            // Our close_notify is out; the peer's TCP close ends the connection as well as its close_notify would.
            state = .closed
            return .close
        case .idle, .closed:
            return .none
        }
    }

    /// The channel went inactive.
    mutating func channelInactive() -> InactiveAction {
        let previous = state
        state = .closed
        bufferedBytes = 0
        flushPending = false
        switch previous {
        case .handshaking:
            return .fireError(
                HubNodeError(.handshakeFailed, "the connection closed during the TLS handshake", detail: .tls())
            )
        case .active:
            return .fireError(
                HubNodeError(.closedWithoutCloseNotify, "the connection closed without close_notify", detail: .tls())
            )
        case .idle, .closing, .closed:
            return .none
        }
    }
}
