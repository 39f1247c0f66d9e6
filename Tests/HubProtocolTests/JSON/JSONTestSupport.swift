import Foundation
import Testing

@testable import HubProtocol

/// SplitMix64: a small seeded generator so that random tests repeat exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum JSONTestSupport {
    /// The folder of the RFC 8785 vectors (input/, output/, outhex/, README).
    static func jcsVectorsURL() throws -> URL {
        try #require(Bundle.module.url(forResource: "jcs", withExtension: nil, subdirectory: "Resources/vectors"))
    }

    /// Expects `JSONParser` to refuse `bytes` with exactly `message`.
    static func expectRefused(
        _ bytes: [UInt8],
        options: JSONParser.Options = .init(),
        _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            let value = try JSONParser.parse(bytes, options: options)
            Issue.record(
                "accepted \(hexString(bytes)) as \(value), expected \"\(message)\"",
                sourceLocation: sourceLocation
            )
        } catch let error as HubProtocolError {
            #expect(error.code == .json, sourceLocation: sourceLocation)
            #expect(error.message == message, "input \(hexString(bytes))", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error type \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Expects `JSONParser` to refuse `text` (its UTF-8 bytes) with exactly `message`.
    static func expectRefused(
        _ text: String,
        options: JSONParser.Options = .init(),
        _ message: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectRefused(Array(text.utf8), options: options, message, sourceLocation: sourceLocation)
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }

    /// Equality without Swift's canonical equivalence for strings and with
    /// numbers compared bit for bit (JCS writes −0 as 0, so ±0 match).
    static func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x.bitPattern == y.bitPattern || (x == 0 && y == 0)
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { identical($0, $1) }
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let index = y.index(forKey: key), y[index].key.utf8.elementsEqual(key.utf8),
                    identical(value, y[index].value)
                else { return false }
            }
            return true
        default: return false
        }
    }

    // MARK: - Random values

    /// A random I-JSON value: any finite numbers, strings over all of Unicode
    /// except surrogates and noncharacters, nesting up to `depth` more levels.
    static func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        let kind = Int.random(in: 0..<(depth > 0 ? 7 : 4), using: &rng)
        switch kind {
        case 0: return Bool.random(using: &rng) ? .null : .bool(Bool.random(using: &rng))
        case 1: return .number(randomNumber(&rng))
        case 2, 3: return .string(randomString(&rng))
        case 4: return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth - 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &rng) {
                members[randomString(&rng)] = randomValue(&rng, depth: depth - 1)
            }
            return .object(members)
        }
    }

    static func randomNumber(_ rng: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return Double(Int64.random(in: -JSONValue.maxSafeInteger...JSONValue.maxSafeInteger, using: &rng))
        case 1: return Double(Int.random(in: -1000...1000, using: &rng))
        case 2: return Double(Int.random(in: -100_000...100_000, using: &rng)) / 100
        default:
            while true {
                let d = Double(bitPattern: rng.next())
                if d.isFinite { return d }
            }
        }
    }

    static func randomString(_ rng: inout SeededGenerator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            scalars.append(randomScalar(&rng))
        }
        return String(scalars)
    }

    static func randomScalar(_ rng: inout SeededGenerator) -> Unicode.Scalar {
        while true {
            let value: UInt32
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: value = UInt32.random(in: 0...0x1F, using: &rng)  // controls: escaped by JCS
            case 1: value = UInt32.random(in: 0x20...0x7F, using: &rng)
            case 2: value = UInt32.random(in: 0x80...0x7FF, using: &rng)
            case 3: value = UInt32.random(in: 0x800...0xFFFF, using: &rng)
            case 4:
                value =
                    [0x22, 0x5C, 0x2F, 0x2028, 0x2029, 0x301, 0x30A, 0xFFFD, 0xFF61][Int.random(in: 0..<9, using: &rng)]
            default: value = UInt32.random(in: 0x10000...0x10FFFF, using: &rng)
            }
            if let scalar = Unicode.Scalar(value), !JSONParser.isNoncharacter(value) { return scalar }
        }
    }

    /// Writes `value` as valid but non-canonical JSON: random whitespace,
    /// members in dictionary order, strings with random `\u` escapes, numbers
    /// in Swift's own notation (`1e-07`, `100000.0`).
    static func noncanonicalText(_ value: JSONValue, _ rng: inout SeededGenerator) -> String {
        let spaces = [" ", "\t", "\n", "\r", ""]
        func ws() -> String {
            (0..<Int.random(in: 0...2, using: &rng)).map { _ in spaces[Int.random(in: 0..<5, using: &rng)] }.joined()
        }
        func quoted(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                let v = scalar.value
                let mustEscape = v < 0x20 || v == 0x22 || v == 0x5C
                if mustEscape || Int.random(in: 0..<4, using: &rng) == 0 {
                    if v >= 0x10000 {
                        let u = v - 0x10000
                        out += String(format: "\\u%04X\\u%04x", 0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF))
                    } else {
                        out += String(format: Bool.random(using: &rng) ? "\\u%04x" : "\\u%04X", v)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return d.description
        case .string(let s): return quoted(s)
        case .array(let elements):
            return "[" + ws() + elements.map { noncanonicalText($0, &rng) + ws() }.joined(separator: "," + ws()) + "]"
        case .object(let members):
            return "{" + ws()
                + members.map { quoted($0.key) + ws() + ":" + ws() + noncanonicalText($0.value, &rng) + ws() }
                .joined(separator: "," + ws()) + "}"
        }
    }
}
