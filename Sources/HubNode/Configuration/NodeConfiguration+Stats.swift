public import HubProtocol

extension NodeConfiguration {
    /// Who may ask this node for statistics, and how much it reveals
    /// (PROTOCOL.md §11).
    public struct Stats: Sendable, Hashable {
        /// OINs of the coordinators this node answers stats queries from;
        /// each must be a configured peer or this node. An empty list answers
        /// no one.
        ///
        /// The default is nil: every configured peer.
        public var allowedCoordinators: [String]?

        /// Stats queries answered per coordinator per calendar day.
        ///
        /// The default is 50.
        public var maxQueriesPerCoordinatorPerDay = 50

        /// Cells with 0 < n < `minCell` are suppressed. A query may ask for
        /// more, never less.
        ///
        /// The default is 5.
        public var minCell = 5

        /// Released counts and sums are rounded half-up to a multiple of this.
        ///
        /// The default is 5.
        public var roundTo = 5

        /// The ε budget per (coordinator, requester) per calendar year.
        ///
        /// The default is 5.
        public var epsilonPerRequester = Epsilon(micros: 5_000_000)

        /// The ε budget across all requesters per calendar year.
        ///
        /// The default is 10.
        public var epsilonPerYear = Epsilon(micros: 10_000_000)

        /// Makes a stats configuration with every default.
        public init() {}

        /// Whether `oin` may coordinate stats queries to this node, given the
        /// configured peers.
        public func allowsCoordinator(_ oin: String, peers: [Peer]) -> Bool {
            if let allowedCoordinators { return allowedCoordinators.contains(oin) }
            return peers.contains { $0.oin == oin }
        }
    }
}
