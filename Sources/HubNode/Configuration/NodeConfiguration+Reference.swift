extension NodeConfiguration {
    /// The rules every key follows, as the reference states them.
    private static let rules = [
        "Relative paths are resolved against the configuration file's folder.",
        "Every key can be set from the environment instead, which wins over the file: `HUB_` and the key"
            + " path in capitals with dots as underscores (`listen.port` is `HUB_LISTEN_PORT`). Lists are"
            + " comma-separated (`HUB_TLS_CRLS=crl1.pem,crl2.pem`); the peers are"
            + " `HUB_PEERS=\"name=oin@https://host:port;...\"`, which replaces the file's whole list. An empty"
            + " variable is ignored, except for a list, where it means the empty list. An unknown"
            + " `HUB_<SECTION>_...` variable is refused.",
        "Unknown and duplicate keys are refused, so a typo is reported rather than ignored. All problems are"
            + " reported at once, each as `<key>: <reason>`.",
    ]

    /// A complete, commented configuration file documenting every key and
    /// its default: the file `hubctl init` writes, and the reference
    /// operators read.
    ///
    /// It loads as it is once the four files it names under `tls/` exist
    /// next to it. Generated from ``keys``.
    public static var referenceYAML: String { referenceYAML(filling: [:]) }

    /// The reference with the values of `filling` (by key path, e.g.
    /// `identity.oin`, as YAML scalars) in place of the examples and defaults:
    /// the file `hubctl init` writes for a new node.
    public static func referenceYAML(filling: [String: String]) -> String {
        var out = [
            "# hub-node configuration (YAML). Every key is shown with its default;",
            "# a commented-out key is optional.", "#",
        ]
        for rule in rules { out += wrap(rule.filter { $0 != "`" }, prefix: "# ") + ["#"] }
        out.removeLast()
        for (section, meaning) in sections {
            out.append("")
            out += wrap(meaning, prefix: "# ")
            let members = keys.filter { $0.section == section }
            if members.isEmpty, let key = key(section) {
                out += entry(key, indent: "", value: filling[key.path])
                continue
            }
            out.append("\(section):")
            for key in members { out += entry(key, indent: "  ", value: filling[key.path]) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func entry(_ key: ConfigurationKey, indent: String, value: String? = nil) -> [String] {
        var lines = wrap(key.meaning, prefix: indent + "# ")
        switch key.presence {
        case .required(let example):
            lines += presenceLines("Required.", key, indent)
            lines.append("\(indent)\(key.name): \(value ?? example)")
        case .defaulted(let yaml, let note):
            let shown = note.map { "\(yaml) (\($0))" } ?? yaml
            lines += presenceLines("Default: \(shown).", key, indent)
            lines.append("\(indent)\(key.name): \(value ?? yaml)")
            if key.kind == .peers {
                lines += [
                    "\(indent)# peers:",
                    "\(indent)#   - name: Gemeente Zwolle",
                    "\(indent)#     oin: \"99990000000000000002\"",
                    "\(indent)#     endpoint: https://hub.zwolle.example:8443",
                ]
            }
        case .optional(let example, let whenAbsent):
            lines += presenceLines("Not set: \(whenAbsent).", key, indent)
            lines.append(value.map { "\(indent)\(key.name): \($0)" } ?? "\(indent)# \(key.name): \(example)")
        }
        return lines
    }

    /// `presence` and the key's variable on one comment line, or two when
    /// that would be longer than 78 characters.
    private static func presenceLines(_ presence: String, _ key: ConfigurationKey, _ indent: String) -> [String] {
        let variable = "Environment: \(key.environmentVariable)."
        let line = "\(indent)# \(presence) \(variable)"
        return line.count <= 78 ? [line] : ["\(indent)# \(presence)", "\(indent)# \(variable)"]
    }

    /// The configuration reference as Markdown, the content of
    /// `docs/configuration.md`: the rules, then a table of every key with
    /// its environment variable, default and meaning. Generated from ``keys``.
    public static var referenceMarkdown: String {
        var out = [
            "# Configuration reference",
            "",
            "<!-- Generated from NodeConfiguration.keys (Sources/HubNode/Configuration); do not edit by hand.",
            "     Regenerate: UPDATE_CONFIGURATION_DOCS=1 swift test --filter ConfigurationReferenceTests -->",
            "",
            "`hub-node` reads one YAML file, checks every value and every file it names at start, and",
            "refuses to start with a list of every problem found.",
            "",
        ]
        for rule in rules { out.append("- " + rule) }
        out += [
            "", "A complete example with every key is `NodeConfiguration.referenceYAML` (written by `hubctl init`).",
        ]
        for (section, meaning) in sections {
            out += ["", "## `\(section)`", "", meaning, ""]
            out.append("| key | environment variable | default | meaning |")
            out.append("|---|---|---|---|")
            for key in keys where key.section == section || (key.section == nil && key.path == section) {
                let presence: String
                switch key.presence {
                case .required: presence = "required"
                case .defaulted(let yaml, let note): presence = "`\(yaml)`" + (note.map { " (\($0))" } ?? "")
                case .optional(_, let whenAbsent): presence = "not set: \(whenAbsent)"
                }
                out.append("| `\(key.path)` | `\(key.environmentVariable)` | \(presence) | \(key.meaning) |")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// `text` broken into lines of at most 78 characters, each starting with `prefix`.
    private static func wrap(_ text: String, prefix: String) -> [String] {
        var lines: [String] = []
        var line = prefix
        for word in text.split(separator: " ") {
            if line.count > prefix.count, line.count + 1 + word.count > 78 {
                lines.append(line)
                line = prefix
            }
            line += (line.count > prefix.count ? " " : "") + word
        }
        lines.append(line)
        return lines
    }
}
