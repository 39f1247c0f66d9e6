import Foundation

/// A small parser of the Prometheus text exposition format (0.0.4), enough
/// to read the node's `/metrics` in tests: samples with labels and values.
struct PrometheusText {
    struct Sample: Hashable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let samples: [Sample]
    /// `# TYPE` per metric name.
    let types: [String: String]

    init(_ text: String) throws {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                guard parts.count == 2 else { throw RunnerError("bad TYPE line: \(line)") }
                types[String(parts[0])] = String(parts[1])
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(line))
        }
        self.samples = samples
        self.types = types
    }

    /// `name{a="x",b="y"} value` (label values may hold escaped `\\`, `\"`, `\n`).
    private static func sample(_ line: String) throws -> Sample {
        var chars = Array(line)[...]
        var name = ""
        while let c = chars.first, c != "{" && c != " " {
            name.append(c)
            chars = chars.dropFirst()
        }
        var labels: [String: String] = [:]
        if chars.first == "{" {
            chars = chars.dropFirst()
            while chars.first != "}" {
                var key = ""
                while let c = chars.first, c != "=" {
                    key.append(c)
                    chars = chars.dropFirst()
                }
                guard chars.starts(with: ["=", "\""]) else { throw RunnerError("bad label in: \(line)") }
                chars = chars.dropFirst(2)
                var value = ""
                while let c = chars.first, c != "\"" {
                    chars = chars.dropFirst()
                    if c == "\\", let next = chars.first {
                        value.append(next == "n" ? "\n" : next)
                        chars = chars.dropFirst()
                    } else {
                        value.append(c)
                    }
                }
                guard !chars.isEmpty else { throw RunnerError("unterminated label value in: \(line)") }
                chars = chars.dropFirst()
                labels[key] = value
                if chars.first == "," { chars = chars.dropFirst() }
                guard !chars.isEmpty else { throw RunnerError("unterminated labels in: \(line)") }
            }
            chars = chars.dropFirst()
        }
        let rest = String(chars).trimmingCharacters(in: .whitespaces).split(separator: " ")
        guard let first = rest.first, let value = Double(first) ?? Self.special(first) else {
            throw RunnerError("bad value in: \(line)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func special(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: nil
        }
    }

    /// The value of the one sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
        return matches.count == 1 ? matches[0].value : nil
    }

    /// The sum over samples named `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { s in s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }
}
