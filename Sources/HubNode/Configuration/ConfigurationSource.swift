import Yams

/// A configuration value as written in the file or the environment, before
/// it is typed.
enum RawValue {
    /// One value, as its text.
    case scalar(String)
    /// A list of values.
    case list([String])
    /// The peers: each a map of `name`, `oin`, `endpoint` to text.
    case peers([[String: String]])
}

/// A raw value and where it came from.
struct RawEntry {
    /// The value.
    var value: RawValue
    /// The key path (`listen.port`) or environment variable (`HUB_LISTEN_PORT`)
    /// that set it: the name problems with it are reported under.
    var origin: String
}

/// The configuration's raw values by key path: the file's, then the
/// environment's on top, with every structural problem (unknown keys, wrong
/// shapes, bad YAML) collected.
struct ConfigurationSource {
    /// Raw values by key path (`listen.port`, `peers`).
    private(set) var entries: [String: RawEntry] = [:]
    /// The problems found so far.
    private(set) var problems: [ConfigurationProblem] = []
    /// Whether the file could not be read as a mapping at all; then its
    /// problem is the only one worth reporting.
    private(set) var fileIsUnusable = false

    /// Sections that hold keys (`listen`), and top-level keys (`peers`).
    private static let sectionNames = Set(NodeConfiguration.keys.compactMap(\.section))
    private static let topLevelNames = Set(NodeConfiguration.keys.filter { $0.section == nil }.map(\.path))
    private static let peerFields = ["name", "oin", "endpoint"]

    private mutating func fail(_ key: String, _ reason: String) {
        problems.append(.init(key: key, reason: reason))
    }

    // MARK: - The file

