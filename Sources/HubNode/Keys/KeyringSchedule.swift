/// The life of the node's encryption keys (PROTOCOL §7) as pure functions of
/// (state, now, descriptor lifetime), so every step can be tested without
/// files or clocks.
///
/// 1. A new key becomes **current**: the descriptor lists it first.
/// 2. The key it replaced is **retired** (`retired_at`) and stays in the
///    descriptor, after the current key, for one descriptor lifetime: until
///    then a peer may still hold a cached descriptor that names it first.
/// 3. Then it is **withdrawn** (`withdrawn_at`): no longer listed, but it
///    still opens for 37 days — messages sealed to it may still be queued at
///    a peer, or retried by an operator.
/// 4. Then it is **destroyed** (`destroyed_at`): its file is overwritten and
///    removed, and sealed data for it gets `unknown_key`.
///
/// Transitions are recorded at the `now` they are applied, so a node that was
/// down keeps every key at least as long as the schedule promises.
public enum KeyringSchedule {
    /// How long a key still opens after it left the descriptor: 37 days.
    public static let opensAfterWithdrawalSeconds: Int64 = 37 * 86_400

    /// The state at `now`.
    ///
    /// - Parameters:
    ///   - current: the kid the `current` file names (its file is present).
    ///   - present: the kids whose `<kid>.pem` files are in the folder.
    ///   - descriptorLifetime: `exp − iat` of this node's descriptors, seconds.
    /// - Returns: the state with every due transition applied: a key file
    ///   nobody recorded is adopted (as current, or else as already withdrawn:
    ///   no descriptor of this node listed it); a key that lost the first
    ///   place is retired; retired keys are withdrawn one descriptor lifetime
    ///   later; withdrawn keys are destroyed 37 days after that; a recorded
    ///   key whose file is gone is recorded as destroyed. The current key is
    ///   never retired, withdrawn or destroyed.
    public static func advance(
        _ state: KeyringState,
        current: String,
        present: Set<String>,
        now: Int64,
        descriptorLifetime: Int64
    ) -> KeyringState {
        var next = state
        for kid in present.union(state.keys.keys) {
            guard var record = state.keys[kid] else {
                next.keys[kid] =
                    kid == current
                    ? KeyringState.Record(createdAt: now)
                    : KeyringState.Record(createdAt: now, retiredAt: now, withdrawnAt: now)
                continue
            }
            if kid == current {
                record.retiredAt = nil
                record.withdrawnAt = nil
                record.destroyedAt = nil
            } else if record.destroyedAt != nil {
                // Stays destroyed; a file that came back is removed again.
            } else if !present.contains(kid) {
                record.destroyedAt = now
            } else {
                let retired = record.retiredAt ?? now
                record.retiredAt = retired
                if record.withdrawnAt == nil, now >= retired + descriptorLifetime {
                    record.withdrawnAt = now
                }
                if let withdrawn = record.withdrawnAt, now >= withdrawn + opensAfterWithdrawalSeconds {
                    record.destroyedAt = now
                }
            }
            next.keys[kid] = record
        }
        return next
    }

    /// The kids the descriptor lists: the current key first, then the retired
    /// keys not yet withdrawn, most recently superseded first.
    public static func listed(_ state: KeyringState, current: String) -> [String] {
        let retired = state.keys.filter { kid, record in
            kid != current && record.retiredAt != nil && record.withdrawnAt == nil && record.destroyedAt == nil
        }
        return [current]
            + retired.sorted { a, b in
                a.value.retiredAt! != b.value.retiredAt! ? a.value.retiredAt! > b.value.retiredAt! : a.key < b.key
            }.map(\.key)
    }

    /// The kids that still open: every present key not destroyed.
    public static func opening(_ state: KeyringState, current: String, present: Set<String>) -> Set<String> {
        present.filter { kid in kid == current || (state.keys[kid].map { $0.destroyedAt == nil } ?? true) }
    }

    /// The kids recorded as destroyed whose files are still present (a crash
    /// between the state file and the removal, or a file restored by hand).
    public static func toDestroy(_ state: KeyringState, current: String, present: Set<String>) -> Set<String> {
        present.filter { kid in kid != current && state.keys[kid]?.destroyedAt != nil }
    }

    /// When the key leaves (or left) the descriptor; `nil` while it is current.
    public static func withdrawal(of record: KeyringState.Record, descriptorLifetime: Int64) -> Int64? {
        record.withdrawnAt ?? record.retiredAt.map { $0 + descriptorLifetime }
    }

    /// When the key is (or was) destroyed; `nil` while it is current.
    public static func destruction(of record: KeyringState.Record, descriptorLifetime: Int64) -> Int64? {
        record.destroyedAt
            ?? withdrawal(of: record, descriptorLifetime: descriptorLifetime).map { $0 + opensAfterWithdrawalSeconds }
    }

    /// The earliest time after which ``advance(_:current:present:now:descriptorLifetime:)``
    /// will change something without a file changing, or `nil` when nothing is pending.
    public static func nextChange(_ state: KeyringState, current: String, descriptorLifetime: Int64) -> Int64? {
        state.keys.compactMap { kid, record -> Int64? in
            guard kid != current, record.destroyedAt == nil else { return nil }
            if let withdrawn = record.withdrawnAt { return withdrawn + opensAfterWithdrawalSeconds }
            return record.retiredAt.map { $0 + descriptorLifetime }
        }.min()
    }
}
