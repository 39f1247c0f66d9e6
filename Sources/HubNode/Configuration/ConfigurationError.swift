/// Why a configuration could not be loaded: every problem found, each naming
/// the key (or environment variable) at fault and the reason.
///
/// ``NodeConfiguration/load(path:environment:)`` collects all problems before
/// it throws, so an operator fixes a file in one pass. A problem's `key` is
/// the key path in the file (`identity.oin`, `peers[1].endpoint`); when the
/// value came from the environment it is the variable instead
/// (`HUB_LISTEN_PORT`, `HUB_PEERS[1].endpoint`); for the file as a whole
/// (unreadable, not YAML, duplicate keys) it is the file's path.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// One thing wrong with the configuration.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The key path, environment variable or file at fault.
        public var key: String
        /// What is wrong, in words an operator can act on.
        public var reason: String

        /// Makes a problem.
        public init(key: String, reason: String) {
            self.key = key
            self.reason = reason
        }

        /// `<key>: <reason>`.
        public var description: String { "\(key): \(reason)" }
    }

    /// The configuration file that was loaded.
    public var file: String
    /// Every problem found, in the order found; never empty.
    public var problems: [Problem]

    /// Makes an error for `file` listing `problems`.
    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems
    }

    /// The keys at fault, in order (for tests and tools).
    public var keys: [String] { problems.map(\.key) }

    /// A header line naming the file, then one `<key>: <reason>` line per problem.
    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "invalid configuration \(file) (\(count)):\n"
            + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
