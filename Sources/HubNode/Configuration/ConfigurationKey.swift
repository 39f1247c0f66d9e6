/// One key of the node's configuration file, as the reference documents it.
///
/// ``NodeConfiguration/keys`` lists every key; the loader refuses keys not in
/// it, and ``NodeConfiguration/referenceYAML`` and
/// ``NodeConfiguration/referenceMarkdown`` are generated from it, so the
/// documentation and the code cannot drift apart.
public struct ConfigurationKey: Sendable, Hashable {
    /// What shape of value the key takes.
    public enum Kind: Sendable, Hashable {
        /// One value: a string, number, boolean or path.
        case scalar
        /// A list of values; in the environment, comma-separated.
        case list
        /// The list of peers; in the environment, `HUB_PEERS`
        /// (`name=oin@https://host:port` entries separated by `;`).
        case peers
    }

    /// Whether the key must be set, and what applies when it is not.
    public enum Presence: Sendable, Hashable {
        /// The key must be set; `example` is a YAML value for the reference.
        case required(example: String)
        /// The key has a default: `yaml` is the default as YAML text, `note`
        /// an optional human reading of it (`8 MiB`).
        case defaulted(yaml: String, note: String?)
        /// The key may be left out, meaning `whenAbsent`; `example` is a YAML
        /// value for the reference (shown commented out).
        case optional(example: String, whenAbsent: String)
    }

    /// The dotted key path, e.g. `listen.port`.
    public let path: String
    /// The shape of the value.
    public let kind: Kind
    /// Whether it must be set, and its default.
    public let presence: Presence
    /// What the key means, in sentences (for the reference).
    public let meaning: String

    /// Makes a scalar key.
    public init(_ path: String, _ presence: Presence, _ meaning: String) {
        self.init(path, .scalar, presence, meaning)
    }

    /// Makes a key of any kind.
    public init(_ path: String, _ kind: Kind, _ presence: Presence, _ meaning: String) {
        self.path = path
        self.kind = kind
        self.presence = presence
        self.meaning = meaning
    }

    /// The environment variable overriding the key: `HUB_` and the key path
    /// upper-cased, `.` replaced by `_` (`HUB_LISTEN_PORT`).
    public var environmentVariable: String {
        "HUB_" + String(path.uppercased().map { $0 == "." ? "_" : $0 })
    }

    /// The section the key lives in (`listen`), or nil for a top-level key.
    public var section: String? {
        guard let dot = path.firstIndex(of: ".") else { return nil }
        return String(path[..<dot])
    }

    /// The key's name within its section (`port`).
    public var name: String {
        guard let dot = path.firstIndex(of: ".") else { return path }
        return String(path[path.index(after: dot)...])
    }
}
