/// One thing wrong with a configuration file: the key (or environment
/// variable, or the file itself) at fault and the reason.
///
/// A problem's `key` is the key path in the file (`identity.oin`,
/// `peers[1].endpoint`); when the value came from the environment it is the
/// variable instead (`HUB_LISTEN_PORT`, `HUB_PEERS[1].endpoint`); for the file
/// as a whole (unreadable, not YAML, duplicate keys) it is the file's path.
public struct ConfigurationProblem: Sendable, Hashable, CustomStringConvertible {
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
