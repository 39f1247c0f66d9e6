/// The outcome of checking the audit chain, alone or against signed
/// checkpoints (``AuditLog/verify(against:in:)``).
public struct AuditVerification: Sendable, Hashable, CustomStringConvertible {
    /// Why an entry is the first broken one.
    public enum Failure: Sendable, Hashable, CustomStringConvertible {
        /// Entry `index` is missing: the next stored entry has a higher `i`.
        case gap
        /// The stored `h` differs from SHA-256(h_{i−1} ‖ entry_json) recomputed
        /// from the entries before it.
        case hashMismatch
        /// `entry_json` is not the JCS of an entry object, or its `i`, `at`,
        /// `actor` or `action` differ from the row's columns.
        case entryMismatch
        /// The chain recomputed from the entries disagrees with the signed
        /// checkpoint at `checkpointIndex` (the database was rewritten): no
        /// entry after the last matching checkpoint can be trusted.
        case checkpointMismatch(checkpointIndex: Int64)
        /// The log ends before the signed checkpoint at `checkpointIndex`
        /// (the database was truncated or replaced).
        case checkpointBeyondEnd(checkpointIndex: Int64)

        public var description: String {
            switch self {
            case .gap: "entry missing (gap in i)"
            case .hashMismatch: "hash mismatch"
            case .entryMismatch: "entry does not match its columns or is not canonical"
            case .checkpointMismatch(let index): "recomputed chain disagrees with the checkpoint at \(index)"
            case .checkpointBeyondEnd(let index): "the log ends before the checkpoint at \(index)"
            }
        }
    }

    /// The first broken entry and why.
    public struct Break: Sendable, Hashable {
        /// Index of the first entry that cannot be trusted.
        public var index: Int64
        /// Why.
        public var failure: Failure

        /// Makes a break.
        public init(index: Int64, failure: Failure) {
            self.index = index
            self.failure = failure
        }
    }

    /// Number of entries read.
    public var entriesChecked: Int
    /// Highest `i` read (0 for an empty log).
    public var lastIndex: Int64
    /// Lowercase hex of the hash recomputed through `lastIndex`.
    public var lastHashHex: String
    /// Highest checkpoint index the recomputed chain matched, if any.
    public var lastMatchingCheckpoint: Int64?
    /// The first broken entry, or nil when the chain is intact.
    public var firstBreak: Break?

    /// Makes a result.
    public init(
        entriesChecked: Int,
        lastIndex: Int64,
        lastHashHex: String,
        lastMatchingCheckpoint: Int64?,
        firstBreak: Break?
    ) {
        self.entriesChecked = entriesChecked
        self.lastIndex = lastIndex
        self.lastHashHex = lastHashHex
        self.lastMatchingCheckpoint = lastMatchingCheckpoint
        self.firstBreak = firstBreak
    }

    /// Whether no entry is broken.
    public var isIntact: Bool { firstBreak == nil }

    public var description: String {
        if let firstBreak {
            return "audit log broken at entry \(firstBreak.index): \(firstBreak.failure)"
        }
        let checkpoint = lastMatchingCheckpoint.map { ", matches the checkpoint at \($0)" } ?? ""
        return "audit log intact: \(entriesChecked) entries, h_\(lastIndex) = \(lastHashHex)\(checkpoint)"
    }
}
