public import HubProtocol

/// What one retention run removes (PROTOCOL §13, docs/protocol.md
/// "Retention"): ids, hashes and counts, never personal data.
///
/// A plan is computed by ``RetentionPlanner`` from the store at one `now`
/// and carried out by ``RetentionPlanner/apply(_:in:)``; computing it
/// changes nothing (a dry run).
public struct RetentionPlan: Sendable, Hashable {
    /// A referral, as PROTOCOL §9 keys it.
    public struct ReferralKey: Sendable, Hashable {
        /// The OIN of the node that offered it.
        public var sender: String
        /// The referral id.
        public var referralID: String

        /// Makes a key.
        public init(sender: String, referralID: String) {
            self.sender = sender
            self.referralID = referralID
        }
    }

    /// An outbox row.
    public struct OutboxMessage: Sendable, Hashable {
        /// The row id.
        public var id: Int64
        /// The message's content address.
        public var hash: String

        /// Makes an entry.
        public init(id: Int64, hash: String) {
            self.id = id
            self.hash = hash
        }
    }

    /// The time the plan was computed for (Unix seconds).
    public var now: Int64
    /// The retention age in days.
    public var closedCaseAgeDays: Int
    /// Cases closed before this day (Europe/Amsterdam) are past retention:
    /// today minus the retention age.
    public var cutoff: CalendarDate
    /// Closed cases past retention whose persons lose their identity blob
    /// and pseudonym, oldest closing first.
    public var cases: [String]
    /// How many persons (rows of `case_persons`) those cases have.
    public var persons: Int
    /// Referrals past retention with sealed data still stored: an incoming
    /// offer's message, an outgoing offer's messages, or an encrypted copy
    /// of the sealed plaintext.
    public var referrals: [ReferralKey]
    /// Hashes of incoming `referral.offer` messages holding sealed data whose
    /// bytes are deleted.
    public var inboxSealed: [String]
    /// Outgoing `referral.offer` messages holding sealed data whose bytes
    /// and body are deleted.
    public var outboxSealed: [OutboxMessage]
    /// Referrals whose encrypted copy of the sealed plaintext
    /// (`referrals.identity_copy`) is cleared.
    public var identityCopies: [ReferralKey]
    /// Hashes of rejected incoming messages whose `exp` + 300 s has passed
    /// and whose bytes are deleted; their row and receipt stay.
    public var inboxExpired: [String]

    /// Makes a plan.
    public init(
        now: Int64,
        closedCaseAgeDays: Int,
        cutoff: CalendarDate,
        cases: [String] = [],
        persons: Int = 0,
        referrals: [ReferralKey] = [],
        inboxSealed: [String] = [],
        outboxSealed: [OutboxMessage] = [],
        identityCopies: [ReferralKey] = [],
        inboxExpired: [String] = []
    ) {
        self.now = now
        self.closedCaseAgeDays = closedCaseAgeDays
        self.cutoff = cutoff
        self.cases = cases
        self.persons = persons
        self.referrals = referrals
        self.inboxSealed = inboxSealed
        self.outboxSealed = outboxSealed
        self.identityCopies = identityCopies
        self.inboxExpired = inboxExpired
    }

    /// Whether the plan removes nothing.
    public var isEmpty: Bool {
        cases.isEmpty && referrals.isEmpty && inboxSealed.isEmpty && outboxSealed.isEmpty
            && identityCopies.isEmpty && inboxExpired.isEmpty
    }

    /// The counts, by the names the API, the audit entry and the logs use.
    public var counts: [(name: String, count: Int)] {
        [
            ("cases", cases.count), ("persons", persons), ("referrals", referrals.count),
            ("inbox_sealed", inboxSealed.count), ("outbox_sealed", outboxSealed.count),
            ("identity_copies", identityCopies.count), ("inbox_expired", inboxExpired.count),
        ]
    }

    /// The counts and the cutoff day: the audit entry's details.
    public var summary: JSONValue {
        var members: [String: JSONValue] = [
            "cutoff": .string(cutoff.description), "closed_case_age_days": .integer(Int64(closedCaseAgeDays)),
        ]
        for (name, count) in counts { members[name] = .integer(Int64(count)) }
        return .object(members)
    }

    /// The plan as the operator API answers it: ``summary`` under `counts`,
    /// and the ids and hashes of what goes.
    public func json(dryRun: Bool) -> JSONValue {
        func keys(_ list: [ReferralKey]) -> JSONValue {
            .array(list.map { .object(["sender": .string($0.sender), "referral_id": .string($0.referralID)]) })
        }
        return .object([
            "dry_run": .bool(dryRun), "now": .integer(now), "cutoff": .string(cutoff.description),
            "closed_case_age_days": .integer(Int64(closedCaseAgeDays)),
            "counts": .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.name, .integer(Int64($0.count))) })),
            "cases": .array(cases.map(JSONValue.string)),
            "referrals": keys(referrals),
            "inbox_sealed": .array(inboxSealed.map(JSONValue.string)),
            "outbox_sealed": .array(outboxSealed.map { .object(["id": .integer($0.id), "hash": .string($0.hash)]) }),
            "identity_copies": keys(identityCopies),
            "inbox_expired": .array(inboxExpired.map(JSONValue.string)),
        ])
    }
}
