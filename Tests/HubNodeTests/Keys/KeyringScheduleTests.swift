import HubProtocol
import Testing

@testable import HubNode

/// The encryption keys' life as pure functions of (state, now, lifetime),
/// PROTOCOL §7: current → retired (still listed) → withdrawn (still opens) →
/// destroyed.
@Suite struct KeyringScheduleTests {
    static let lifetime: Int64 = 86_400
    static let day: Int64 = 86_400
    static let k0 = String(repeating: "A", count: 43)
    static let k1 = String(repeating: "B", count: 42) + "A"
    static let k2 = String(repeating: "C", count: 42) + "A"
    static let t0: Int64 = 1_760_000_000

    static func advance(_ state: KeyringState, current: String, present: Set<String>, at now: Int64) -> KeyringState {
        KeyringSchedule.advance(state, current: current, present: present, now: now, descriptorLifetime: lifetime)
    }

    /// A rotation at t0 from k1 to k2, recorded as the keyring does it.
    static func rotated() -> KeyringState {
        var state = KeyringState(keys: [k1: .init(createdAt: t0 - 100 * day)])
        state.keys[k2] = .init(createdAt: t0)
        return advance(state, current: k2, present: [k1, k2], at: t0)
    }

    @Test func rotationWalksThroughEveryState() {
        let (k1, k2, t0, day, lifetime) = (Self.k1, Self.k2, Self.t0, Self.day, Self.lifetime)
        let present: Set = [k1, k2]
        var state = Self.rotated()
        #expect(state.keys[k1] == .init(createdAt: t0 - 100 * day, retiredAt: t0))
        #expect(state.keys[k2] == .init(createdAt: t0))
        #expect(state.status(of: k1, current: k2) == .retired)
        #expect(state.status(of: k2, current: k2) == .current)
        #expect(KeyringSchedule.listed(state, current: k2) == [k2, k1])

        // Peers may cache a descriptor naming k1 first until one lifetime after the rotation.
        state = Self.advance(state, current: k2, present: present, at: t0 + lifetime - 1)
        #expect(KeyringSchedule.listed(state, current: k2) == [k2, k1])
        #expect(state.keys[k1]?.withdrawnAt == nil)

        state = Self.advance(state, current: k2, present: present, at: t0 + lifetime)
        let withdrawn = t0 + lifetime
        #expect(state.keys[k1]?.withdrawnAt == withdrawn)
        #expect(state.status(of: k1, current: k2) == .withdrawn)
        #expect(KeyringSchedule.listed(state, current: k2) == [k2])
        #expect(KeyringSchedule.opening(state, current: k2, present: present) == present)

        // Day 36 after withdrawal: still opens.
        state = Self.advance(state, current: k2, present: present, at: withdrawn + 36 * day)
        #expect(state.keys[k1]?.destroyedAt == nil)
        #expect(KeyringSchedule.opening(state, current: k2, present: present).contains(k1))
        #expect(KeyringSchedule.toDestroy(state, current: k2, present: present).isEmpty)

        // One second before 37 days: still opens; at 37 days: destroyed.
        state = Self.advance(state, current: k2, present: present, at: withdrawn + 37 * day - 1)
        #expect(state.keys[k1]?.destroyedAt == nil)
        state = Self.advance(state, current: k2, present: present, at: withdrawn + 37 * day)
        #expect(state.keys[k1]?.destroyedAt == withdrawn + 37 * day)
        #expect(state.status(of: k1, current: k2) == .destroyed)
        #expect(KeyringSchedule.opening(state, current: k2, present: present) == [k2])
        #expect(KeyringSchedule.toDestroy(state, current: k2, present: present) == [k1])

        // Day 38, file gone: stays destroyed with its first date; the current key is untouched.
        let later = Self.advance(state, current: k2, present: [k2], at: withdrawn + 38 * day)
        #expect(later.keys[k1]?.destroyedAt == withdrawn + 37 * day)
        #expect(later.keys[k2] == .init(createdAt: t0))
        #expect(KeyringSchedule.opening(later, current: k2, present: [k2]) == [k2])
    }

    @Test func advanceIsIdempotentAtOneInstant() {
        var state = Self.rotated()
        for now in [
            Self.t0, Self.t0 + Self.lifetime, Self.t0 + Self.lifetime + 37 * Self.day, Self.t0 + 400 * Self.day,
        ] {
            let once = Self.advance(state, current: Self.k2, present: [Self.k1, Self.k2], at: now)
            #expect(Self.advance(once, current: Self.k2, present: [Self.k1, Self.k2], at: now) == once)
            state = once
        }
    }

