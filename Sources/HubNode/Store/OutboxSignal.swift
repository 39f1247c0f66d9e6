internal import Synchronization

/// Wakes the delivery loop when new outbox work is committed, without polling.
///
/// A generation counter avoids lost wake-ups: read ``generation`` before
/// looking for work, and if there is none, `await wait(after:)` with that
/// value. A commit between the look and the wait has already moved the
/// generation on, so the wait returns at once.
///
/// ```swift
/// while !Task.isCancelled {
///     let seen = signal.generation
///     let work = try await store.read { try Outbox.destinationsWithWork(now: now(), in: $0) }
///     if work.isEmpty { await signal.wait(after: seen, timeout: .seconds(60)) }
///     …
/// }
/// ```
public final class OutboxSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// Makes a signal at generation 0.
    public init() {}

    /// How many times the signal has been triggered.
    public var generation: UInt64 {
        state.withLock { $0.generation }
    }

    /// Moves the generation on and wakes every waiter. Called after commit by
    /// ``Outbox/enqueue(_:notifying:in:)`` and ``Outbox/retry(id:resigned:at:notifying:in:)``.
    public func notify() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the generation is past `generation`, or when the task is
    /// cancelled (check `Task.isCancelled` afterwards).
    public func wait(after generation: UInt64) async {
        let id = state.withLock { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock: a cancellation handler that runs
                // after this either finds the waiter or finds it resumed.
                let resumeNow = state.withLock { state in
                    if state.generation != generation || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// As ``wait(after:)``, but returns after `timeout` at the latest.
    public func wait(after generation: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
