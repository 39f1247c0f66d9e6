/// A privacy-loss budget ε, carried as a decimal string (PROTOCOL §11:
/// decimals travel as strings), held exactly as millionths so that budgets add
/// up without rounding drift.
public struct Epsilon: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// ε × 1,000,000.
    public let micros: Int64

    /// ε from millionths.
    public init(micros: Int64) { self.micros = micros }

    /// Parses `0`, `1.5`, `0.25`… (no sign, no exponent, at most 6 decimals, at most 1,000,000).
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.count <= 7,
            whole.allSatisfy({ $0.isASCII && $0.isNumber }), whole == "0" || whole.first != "0"
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard
            parts.count == 1
                || (!fraction.isEmpty && fraction.count <= 6 && fraction.allSatisfy({ $0.isASCII && $0.isNumber }))
        else { return nil }
        while fraction.count < 6 { fraction += "0" }
        guard let w = Int64(whole), let f = Int64(fraction), w <= 1_000_000 else { return nil }
        micros = w * 1_000_000 + f
    }

    /// The value as a Double, for drawing noise.
    public var doubleValue: Double { Double(micros) / 1_000_000 }

    /// Shortest decimal text: `5`, `0.5`, `1.25`.
    public var description: String {
        let w = micros / 1_000_000
        var f = String(micros % 1_000_000)
        if f == "0" { return String(w) }
        f = String(repeating: "0", count: 6 - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return "\(w).\(f)"
    }

    public static func < (a: Epsilon, b: Epsilon) -> Bool { a.micros < b.micros }
    public static func + (a: Epsilon, b: Epsilon) -> Epsilon { Epsilon(micros: a.micros + b.micros) }
    public static func - (a: Epsilon, b: Epsilon) -> Epsilon { Epsilon(micros: a.micros - b.micros) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let e = Epsilon(try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(
                in: c,
                debugDescription: "not a decimal string such as \"0.5\" (at most 6 decimals)"
            )
        }
        self = e
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
