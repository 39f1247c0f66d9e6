/// The body of a `hub-stats-query+jws` (PROTOCOL §11).
public struct StatsQuery: Sendable, Hashable, Codable {
    /// What is counted.
    public enum Measure: String, Sendable, Codable, CaseIterable {
        case cases, children
        case transfersIn = "transfers_in"
        case transfersOut = "transfers_out"
        case durationDays = "duration_days"
    }
    /// The period grouping, always first in `group_by`.
    public enum Period: String, Sendable, Codable, CaseIterable {
        case year = "period:year"
        case quarter = "period:quarter"
    }
    /// The dimensions a query may group by besides the period.
    public enum Dimension: String, Sendable, Codable, CaseIterable {
        case entryPhase = "entry_phase"
        case helpDomain = "help_domain"
        case referralSource = "referral_source"
        case ageBand = "age_band"
        case outcome
    }
    /// Whether the coordinator returns each node's cells or adds them up.
    public enum Mode: String, Sendable, Codable, CaseIterable { case split, combined }

    public var queryID: String
    /// The researcher's certificate CN.
    public var requester: String
    public var purpose: String
    public var measure: Measure
    public var period: Period
    /// At most two distinct dimensions.
    public var dimensions: [Dimension]
    public var from: CalendarDate
    public var to: CalendarDate
    public var mode: Mode
    public var epsilon: Epsilon?

    /// Makes a query; decoding checks the same rules.
    public init(
        queryID: String,
        requester: String,
        purpose: String,
        measure: Measure,
        period: Period,
        dimensions: [Dimension],
        from: CalendarDate,
        to: CalendarDate,
        mode: Mode,
        epsilon: Epsilon?
    ) {
        self.queryID = queryID
        self.requester = requester
        self.purpose = purpose
        self.measure = measure
        self.period = period
        self.dimensions = dimensions
        self.from = from
        self.to = to
        self.mode = mode
        self.epsilon = epsilon
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case queryID = "query_id"
        case requester, purpose, measure
        case groupBy = "group_by"
        case from, to, mode, epsilon
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queryID = try c.decodeUUID(.queryID)
        requester = try c.decodeText(.requester, max: 64)
        purpose = try c.decodeText(.purpose, max: 200)
        measure = try c.decode(Measure.self, forKey: .measure)
        let groupBy = try c.decode([String].self, forKey: .groupBy)
        guard let first = groupBy.first, let period = Period(rawValue: first) else {
            throw c.invalid(.groupBy, "must start with \"period:year\" or \"period:quarter\"")
        }
        self.period = period
        var dims: [Dimension] = []
        for name in groupBy.dropFirst() {
            guard let d = Dimension(rawValue: name) else {
                throw c.invalid(
                    .groupBy,
                    "unknown dimension (entry_phase, help_domain, referral_source, age_band, outcome)"
                )
            }
            dims.append(d)
        }
        guard dims.count <= 2, Set(dims).count == dims.count else {
            throw c.invalid(.groupBy, "at most 2 distinct dimensions after the period")
        }
        dimensions = dims
        from = try c.decode(CalendarDate.self, forKey: .from)
        to = try c.decode(CalendarDate.self, forKey: .to)
        guard from.isFirstDayOfQuarter else { throw c.invalid(.from, "must be the first day of a quarter") }
        guard to.isLastDayOfQuarter else { throw c.invalid(.to, "must be the last day of a quarter") }
        guard from < to else { throw c.invalid(.to, "must not be before from") }
        mode = try c.decode(Mode.self, forKey: .mode)
        epsilon = try c.decodeNullable(Epsilon.self, forKey: .epsilon)
        if let e = epsilon, e.micros <= 0 { throw c.invalid(.epsilon, "must be greater than 0") }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queryID, forKey: .queryID)
        try c.encode(requester, forKey: .requester)
        try c.encode(purpose, forKey: .purpose)
        try c.encode(measure, forKey: .measure)
        try c.encode([period.rawValue] + dimensions.map(\.rawValue), forKey: .groupBy)
        try c.encode(from, forKey: .from)
        try c.encode(to, forKey: .to)
        try c.encode(mode, forKey: .mode)
        try c.encodeNullable(epsilon, forKey: .epsilon)
    }
}