    @Test func aNodeThatWasDownKeepsTheOldKeyTheFullPeriod() {
        // Down from the rotation for 100 days: withdrawal is recorded when applied.
        let back = Self.t0 + 100 * Self.day
        let state = Self.advance(Self.rotated(), current: Self.k2, present: [Self.k1, Self.k2], at: back)
        #expect(state.keys[Self.k1]?.withdrawnAt == back)
        #expect(state.keys[Self.k1]?.destroyedAt == nil)
        #expect(
            KeyringSchedule.nextChange(state, current: Self.k2, descriptorLifetime: Self.lifetime) == back + 37
                * Self.day
        )
    }

    @Test func theLayoutBeforeRotationIsAdopted() {
        // Only `current` and key files: the current key is recorded as current,
        // any other key as already out of the descriptor (none listed it).
        let state = Self.advance(KeyringState(), current: Self.k1, present: [Self.k0, Self.k1], at: Self.t0)
        #expect(state.keys[Self.k1] == .init(createdAt: Self.t0))
        #expect(state.keys[Self.k0] == .init(createdAt: Self.t0, retiredAt: Self.t0, withdrawnAt: Self.t0))
        #expect(KeyringSchedule.listed(state, current: Self.k1) == [Self.k1])
        #expect(
            KeyringSchedule.opening(KeyringState(), current: Self.k1, present: [Self.k0, Self.k1]) == [
                Self.k0, Self.k1,
            ]
        )
        #expect(
            KeyringSchedule.destruction(of: state.keys[Self.k0]!, descriptorLifetime: Self.lifetime)
                == Self.t0 + 37 * Self.day
        )
    }

    @Test func aCurrentFileEditedByHandRetiresTheOldKeyAndReinstatesTheNamedOne() {
        let rotated = Self.rotated()
        // The operator points `current` back at k1.
        let back = Self.advance(rotated, current: Self.k1, present: [Self.k1, Self.k2], at: Self.t0 + 10)
        #expect(back.keys[Self.k1] == .init(createdAt: Self.t0 - 100 * Self.day))
        #expect(back.keys[Self.k2]?.retiredAt == Self.t0 + 10)
        #expect(KeyringSchedule.listed(back, current: Self.k1) == [Self.k1, Self.k2])
        // A crash between `current` and keyring.json: the new current key has no record yet.
        let crashed = Self.advance(
            KeyringState(keys: [Self.k1: .init(createdAt: 1)]),
            current: Self.k2,
            present: [Self.k1, Self.k2],
            at: Self.t0
        )
        #expect(crashed.keys[Self.k2] == .init(createdAt: Self.t0))
        #expect(crashed.keys[Self.k1] == .init(createdAt: 1, retiredAt: Self.t0))
    }

    @Test func missingAndRestoredFiles() {
        var state = Self.rotated()
        // k1's file removed by hand: recorded as destroyed.
        state = Self.advance(state, current: Self.k2, present: [Self.k2], at: Self.t0 + 5)
        #expect(state.keys[Self.k1]?.destroyedAt == Self.t0 + 5)
        // Restored from a backup: it does not open and is removed again.
        #expect(KeyringSchedule.opening(state, current: Self.k2, present: [Self.k1, Self.k2]) == [Self.k2])
        #expect(KeyringSchedule.toDestroy(state, current: Self.k2, present: [Self.k1, Self.k2]) == [Self.k1])
    }

    @Test func newestSupersededKeyIsListedFirstAfterTheCurrentOne() {
        var state = Self.rotated()
        state.keys[Self.k0] = .init(createdAt: Self.t0 + 60)
        state = Self.advance(state, current: Self.k0, present: [Self.k0, Self.k1, Self.k2], at: Self.t0 + 60)
        #expect(KeyringSchedule.listed(state, current: Self.k0) == [Self.k0, Self.k2, Self.k1])
        #expect(
            KeyringSchedule.nextChange(state, current: Self.k0, descriptorLifetime: Self.lifetime) == Self.t0
                + Self.lifetime
        )
        let settled = Self.advance(state, current: Self.k0, present: [Self.k0], at: Self.t0 + 1000 * Self.day)
        #expect(KeyringSchedule.nextChange(settled, current: Self.k0, descriptorLifetime: Self.lifetime) == nil)
    }

    @Test func stateFileRoundTripsAndRefusesBadInput() throws {
        let state = Self.rotated()
        let bytes = Array(JCS.string(state.json).utf8)
        #expect(try KeyringState(json: bytes) == state)
        let bad: [(String, String)] = [
            ("not json", "not JSON"),
            ("{\"v\":2,\"keys\":{}}", "{\"v\":1"),
            ("{\"v\":1,\"keys\":{\"short\":{\"created_at\":1}}}", "thumbprint"),
            ("{\"v\":1,\"keys\":{\"\(Self.k1)\":{}}}", "created_at is required"),
            ("{\"v\":1,\"keys\":{\"\(Self.k1)\":{\"created_at\":1,\"retired_at\":\"x\"}}}", "retired_at must be"),
        ]
        for (text, expected) in bad {
            do {
                _ = try KeyringState(json: Array(text.utf8))
                Issue.record("accepted \(text)")
            } catch let error as HubProtocolError {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
