import Foundation
import Testing

@testable import HubProtocol

@Suite struct JCSNumberTests {
    private static func readme() throws -> String {
        let url = try JSONTestSupport.jcsVectorsURL().appendingPathComponent("README.upstream.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The text between `start` and the next `end` after it.
    private static func section(of text: String, from start: String, to end: String) throws -> Substring {
        let lower = try #require(text.range(of: start)).upperBound
        let upper = try #require(text.range(of: end, range: lower..<text.endIndex)).lowerBound
        return text[lower..<upper]
    }

    private static func line(_ bits: UInt64) -> String {
        "\(String(bits, radix: 16)),\(JCS.formatNumber(Double(bitPattern: bits)))\n"
    }

    /// The `hex-ieee,expected` sample lines of the README.
    @Test func readmeSampleLines() throws {
        let samples = try Self.section(of: Self.readme(), from: "Sample lines:\n```code\n", to: "```")
            .split(separator: "\n")
        var passed = 0
        for sample in samples {
            let parts = sample.split(separator: ",")
            try #require(parts.count == 2)
            let bits = try #require(UInt64(parts[0], radix: 16))
            let formatted = JCS.formatNumber(Double(bitPattern: bits))
            #expect(formatted == String(parts[1]), "\(sample)")
            if formatted == String(parts[1]) { passed += 1 }
        }
        print("jcs README.upstream.md sample lines: \(samples.count) vectors, \(passed) passed")
        #expect(samples.count == 7)
        #expect(passed == samples.count)
    }

    /// Regenerates the head of es6testfile100m.txt with `formatNumber` and
    /// compares its SHA-256 with the README table, as the README proposes: every
    /// line (value and expected text) must match for the hash to.
    @Test func es6TestFileHashes() throws {
        let readme = try Self.readme()
        let statics = try Self.section(of: readme, from: "staticU64s = new BigUint64Array([", to: "])")
            .split(whereSeparator: { $0 == "," || $0.isWhitespace })
            .map { token in try #require(UInt64(token.dropFirst(2).dropLast(), radix: 16), "token \(token)") }
        #expect(statics.count == 168)

        // "| <sha256> | <lines> | <bytes> |" rows.
        var table: [(lines: Int, hash: String, size: Int)] = []
        for row in readme.split(separator: "\n") where row.hasPrefix("| ") {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count == 3, cells[0].count == 64, let lines = Int(cells[1]), let size = Int(cells[2]) {
                table.append((lines, cells[0], size))
            }
        }
        #expect(table.count == 6)
        let checked = table.filter { $0.lines <= 1_000_000 }

        var text: [UInt8] = []
        text.reserveCapacity(41_000_000)
        var produced = 0
        var results: [Int: (hash: String, size: Int)] = [:]
        func emit(_ bits: UInt64) {
            text.append(contentsOf: Self.line(bits).utf8)
            produced += 1
            if checked.contains(where: { $0.lines == produced }) {
                results[produced] = (Hex.encode(SHA256.hash(text)), text.count)
            }
        }
        let target = checked.map(\.lines).max() ?? 0
        for bits in statics where produced < target { emit(bits) }
        for i in 0..<UInt64(2000) where produced < target { emit(0x0010_0000_0000_0000 + i) }
        var block = [UInt8](repeating: 0, count: 32)
        while produced < target {
            block = SHA256.hash(block)
            for k in 0..<4 where produced < target {
                let bits = block[(k * 8)..<(k * 8 + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let d = Double(bitPattern: bits)
                if d != 0 && d.isFinite { emit(bits) }
            }
        }
        var passed = 0
        for row in checked {
            let result = try #require(results[row.lines])
            #expect(result.hash == row.hash, "first \(row.lines) lines")
            #expect(result.size == row.size, "first \(row.lines) lines")
            if result.hash == row.hash && result.size == row.size { passed += 1 }
        }
        print(
            "jcs es6testfile100m.txt head: \(target) numbers generated, \(passed) of \(checked.count) SHA-256 checkpoints matched"
        )
        #expect(passed == checked.count && checked.count == 4)
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.0, "-1"), (-1.5, "-1.5"),
        (Double.leastNonzeroMagnitude, "5e-324"), (-Double.leastNonzeroMagnitude, "-5e-324"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (-1.7976931348623157e308, "-1.7976931348623157e+308"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (999_999_999_999_999_900_000.0, "999999999999999900000"),
        (123_456_789_012_345_680_000.0, "123456789012345680000"), (1.2345678901234568e21, "1.2345678901234568e+21"),
        (0.1 + 0.2, "0.30000000000000004"), (0.1, "0.1"), (1e-6, "0.000001"), (1e-7, "1e-7"),
        (1.234e-6, "0.000001234"), (1.234e-7, "1.234e-7"), (0.000123, "0.000123"),
        (9_007_199_254_740_991.0, "9007199254740991"), (9_007_199_254_740_992.0, "9007199254740992"),
        (9_007_199_254_740_993.0, "9007199254740992"), (9_007_199_254_740_994.0, "9007199254740994"),
        (18_014_398_509_481_984.0, "18014398509481984"), (1e16, "10000000000000000"), (1e15, "1000000000000000"),
        (333_333_333.33333329, "333333333.3333333"), (1e30, "1e+30"), (4.5, "4.5"), (2e-3, "0.002"),
        (1e-27, "1e-27"), (1.5e300, "1.5e+300"), (100.0, "100"), (123.456, "123.456"), (-0.5, "-0.5"),
    ])
    func edgeCases(value: Double, expected: String) {
        #expect(JCS.formatNumber(value) == expected)
    }

    /// Random doubles: the formatted text reads back (with `Double(String)` and
    /// with the parser) as the same bits.
    @Test func randomDoublesRoundTrip() throws {
        var rng = SeededGenerator(seed: 0x4A43_5321)
        let count = 300_000
        var passed = 0
        for i in 0..<count {
            // Mix uniform bit patterns with values of everyday magnitude.
            let d =
                i % 2 == 0
                ? Double(bitPattern: rng.next())
                : Double.random(in: -1e7...1e7, using: &rng) * pow(10, Double(Int.random(in: -12...12, using: &rng)))
            guard d.isFinite else {
                passed += 1
                continue
            }
            let text = JCS.formatNumber(d)
            let back = Double(text)
            let expected = d == 0 ? 0.0 : d
            guard back?.bitPattern == expected.bitPattern else {
                Issue.record("\(String(d.bitPattern, radix: 16)): \(text) reads back as \(String(describing: back))")
                continue
            }
            if i % 10 == 0 {
                let parsed = try JSONParser.parse(text)
                #expect(parsed == .number(d) && parsed.numberBits == expected.bitPattern, "\(text)")
            }
            passed += 1
        }
        print("JCS.formatNumber: \(count) random doubles, \(passed) round-tripped")
        #expect(passed == count)
    }
}

extension JSONValue {
    fileprivate var numberBits: UInt64? {
        if case .number(let d) = self { return d.bitPattern }
        return nil
    }
}