/// The body of a `hub-stats-result+jws` (PROTOCOL §11).
public struct StatsResult: Sendable, Hashable, Codable {
    /// One released or suppressed cell.
    public struct Cell: Sendable, Hashable, Codable {
        /// The dimension values, e.g. `{"period":"2025-Q1","help_domain":"legal"}`.
        public var key: [String: String]
        /// The released (rounded) count, nil when suppressed.
        public var n: Int64?
        /// The released sum (for `duration_days`), if any.
        public var sum: Int64?
        /// Whether the cell is suppressed.
        public var suppressed: Bool

        /// A released cell.
        public init(key: [String: String], n: Int64, sum: Int64? = nil) {
            self.key = key
            self.n = n
            self.sum = sum
            self.suppressed = false
        }

        /// A suppressed cell.
        public init(suppressedKey key: [String: String]) {
            self.key = key
            self.n = nil
            self.sum = nil
            self.suppressed = true
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case key, n, sum, suppressed }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            key = try c.decode([String: String].self, forKey: .key)
            if c.contains(.suppressed) {
                guard try c.decode(Bool.self, forKey: .suppressed), !c.contains(.n), !c.contains(.sum) else {
                    throw c.invalid(.suppressed, "a suppressed cell is {key, suppressed: true} only")
                }
                suppressed = true
                n = nil
                sum = nil
            } else {
                suppressed = false
                n = try c.decode(Int64.self, forKey: .n)
                sum = try c.decodeIfPresent(Int64.self, forKey: .sum)
                if c.contains(.sum), sum == nil { throw c.invalid(.sum, "must be an integer") }
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(key, forKey: .key)
            if suppressed {
                try c.encode(true, forKey: .suppressed)
            } else {
                try c.encode(n ?? 0, forKey: .n)
                try c.encodeIfPresent(sum, forKey: .sum)
            }
        }
    }

    /// The disclosure rules a node applied.
    public struct Policy: Sendable, Hashable, Codable {
        public var minCell: Int
        public var roundTo: Int
        public init(minCell: Int = 5, roundTo: Int = 5) {
            self.minCell = minCell
            self.roundTo = roundTo
        }
        enum CodingKeys: String, CodingKey, CaseIterable {
            case minCell = "min_cell"
            case roundTo = "round_to"
        }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minCell = try c.decode(Int.self, forKey: .minCell)
            roundTo = try c.decode(Int.self, forKey: .roundTo)
            guard minCell >= 1 else { throw c.invalid(.minCell, "must be 1 or more") }
            guard roundTo >= 1 else { throw c.invalid(.roundTo, "must be 1 or more") }
        }
    }

    public var queryID: String
    /// The answering node's OIN.
    public var node: String
    public var cells: [Cell]
    public var policy: Policy
    public var epsilonSpent: Epsilon?
    public var epsilonLeft: Epsilon?

    /// Makes a result.
    public init(
        queryID: String,
        node: String,
        cells: [Cell],
        policy: Policy,
        epsilonSpent: Epsilon?,
        epsilonLeft: Epsilon?
    ) {
        self.queryID = queryID
        self.node = node
        self.cells = cells
        self.policy = policy
        self.epsilonSpent = epsilonSpent
        self.epsilonLeft = epsilonLeft
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case queryID = "query_id"
        case node, cells, policy
        case epsilonSpent = "epsilon_spent"
        case epsilonLeft = "epsilon_left"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        queryID = try c.decodeUUID(.queryID)
        node = try c.decodeOIN(.node)
        cells = try c.decode([Cell].self, forKey: .cells)
        policy = try c.decode(Policy.self, forKey: .policy)
        epsilonSpent = try c.decodeNullable(Epsilon.self, forKey: .epsilonSpent)
        epsilonLeft = try c.decodeNullable(Epsilon.self, forKey: .epsilonLeft)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(queryID, forKey: .queryID)
        try c.encode(node, forKey: .node)
        try c.encode(cells, forKey: .cells)
        try c.encode(policy, forKey: .policy)
        try c.encodeNullable(epsilonSpent, forKey: .epsilonSpent)
        try c.encodeNullable(epsilonLeft, forKey: .epsilonLeft)
    }
}
