import HubProtocol

/// Turns raw values into typed ones, collecting a problem for each value
/// that does not fit and naming it by where it came from.
struct ConfigurationReader {
    /// Raw values by key path.
    let entries: [String: RawEntry]
    /// The configuration file's folder, which relative paths resolve against.
    let directory: String
    /// Keys whose raw value was already refused (no second problem for them).
    let alreadyReported: Set<String>
    /// The problems found.
    private(set) var problems: [ConfigurationProblem] = []
    /// Every key path read, to check that the decoder reads every documented key.
    private(set) var consumed: Set<String> = []

    init(source: ConfigurationSource, directory: String) {
        self.entries = source.entries
        self.directory = directory
        self.alreadyReported = Set(source.problems.map(\.key))
    }

    /// The name problems with `path` are reported under: the key path, or
    /// the environment variable when the value came from there.
    func name(_ path: String) -> String { entries[path]?.origin ?? path }

    /// Records a problem with the value at `path`.
    mutating func fail(_ path: String, _ reason: String) {
        problems.append(.init(key: name(path), reason: reason))
    }

    /// Records a problem under a name made elsewhere (list items, peers).
    mutating func fail(named key: String, _ reason: String) {
        problems.append(.init(key: key, reason: reason))
    }

    // MARK: - Scalars

    /// The text at `path`; nil when it is not set, which is a problem when
    /// `required`.
    mutating func text(_ path: String, required: Bool = false) -> String? {
        consumed.insert(path)
        precondition(NodeConfiguration.key(path)?.kind == .scalar, "\(path) is not a documented scalar key")
        guard let entry = entries[path], case .scalar(let text) = entry.value else {
            if required, !alreadyReported.contains(path) { fail(path, "is required") }
            return nil
        }
        return text
    }

    /// Reads a whole number in `range` into `value` when set.
    mutating func int(_ path: String, _ value: inout Int, in range: ClosedRange<Int>) {
        guard let text = text(path) else { return }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let number = Int(text), range.contains(number)
        else {
            fail(
                path,
                "must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(Self.quoted(text))"
            )
            return
        }
        value = number
    }

    /// Reads `true` or `false` into `value` when set.
    mutating func bool(_ path: String, _ value: inout Bool) {
        guard let text = text(path) else { return }
        switch text.lowercased() {
        case "true": value = true
        case "false": value = false
        default: fail(path, "must be true or false, not \(Self.quoted(text))")
        }
    }

    /// Reads one of an enumeration's raw values into `value` when set.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(_ path: String, _ value: inout Choice)
    where Choice.RawValue == String {
        guard let text = text(path) else { return }
        guard let choice = Choice(rawValue: text) else {
            let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
            fail(path, "must be one of \(names), not \(Self.quoted(text))")
            return
        }
        value = choice
    }

    /// Reads an OIN (20 ASCII digits).
    mutating func oin(_ path: String, required: Bool) -> String? {
        guard let text = text(path, required: required) else { return nil }
        guard Self.isOIN(text) else {
            fail(path, "must be 20 digits")
            return nil
        }
        return text
    }

    /// Reads a host name or IP address into `value` when set.
    mutating func host(_ path: String, _ value: inout String) {
        guard let text = text(path) else { return }
        guard NodeConfiguration.Endpoint.isValidHost(text) else {
            fail(path, "must be an IPv4 or IPv6 address or a host name, not \(Self.quoted(text))")
            return
        }
        value = text
    }

    /// Reads an `https://` endpoint.
    mutating func endpoint(_ path: String, required: Bool) -> NodeConfiguration.Endpoint? {
        guard let text = text(path, required: required) else { return nil }
        switch NodeConfiguration.Endpoint.parse(text) {
        case .success(let endpoint): return endpoint
        case .failure(let problem):
            fail(path, problem.reason)
            return nil
        }
    }

    /// Reads a path, resolved against the configuration file's folder.
    mutating func path(_ path: String, required: Bool = false) -> String? {
        text(path, required: required).map(resolve)
    }

    /// Reads a decimal ε greater than zero into `value` when set.
    mutating func epsilon(_ path: String, _ value: inout Epsilon) {
        guard let text = text(path) else { return }
        guard let epsilon = Epsilon(text), epsilon.micros > 0 else {
            fail(
                path,
                "must be a decimal greater than 0 with at most 6 decimals, e.g. \"0.5\", not \(Self.quoted(text))"
            )
            return
        }
        value = epsilon
    }

    // MARK: - Lists

    /// The list at `path` with a name for each item, nil when not set.
    mutating func list(_ path: String) -> [(value: String, name: String)]? {
        consumed.insert(path)
        precondition(NodeConfiguration.key(path)?.kind == .list, "\(path) is not a documented list key")
        guard let entry = entries[path], case .list(let items) = entry.value else { return nil }
        return items.enumerated().map { ($0.element, "\(entry.origin)[\($0.offset)]") }
    }

    /// The peers, each with the name its fields are reported under
    /// (`peers[1]`, `HUB_PEERS[1]`); empty when not set.
    mutating func peers(_ path: String) -> [(fields: [String: String], name: String)] {
        consumed.insert(path)
        precondition(NodeConfiguration.key(path)?.kind == .peers, "\(path) is not the documented peers key")
        guard let entry = entries[path], case .peers(let peers) = entry.value else { return [] }
        return peers.enumerated().map { ($0.element, "\(entry.origin)[\($0.offset)]") }
    }

    // MARK: - Helpers

    /// `path` made absolute against the configuration file's folder, with
    /// `.`, `..` and repeated slashes removed.
    func resolve(_ path: String) -> String {
        Self.normalize(path.hasPrefix("/") ? path : directory + "/" + path)
    }

    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether `text` is an OIN: exactly 20 ASCII digits.
    static func isOIN(_ text: String) -> Bool {
        text.utf8.count == 20 && text.utf8.allSatisfy { (0x30...0x39).contains($0) }
    }

    /// `text` in quotes, shortened to 40 characters, for error messages.
    static func quoted(_ text: String) -> String {
        let short = text.count > 40 ? text.prefix(37) + "..." : Substring(text)
        return "\"\(short)\""
    }
}
