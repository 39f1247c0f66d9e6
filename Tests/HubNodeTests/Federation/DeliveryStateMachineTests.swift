import HubProtocol
import Testing

@testable import HubNode

@Suite struct DeliveryStateMachineTests {
    @Test func backoffGrowsToTheCapWithFullJitter() {
        let b = Backoff(initialSeconds: 1, capSeconds: 900)
        #expect((0..<12).map { b.ceiling(attempt: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900])
        #expect(b.ceiling(attempt: 10_000) == 900)
        #expect(b.delay(attempt: 3, unit: 0) == 0)
        #expect(b.delay(attempt: 3, unit: 0.5) == 4)
        #expect(b.delay(attempt: 3, retryAfter: 30, unit: 0.5) == 30)
    }

    @Test func receiptsDeliverParkAndKeepQueued() {
        var m = DeliveryStateMachine()
        let actions = m.batchFinished(
            count: 3,
            outcome: .receipts([
                .accepted(receipt: "r0"), .rejected(reason: .invalidBody, receipt: "r1"),
                .transient(reason: .notYetValid, receipt: "r2"),
            ]),
            unit: 0.5
        )
        #expect(actions.contains(.markDelivered(index: 0, receipt: "r0")))
        #expect(actions.contains(.park(index: 1, reason: "invalid_body", receipt: "r1")))
        #expect(actions.contains(.keepQueued(index: 2, lastError: "rejected not_yet_valid (transient)")))
        #expect(actions.contains { if case .scheduleRetry = $0 { true } else { false } })
        #expect(m.failures == 1)
        // A clean batch resets the backoff.
        let next = m.batchFinished(count: 1, outcome: .receipts([.accepted(receipt: "r3")]), unit: 0.5)
        #expect(next.contains(.resetBackoff) && m.failures == 0)
    }

    @Test func tooLargeHalvesThenParksASingleMessage() {
        var m = DeliveryStateMachine(maxBatch: 100)
        #expect(m.batchFinished(count: 100, outcome: .status(413, retryAfterSeconds: nil), unit: 0).isEmpty)
        #expect(m.batchLimit == 50)
        _ = m.batchFinished(count: 50, outcome: .status(413, retryAfterSeconds: nil), unit: 0)
        #expect(m.batchLimit == 25)
        #expect(
            m.batchFinished(count: 1, outcome: .status(413, retryAfterSeconds: nil), unit: 0) == [
                .park(index: 0, reason: "too_large", receipt: nil)
            ]
        )
        #expect(m.batchLimit == 100)
    }

    @Test func retryableStatusesBackOffAndHonourRetryAfter() {
        for code in [408, 429, 500, 502, 503] {
            var m = DeliveryStateMachine()
            let actions = m.batchFinished(count: 5, outcome: .status(code, retryAfterSeconds: 120), unit: 0.1)
            #expect(actions == [.scheduleRetry(afterSeconds: 120, lastError: "HTTP \(code)")])
        }
        var m = DeliveryStateMachine()
        var ceilings: [Double] = []
        for _ in 0..<5 {
            if case .scheduleRetry(let after, _) = m.batchFinished(
                count: 1,
                outcome: .unknown("connection refused"),
                unit: 0.999_999
            ).first {
                ceilings.append(after.rounded())
            }
        }
        #expect(ceilings == [1, 2, 4, 8, 16])
        #expect(m.peerContactedUs() == [.resetBackoff] && m.failures == 0)
    }

    @Test func otherClientErrorsKeepMessagesAndAlert() {
        var m = DeliveryStateMachine()
        let actions = m.batchFinished(count: 3, outcome: .status(403, retryAfterSeconds: nil), unit: 0)
        #expect(actions.count == 2)
        #expect(actions.contains { if case .alertOperator = $0 { true } else { false } })
        #expect(!actions.contains { if case .park = $0 { true } else { false } })
    }
}
