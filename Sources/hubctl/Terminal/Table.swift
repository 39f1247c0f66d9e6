import Foundation
import HubProtocol

/// Plain text tables for people.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func add(_ cells: String...) { rows.append(cells) }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { i in all.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(
            separator: "\n"
        )
    }
}

extension JSONValue {
    /// A short text for a table cell.
    var cell: String {
        switch self {
        case .null: "-"
        case .bool(let b): b ? "yes" : "no"
        case .number: intValue.map(String.init) ?? "\(self)"
        case .string(let s): s
        case .array(let a): a.map(\.cell).joined(separator: ",")
        case .object: JCS.string(self)
        }
    }
}

/// Prints `value` as JSON (for `--json`).
func printJSON(_ value: JSONValue) {
    print(JCS.string(value))
}

/// A duration in seconds for people: `45 s`, `12 min`, `3 h`, `2 d`.
func humanSeconds(_ seconds: Int64) -> String {
    if seconds < 120 { return "\(seconds) s" }
    if seconds < 7200 { return "\(seconds / 60) min" }
    if seconds < 172_800 { return "\(seconds / 3600) h" }
    return "\(seconds / 86_400) d"
}
