public import HubProtocol

/// What the sender does after one batch to one destination (PROTOCOL §5–§6),
/// as a value type with no I/O: the delivery service feeds it outcomes and
/// performs the actions it returns.
public struct DeliveryStateMachine: Sendable {
    /// How a message of the batch fared.
    public enum MessageResult: Sendable, Equatable {
        /// The receiver durably accepted it; keep the receipt as proof of delivery.
        case accepted(receipt: String)
        /// A final rejection: park it with the reason (the handler may decide otherwise).
        case rejected(reason: ReceiptReason, receipt: String)
        /// A transient rejection (`not_yet_valid`, `untrusted_certificate`, `unknown_key`): retry the same bytes.
        case transient(reason: ReceiptReason, receipt: String)
    }

    /// What came back for a whole batch.
    public enum BatchOutcome: Sendable, Equatable {
        /// One verified receipt per message, in order.
        case receipts([MessageResult])
        /// The whole batch was answered with an HTTP error status.
        case status(Int, retryAfterSeconds: Double?)
        /// No usable answer: connection error, timeout, or receipts that failed the sender's checks.
        case unknown(String)
    }

    /// Something for the delivery service to do.
    public enum Action: Sendable, Equatable {
        case markDelivered(index: Int, receipt: String)
        case park(index: Int, reason: String, receipt: String?)
        case keepQueued(index: Int, lastError: String)
        case scheduleRetry(afterSeconds: Double, lastError: String)
        case resetBackoff
        case alertOperator(String)
    }

    /// The policy for waiting between attempts.
    public let backoff: Backoff
    /// Consecutive failed attempts with this destination.
    public private(set) var failures: Int = 0
    /// The most messages the next batch may hold (halved on 413).
    public private(set) var batchLimit: Int
    /// The configured batch limit to return to after a success.
    public let maxBatch: Int

    /// Makes the machine for one destination.
    public init(backoff: Backoff = Backoff(), maxBatch: Int = 100) {
        self.backoff = backoff
        self.maxBatch = maxBatch
        self.batchLimit = maxBatch
    }

    /// Restores the failure count kept in the database after a restart.
    public mutating func resume(failures: Int) {
        self.failures = max(0, failures)
    }

    /// The destination contacted us or answered: its backoff resets (PROTOCOL §6).
    public mutating func peerContactedUs() -> [Action] {
        guard failures > 0 else { return [] }
        failures = 0
        return [.resetBackoff]
    }

    /// Decides what follows a batch of `count` messages. `unit` is a uniform random number in [0, 1) for jitter.
    public mutating func batchFinished(count: Int, outcome: BatchOutcome, unit: Double) -> [Action] {
        switch outcome {
        case .receipts(let results):
            precondition(results.count == count, "the caller checks that receipts match messages")
            var actions: [Action] = []
            var transient: String? = nil
            for (i, result) in results.enumerated() {
                switch result {
                case .accepted(let receipt):
                    actions.append(.markDelivered(index: i, receipt: receipt))
                case .rejected(let reason, let receipt):
                    actions.append(.park(index: i, reason: reason.rawValue, receipt: receipt))
                case .transient(let reason, _):
                    actions.append(.keepQueued(index: i, lastError: "rejected \(reason.rawValue) (transient)"))
                    transient = transient ?? reason.rawValue
                }
            }
            batchLimit = maxBatch
            if let transient {
                // The peer answered, but some messages must wait: back off before resending them.
                actions.append(retry(lastError: "transient rejection \(transient)", retryAfter: nil, unit: unit))
            } else {
                if failures > 0 { actions.append(.resetBackoff) }
                failures = 0
            }
            return actions
        case .status(413, _):
            if count == 1 {
                batchLimit = maxBatch
                return [.park(index: 0, reason: "too_large", receipt: nil)]
            }
            batchLimit = max(1, count / 2)
            return []
        case .status(let code, let retryAfter) where code == 408 || code == 429 || code >= 500:
            return [retry(lastError: "HTTP \(code)", retryAfter: retryAfter, unit: unit)]
        case .status(let code, let retryAfter):
            // Any other 4xx for a whole batch: keep the messages, back off, tell an operator.
            return [
                retry(lastError: "HTTP \(code)", retryAfter: retryAfter, unit: unit),
                .alertOperator("the peer refused a whole batch with HTTP \(code); messages stay queued"),
            ]
        case .unknown(let why):
            return [retry(lastError: why, retryAfter: nil, unit: unit)]
        }
    }

    private mutating func retry(lastError: String, retryAfter: Double?, unit: Double) -> Action {
        let delay = backoff.delay(attempt: failures, retryAfter: retryAfter, unit: unit)
        failures += 1
        return .scheduleRetry(afterSeconds: delay, lastError: lastError)
    }
}