    /// Reads the YAML text of `file`; an empty document sets nothing.
    mutating func read(yaml text: String, file: String) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            fail(file, Self.describe(error))
            fileIsUnusable = true
            return
        } catch {
            fail(file, "not valid YAML: \(error)")
            fileIsUnusable = true
            return
        }
        guard let root, !Self.isNull(root) else { return }
        guard case .mapping(let mapping) = root else {
            fail(file, "must be a mapping of sections (identity, listen, tls, …)")
            fileIsUnusable = true
            return
        }
        readMapping(mapping, prefix: "")
    }

    private mutating func readMapping(_ mapping: Node.Mapping, prefix: String) {
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode, !keyScalar.string.isEmpty else {
                fail(prefix.isEmpty ? "(top level)" : prefix, "keys must be plain names")
                continue
            }
            let name = keyScalar.string
            let path = prefix.isEmpty ? name : prefix + "." + name
            if let key = NodeConfiguration.key(path) {
                read(valueNode, as: key)
            } else if prefix.isEmpty, Self.sectionNames.contains(name) {
                if Self.isNull(valueNode) { continue }
                guard case .mapping(let inner) = valueNode else {
                    fail(path, "must be a mapping of keys")
                    continue
                }
                readMapping(inner, prefix: path)
            } else {
                let siblings =
                    prefix.isEmpty
                    ? Array(Self.sectionNames.union(Self.topLevelNames))
                    : NodeConfiguration.keys.filter { $0.section == prefix }.map(\.name)
                fail(path, "unknown key" + Self.suggestion(for: name, among: siblings, elsewhere: path))
            }
        }
    }

    private mutating func read(_ node: Node, as key: ConfigurationKey) {
        if Self.isNull(node) { return }
        switch key.kind {
        case .scalar:
            guard case .scalar(let scalar) = node else {
                fail(key.path, "must be a single value, not a list or mapping")
                return
            }
            entries[key.path] = RawEntry(value: .scalar(scalar.string), origin: key.path)
        case .list:
            guard case .sequence(let sequence) = node else {
                fail(key.path, "must be a list, e.g. [a, b]")
                return
            }
            var items: [String] = []
            for (index, item) in sequence.enumerated() {
                guard case .scalar(let scalar) = item, !Self.isNull(item) else {
                    fail("\(key.path)[\(index)]", "must be a single value")
                    continue
                }
                items.append(scalar.string)
            }
            entries[key.path] = RawEntry(value: .list(items), origin: key.path)
        case .peers:
            guard case .sequence(let sequence) = node else {
                fail(key.path, "must be a list of {name, oin, endpoint}")
                return
            }
            var peers: [[String: String]] = []
            for (index, item) in sequence.enumerated() {
                peers.append(readPeer(item, at: "\(key.path)[\(index)]"))
            }
            entries[key.path] = RawEntry(value: .peers(peers), origin: key.path)
        }
    }

    private mutating func readPeer(_ node: Node, at path: String) -> [String: String] {
        guard case .mapping(let mapping) = node else {
            fail(path, "must be a mapping with name, oin and endpoint")
            return [:]
        }
        var fields: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            let name = keyNode.scalar?.string ?? ""
            guard Self.peerFields.contains(name) else {
                fail("\(path).\(name)", "unknown key" + Self.suggestion(for: name, among: Self.peerFields))
                continue
            }
            if Self.isNull(valueNode) { continue }
            guard case .scalar(let scalar) = valueNode else {
                fail("\(path).\(name)", "must be a single value")
                continue
            }
            fields[name] = scalar.string
        }
        return fields
    }

    /// Whether `node` is YAML's null: `~`, `null` or nothing at all.
    private static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return "duplicate key \(names) (first at line \(context.mark.line), column \(context.mark.column))"
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return "not valid YAML: \(problem) at line \(mark.line), column \(mark.column)"
        case .reader(let problem, _, _, _):
            return "not valid YAML: \(problem)"
        default:
            return "not valid YAML: \(error)"
        }
    }

    // MARK: - The environment

    /// Applies `HUB_…` overrides on top of the file's values.
    ///
    /// A scalar variable that is empty is ignored; a list variable that is
    /// empty sets the empty list. Variables named like a section's keys but
    /// matching none are refused, so typos are caught.
    mutating func apply(environment: [String: String]) {
        for key in NodeConfiguration.keys {
            let variable = key.environmentVariable
            guard let text = environment[variable] else { continue }
            let value = text.trimmingSpaces
            switch key.kind {
            case .scalar:
                if value.isEmpty { continue }
                entries[key.path] = RawEntry(value: .scalar(value), origin: variable)
            case .list:
                // For allowed_coordinators, absence means "every peer"; `*` restores it.
                if key.path == "stats.allowed_coordinators", value == "*" {
                    entries[key.path] = nil
                    continue
                }
                let items =
                    value.isEmpty
                    ? []
                    : value.split(separator: ",", omittingEmptySubsequences: false)
                        .map { String($0).trimmingSpaces }
                if items.contains("") {
                    fail(variable, "has an empty item; separate values with single commas")
                    continue
                }
                entries[key.path] = RawEntry(value: .list(items), origin: variable)
            case .peers:
                if let peers = parsePeers(value, variable: variable) {
                    entries[key.path] = RawEntry(value: .peers(peers), origin: variable)
                }
            }
        }
        let known = Set(NodeConfiguration.keys.map(\.environmentVariable))
        let prefixes = Self.sectionNames.union(Self.topLevelNames).map { "HUB_" + $0.uppercased() }
        for variable in environment.keys.sorted() where !known.contains(variable) {
            guard prefixes.contains(where: { variable == $0 || variable.hasPrefix($0 + "_") }) else { continue }
            fail(variable, "unknown variable" + Self.suggestion(for: variable, among: Array(known)))
        }
    }

    /// Parses `name=oin@https://host:port` entries separated by `;`.
    private mutating func parsePeers(_ text: String, variable: String) -> [[String: String]]? {
        var peers: [[String: String]] = []
        var valid = true
        let items = text.split(separator: ";").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        for (index, item) in items.enumerated() {
            guard let equals = item.firstIndex(of: "="),
                let at = item[equals...].firstIndex(of: "@")
            else {
                fail("\(variable)[\(index)]", "must be name=oin@https://host:port")
                valid = false
                continue
            }
            peers.append([
                "name": String(item[..<equals]).trimmingSpaces,
                "oin": String(item[item.index(after: equals)..<at]).trimmingSpaces,
                "endpoint": String(item[item.index(after: at)...]).trimmingSpaces,
            ])
        }
        return valid ? peers : nil
    }

    // MARK: - Suggestions

    /// ` (did you mean X?)` when a candidate is one or two edits away from
    /// `name`, or when `name` is a key of another section; else empty.
    static func suggestion(for name: String, among candidates: [String], elsewhere path: String? = nil) -> String {
        let limit = name.count < 5 ? 1 : 2
        var best: (candidate: String, distance: Int)?
        for candidate in candidates.sorted() {
            let distance = editDistance(name, candidate)
            if distance <= limit, distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        if let best { return " (did you mean \(best.candidate)?)" }
        if path != nil, let other = NodeConfiguration.keys.first(where: { $0.name == name }) {
            return " (did you mean \(other.path)?)"
        }
        return ""
    }

    /// Optimal string alignment distance: insertions, deletions,
    /// substitutions and transpositions of neighbours each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased())
        let b = Array(b.lowercased())
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                let deletion: Int = d[i - 1][j] + 1
                let insertion: Int = d[i][j - 1] + 1
                let substitution: Int = d[i - 1][j - 1] + cost
                d[i][j] = Swift.min(deletion, insertion, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    let transposition: Int = d[i - 2][j - 2] + 1
                    d[i][j] = Swift.min(d[i][j], transposition)
                }
            }
        }
        return d[a.count][b.count]
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
