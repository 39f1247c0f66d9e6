/// The connections of one endpoint's keep-alive pool and the requests waiting
/// for one, without any I/O: `HubHTTPClient` performs the actions it returns.
///
/// Every open connection is in exactly one of: connecting (counted, no id
/// yet), leased (serving one request), idle (kept for reuse) or closing (close
/// requested, not yet closed). All four count towards
/// `maximumConnections`, because the server counts a connection until it has
/// closed. A waiter is served first come, first served, by a released
/// connection or by a slot to connect in.
///
/// Generations: a connection made with an older TLS context is never reused;
/// `invalidate(currentGeneration:)` closes the idle ones and `release` closes
/// the leased ones when they come back.
struct ConnectionPoolStateMachine {
    typealias ConnectionID = Int
    typealias WaiterID = Int

    /// What a request gets from the pool.
    enum Grant: Hashable {
        /// Use this (reused, now leased) connection.
        case use(ConnectionID)
        /// Connect a new connection; a slot has been reserved for it.
        case connect
    }

    /// The answer to `acquire`.
    enum AcquireAction: Hashable {
        /// Served at once.
        case granted(Grant)
        /// Queued; close these idle connections to make room for it.
        case wait(closing: [ConnectionID])
    }

    /// The answer to `release`.
    enum ReleaseAction: Hashable {
        /// Keep it idle; close it if `idleTimerFired(_:token:)` says so later.
        case keepIdle(token: Int)
        /// Hand it, still leased, to this waiter.
        case handOver(WaiterID)
        /// Close it; it stays counted until `connectionClosed`.
        case close
    }

    private struct IdleConnection {
        var id: ConnectionID
        var generation: Int
        var token: Int
    }

    private struct Waiter {
        var id: WaiterID
        var forceNew: Bool
    }

    /// The most idle connections kept.
    let maximumIdle: Int
    /// The most connections open at once, in any state.
    let maximumConnections: Int

    /// Idle connections, the most recently released last.
    private var idle: [IdleConnection] = []
    private var leased: [ConnectionID: Int] = [:]
    private var closing: Set<ConnectionID> = []
    private(set) var connecting = 0
    private var waiters: [Waiter] = []
    private var nextToken = 0
    private(set) var isShutDown = false

    init(maximumIdle: Int, maximumConnections: Int) {
        precondition(maximumConnections >= 1 && maximumIdle >= 0)
        self.maximumIdle = min(maximumIdle, maximumConnections)
        self.maximumConnections = maximumConnections
    }

    /// Connections open or being opened, in any state.
    var openCount: Int { idle.count + leased.count + closing.count + connecting }
    /// Idle connections.
    var idleCount: Int { idle.count }
    /// Leased connections.
    var leasedCount: Int { leased.count }
    /// Requests waiting for a connection.
    var waiterCount: Int { waiters.count }
    /// Whether nothing is open, connecting or waiting (the pool may be dropped).
    var isEmpty: Bool { openCount == 0 && waiters.isEmpty }

    /// A request wants a connection. With `forceNew` it gets a new one (a retry
    /// after a reused connection failed), closing the oldest idle connection
    /// to make room if it must.
    mutating func acquire(waiter: WaiterID, forceNew: Bool) -> AcquireAction {
        precondition(!isShutDown, "acquire after shutdown")
        if !forceNew, waiters.isEmpty, let reused = idle.popLast() {
            leased[reused.id] = reused.generation
            return .granted(.use(reused.id))
        }
        if waiters.isEmpty, openCount < maximumConnections {
            connecting += 1
            return .granted(.connect)
        }
        waiters.append(Waiter(id: waiter, forceNew: forceNew))
        guard forceNew, openCount >= maximumConnections, !idle.isEmpty else { return .wait(closing: []) }
        let oldest = idle.removeFirst()
        closing.insert(oldest.id)
        return .wait(closing: [oldest.id])
    }

    /// A waiter gave up (timed out or cancelled); returns whether it was waiting.
    mutating func cancelWaiter(_ waiter: WaiterID) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.id == waiter }) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// A connection granted with `.connect` is up; it is leased to its requester.
    mutating func connected(_ id: ConnectionID, generation: Int) {
        precondition(connecting > 0)
        connecting -= 1
        leased[id] = generation
    }

    /// A connection granted with `.connect` could not be made; its slot may go
    /// to a waiter.
    mutating func connectFailed() -> [(WaiterID, Grant)] {
        precondition(connecting > 0)
        connecting -= 1
        return grantFreedSlots()
    }

    /// A request is done with a leased connection. `reusable` says the
    /// response was complete, keep-alive, and the channel is still open.
    mutating func release(_ id: ConnectionID, reusable: Bool, currentGeneration: Int) -> ReleaseAction {
        guard let generation = leased.removeValue(forKey: id) else { return .close }
        if reusable, generation == currentGeneration, !isShutDown {
            if !waiters.isEmpty {
                let waiter = waiters.removeFirst()
                leased[id] = generation
                return .handOver(waiter.id)
            }
            if idle.count < maximumIdle {
                nextToken += 1
                idle.append(IdleConnection(id: id, generation: generation, token: nextToken))
                return .keepIdle(token: nextToken)
            }
        }
        closing.insert(id)
        return .close
    }

    /// An idle connection's timer fired; returns whether to close it (it is
    /// still idle since the release that set this timer).
    mutating func idleTimerFired(_ id: ConnectionID, token: Int) -> Bool {
        guard let index = idle.firstIndex(where: { $0.id == id && $0.token == token }) else { return false }
        idle.remove(at: index)
        closing.insert(id)
        return true
    }

    /// A connection's channel has closed, whatever its state; its slot may go
    /// to a waiter.
    mutating func connectionClosed(_ id: ConnectionID) -> [(WaiterID, Grant)] {
        guard closing.remove(id) != nil || leased.removeValue(forKey: id) != nil || removeIdle(id) else { return [] }
        return grantFreedSlots()
    }

    /// The TLS context changed: closes every idle connection of an older
    /// generation (leased ones are closed when released); returns the ones to close.
    mutating func invalidate(currentGeneration: Int) -> [ConnectionID] {
        let stale = idle.filter { $0.generation != currentGeneration }.map(\.id)
        idle.removeAll { $0.generation != currentGeneration }
        closing.formUnion(stale)
        return stale
    }

    /// The client is shutting down: returns the waiters to fail and the idle
    /// connections to close; leased connections are closed when released.
    mutating func shutDown() -> (waiters: [WaiterID], closing: [ConnectionID]) {
        isShutDown = true
        let failed = waiters.map(\.id)
        waiters.removeAll()
        let stale = idle.map(\.id)
        idle.removeAll()
        closing.formUnion(stale)
        return (failed, stale)
    }

    private mutating func removeIdle(_ id: ConnectionID) -> Bool {
        guard let index = idle.firstIndex(where: { $0.id == id }) else { return false }
        idle.remove(at: index)
        return true
    }

    /// Gives free slots (and idle connections) to waiters in order.
    private mutating func grantFreedSlots() -> [(WaiterID, Grant)] {
        var grants: [(WaiterID, Grant)] = []
        while let waiter = waiters.first {
            if !waiter.forceNew, let reused = idle.popLast() {
                leased[reused.id] = reused.generation
                grants.append((waiter.id, .use(reused.id)))
            } else if openCount < maximumConnections {
                connecting += 1
                grants.append((waiter.id, .connect))
            } else {
                break
            }
            waiters.removeFirst()
        }
        return grants
    }
}
