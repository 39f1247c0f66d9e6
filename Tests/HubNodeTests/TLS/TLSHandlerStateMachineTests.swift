import Testing

@testable import HubNode

/// The TLS handler's decisions, without I/O.
@Suite struct TLSHandlerStateMachineTests {
    let failure = HubNodeError(.handshakeFailed, "test", detail: .tls())

    func handshaking() -> TLSHandlerStateMachine {
        var machine = TLSHandlerStateMachine(maximumBufferedBytes: 100)
        #expect(machine.channelActive() == .startHandshake)
        return machine
    }

    func active() -> TLSHandlerStateMachine {
        var machine = handshaking()
        #expect(machine.handshakeCompleted() == .activate(flushBufferedWrites: false))
        return machine
    }

    @Test func startsTheHandshakeOnceWhenActive() {
        var machine = TLSHandlerStateMachine(maximumBufferedBytes: 100)
        #expect(machine.state == .idle)
        #expect(machine.channelActive() == .startHandshake)
        #expect(machine.state == .handshaking)
        #expect(machine.channelActive() == .none)
    }

    @Test func bytesBeforeActiveStartTheHandshake() {
        var machine = TLSHandlerStateMachine(maximumBufferedBytes: 100)
        #expect(machine.bytesReceived() == .handshake)
        #expect(machine.state == .handshaking)
        #expect(machine.channelActive() == .none)
    }

    @Test func bytesGoToTheHandshakeThenToDecodingThenNowhere() {
        var machine = handshaking()
        #expect(machine.bytesReceived() == .handshake)
        #expect(machine.handshakeCompleted() == .activate(flushBufferedWrites: false))
        #expect(machine.bytesReceived() == .decode)
        #expect(machine.closeRequested() == .sendCloseNotify)
        #expect(machine.bytesReceived() == .decode)
        _ = machine.channelInactive()
        #expect(machine.bytesReceived() == .discard)
    }

    @Test func writesAreBufferedDuringTheHandshakeUpToTheLimit() {
        var machine = handshaking()
        #expect(machine.write(byteCount: 60) == .buffer)
        #expect(machine.write(byteCount: 40) == .buffer)
        #expect(machine.bufferedBytes == 100)
        guard case .failBufferFull(let error) = machine.write(byteCount: 1) else {
            Issue.record("a write past the limit must fail")
            return
        }
        #expect(error.code == .bufferLimitExceeded)
        #expect(machine.flush() == .deferUntilActive)
        #expect(machine.handshakeCompleted() == .activate(flushBufferedWrites: true))
        #expect(machine.bufferedBytes == 0)
        #expect(machine.write(byteCount: 1_000) == .encrypt)
        #expect(machine.flush() == .forward)
    }

    @Test func writesAfterCloseFail() {
        var machine = active()
        #expect(machine.closeRequested() == .sendCloseNotify)
        #expect(machine.state == .closing)
        #expect(machine.write(byteCount: 1) == .failClosed)
        _ = machine.channelInactive()
        #expect(machine.write(byteCount: 1) == .failClosed)
    }

    @Test func closeDuringTheHandshakeClosesAtOnce() {
        var machine = handshaking()
        #expect(machine.write(byteCount: 10) == .buffer)
        #expect(machine.closeRequested() == .closeNow)
        #expect(machine.state == .closed)
        #expect(machine.bufferedBytes == 0)
        #expect(machine.handshakeCompleted() == .none)
    }

    @Test func secondCloseWhileClosingClosesAtOnce() {
        var machine = active()
        #expect(machine.closeRequested() == .sendCloseNotify)
        #expect(machine.closeRequested() == .closeNow)
    }

    @Test func closeNotifyIsAnsweredWhenActiveAndEndsOurClose() {
        var machine = active()
        #expect(machine.closeNotifyReceived() == .answerAndClose)
        #expect(machine.state == .closing)

        var closing = active()
        _ = closing.closeRequested()
        #expect(closing.closeNotifyReceived() == .close)
        #expect(closing.state == .closed)
        #expect(closing.closeNotifyReceived() == .none)
    }

    @Test func failureClosesOnceFromAnyOpenState() {
        for var machine in [handshaking(), active()] {
            #expect(machine.failed(failure) == .flushAndClose(failure))
            #expect(machine.state == .closed)
            #expect(machine.failed(failure) == .none)
        }
    }

    @Test func timeoutOnlyFiresBeforeTheHandshakeCompleted() {
        var machine = handshaking()
        guard case .flushAndClose(let error) = machine.handshakeTimedOut(after: "1s") else {
            Issue.record("a timeout during the handshake must close")
            return
        }
        #expect(error.code == .handshakeTimeout)
        var done = active()
        #expect(done.handshakeTimedOut(after: "1s") == .none)
        #expect(done.state == .active)
    }

    @Test func inactiveReportsWhatWasCutShort() {
        var during = handshaking()
        guard case .fireError(let handshakeError) = during.channelInactive() else {
            Issue.record("inactive during the handshake must report")
            return
        }
        #expect(handshakeError.code == .handshakeFailed)

        var after = active()
        guard case .fireError(let truncation) = after.channelInactive() else {
            Issue.record("inactive without close_notify must report")
            return
        }
        #expect(truncation.code == .closedWithoutCloseNotify)

        var closing = active()
        _ = closing.closeRequested()
        #expect(closing.channelInactive() == .none)
    }

    @Test func inputClosedFailsOpenConnectionsAndEndsAClosingOne() {
        var during = handshaking()
        guard case .fail(let error) = during.inputClosed() else {
            Issue.record("EOF during the handshake must fail")
            return
        }
        #expect(error.code == .handshakeFailed)

        var after = active()
        guard case .fail(let truncation) = after.inputClosed() else {
            Issue.record("EOF without close_notify must fail")
            return
        }
        #expect(truncation.code == .closedWithoutCloseNotify)

        var closing = active()
        _ = closing.closeRequested()
        #expect(closing.inputClosed() == .close)
        #expect(closing.state == .closed)
        #expect(closing.inputClosed() == .none)
    }
}
