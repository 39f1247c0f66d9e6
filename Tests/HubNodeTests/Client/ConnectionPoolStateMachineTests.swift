import Testing

@testable import HubNode

/// The pool's bookkeeping, without I/O.
@Suite struct ConnectionPoolStateMachineTests {
    typealias Machine = ConnectionPoolStateMachine

    /// Acquires with a new connect and records connection `id` as up.
    func connectNew(_ machine: inout Machine, id: Int, waiter: Int = 0, generation: Int = 0) {
        #expect(machine.acquire(waiter: waiter, forceNew: false) == .granted(.connect))
        machine.connected(id, generation: generation)
    }

    @Test func releasedConnectionsAreReusedMostRecentFirst() {
        var machine = Machine(maximumIdle: 4, maximumConnections: 8)
        connectNew(&machine, id: 1)
        connectNew(&machine, id: 2)
        #expect(machine.release(1, reusable: true, currentGeneration: 0) == .keepIdle(token: 1))
        #expect(machine.release(2, reusable: true, currentGeneration: 0) == .keepIdle(token: 2))
        #expect(machine.acquire(waiter: 10, forceNew: false) == .granted(.use(2)))
        #expect(machine.acquire(waiter: 11, forceNew: false) == .granted(.use(1)))
        #expect(machine.openCount == 2)
        #expect(machine.leasedCount == 2)
    }

    @Test func theLimitCountsEveryStateAndWaitersAreServedInOrder() {
        var machine = Machine(maximumIdle: 1, maximumConnections: 2)
        connectNew(&machine, id: 1)
        #expect(machine.acquire(waiter: 2, forceNew: false) == .granted(.connect))
        #expect(machine.acquire(waiter: 3, forceNew: false) == .wait(closing: []))
        #expect(machine.acquire(waiter: 4, forceNew: false) == .wait(closing: []))
        #expect(machine.waiterCount == 2)
        // Connection 1 goes straight to the first waiter.
        #expect(machine.release(1, reusable: true, currentGeneration: 0) == .handOver(3))
        // The second connect fails: its slot goes to the next waiter.
        let grants = machine.connectFailed()
        #expect(grants.map(\.0) == [4])
        #expect(grants.map(\.1) == [.connect])
        #expect(machine.openCount == 2)
        #expect(machine.waiterCount == 0)
    }

    @Test func aConnectionThatIsNotReusableIsClosedAndCountedUntilItHasClosed() {
        var machine = Machine(maximumIdle: 4, maximumConnections: 1)
        connectNew(&machine, id: 1)
        #expect(machine.acquire(waiter: 2, forceNew: false) == .wait(closing: []))
        #expect(machine.release(1, reusable: false, currentGeneration: 0) == .close)
        #expect(machine.openCount == 1)
        let grants = machine.connectionClosed(1)
        #expect(grants.map(\.0) == [2])
        #expect(grants.map(\.1) == [.connect])
        #expect(machine.connecting == 1)
        // A second report of the same close changes nothing.
        #expect(machine.connectionClosed(1).isEmpty)
    }

    @Test func idleConnectionsBeyondTheIdleLimitAreClosed() {
        var machine = Machine(maximumIdle: 1, maximumConnections: 4)
        connectNew(&machine, id: 1)
        connectNew(&machine, id: 2)
        #expect(machine.release(1, reusable: true, currentGeneration: 0) == .keepIdle(token: 1))
        #expect(machine.release(2, reusable: true, currentGeneration: 0) == .close)
        #expect(machine.idleCount == 1)
    }

    @Test func idleTimersOnlyCloseConnectionsStillIdleSinceTheirRelease() {
        var machine = Machine(maximumIdle: 4, maximumConnections: 4)
        connectNew(&machine, id: 1)
        #expect(machine.release(1, reusable: true, currentGeneration: 0) == .keepIdle(token: 1))
        #expect(machine.acquire(waiter: 5, forceNew: false) == .granted(.use(1)))
        #expect(machine.release(1, reusable: true, currentGeneration: 0) == .keepIdle(token: 2))
        #expect(machine.idleTimerFired(1, token: 1) == false)
        #expect(machine.idleTimerFired(1, token: 2) == true)
        #expect(machine.idleCount == 0)
        #expect(machine.openCount == 1)
        _ = machine.connectionClosed(1)
        #expect(machine.isEmpty)
    }

    @Test func forceNewSkipsIdleConnectionsAndMakesRoomAtTheLimit() {
        var machine = Machine(maximumIdle: 2, maximumConnections: 2)
        connectNew(&machine, id: 1)
        connectNew(&machine, id: 2)
        _ = machine.release(1, reusable: true, currentGeneration: 0)
        #expect(machine.acquire(waiter: 7, forceNew: true) == .wait(closing: [1]))
        #expect(machine.connectionClosed(1).map(\.1) == [.connect])

        var roomy = Machine(maximumIdle: 2, maximumConnections: 3)
        connectNew(&roomy, id: 1)
        _ = roomy.release(1, reusable: true, currentGeneration: 0)
        #expect(roomy.acquire(waiter: 8, forceNew: true) == .granted(.connect))
        #expect(roomy.idleCount == 1)
    }

    @Test func aNewGenerationClosesIdleConnectionsNowAndLeasedOnesOnRelease() {
        var machine = Machine(maximumIdle: 4, maximumConnections: 4)
        connectNew(&machine, id: 1)
        connectNew(&machine, id: 2)
        _ = machine.release(1, reusable: true, currentGeneration: 0)
        #expect(machine.invalidate(currentGeneration: 1) == [1])
        #expect(machine.release(2, reusable: true, currentGeneration: 1) == .close)
        connectNew(&machine, id: 3, generation: 1)
        #expect(machine.release(3, reusable: true, currentGeneration: 1) == .keepIdle(token: 2))
    }

    @Test func cancelledWaitersAreForgottenAndShutdownFailsTheRest() {
        var machine = Machine(maximumIdle: 4, maximumConnections: 1)
        connectNew(&machine, id: 1)
        #expect(machine.acquire(waiter: 2, forceNew: false) == .wait(closing: []))
        #expect(machine.acquire(waiter: 3, forceNew: false) == .wait(closing: []))
        let cancelled = machine.cancelWaiter(2)
        let cancelledAgain = machine.cancelWaiter(2)
        #expect(cancelled)
        #expect(!cancelledAgain)
        let (waiters, closing) = machine.shutDown()
        #expect(waiters == [3])
        #expect(closing.isEmpty)
        #expect(machine.release(1, reusable: true, currentGeneration: 0) == .close)
    }
}
