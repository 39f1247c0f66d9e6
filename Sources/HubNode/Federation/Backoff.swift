/// Exponential backoff with full jitter (PROTOCOL §6): the n-th retry waits a
/// uniformly random time in [0, min(cap, initial · 2^n)], and never less than
/// a peer's `Retry-After`.
public struct Backoff: Sendable, Hashable {
    /// The first ceiling, in seconds. The default is 1.
    public var initialSeconds: Double
    /// The largest ceiling, in seconds. The default is 900 (15 minutes).
    public var capSeconds: Double

    /// Makes a policy.
    public init(initialSeconds: Double = 1, capSeconds: Double = 900) {
        precondition(initialSeconds > 0 && capSeconds >= initialSeconds)
        self.initialSeconds = initialSeconds
        self.capSeconds = capSeconds
    }

    /// The ceiling for retry number `attempt` (0-based).
    public func ceiling(attempt: Int) -> Double {
        // 2^30 seconds is far past any cap; clamp the exponent so it cannot overflow.
        min(capSeconds, initialSeconds * Double(1 << min(max(attempt, 0), 30)))
    }

    /// The delay for retry number `attempt`, given a uniform random number in [0, 1).
    public func delay(attempt: Int, retryAfter: Double? = nil, unit: Double) -> Double {
        let jittered = ceiling(attempt: attempt) * min(max(unit, 0), 1)
        return max(jittered, retryAfter ?? 0)
    }
}
