import Foundation
import Testing

@testable import HubProtocol

@Suite struct JCSVectorTests {
    /// Every RFC 8785 input file, parsed and serialised, equals its output file
    /// and the bytes its outhex file lists.
    @Test func rfc8785Vectors() throws {
        let root = try JSONTestSupport.jcsVectorsURL()
        let names = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("input").path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
        var passed = 0
        for name in names {
            let stem = String(name.dropLast(".json".count))
            let input = try [UInt8](Data(contentsOf: root.appendingPathComponent("input/\(name)")))
            let output = try [UInt8](Data(contentsOf: root.appendingPathComponent("output/\(name)")))
            let hexText = try String(contentsOf: root.appendingPathComponent("outhex/\(stem).txt"), encoding: .utf8)
            let hexBytes = try hexText.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" }).map { token in
                try #require(UInt8(token, radix: 16), "bad hex token in outhex/\(stem).txt")
            }

            let canonical = JCS.serialize(try JSONParser.parse(input))
            #expect(canonical == output, "\(name): output/ differs")
            #expect(canonical == hexBytes, "\(name): outhex/ differs")
            // The canonical form is a fixed point.
            #expect(JCS.serialize(try JSONParser.parse(canonical)) == canonical, "\(name): not idempotent")
            if canonical == output && canonical == hexBytes { passed += 1 }
        }
        print("RFC 8785 vectors (jcs/input): \(names.count) files, \(passed) passed (output/ and outhex/)")
        #expect(names.count == 6)
        #expect(passed == names.count)
    }

    @Test func membersSortByUTF16CodeUnits() throws {
        // U+FF61 sorts after U+1F600 in UTF-16 (0xFF61 > 0xD83D) but before it by scalar or UTF-8.
        let value = JSONValue.object(["\u{FF61}": .integer(2), "\u{1F600}": .integer(1), "a": .null, "": .bool(true)])
        #expect(JCS.string(value) == "{\"\":true,\"a\":null,\"\u{1F600}\":1,\"\u{FF61}\":2}")
        // The RFC 8785 §3.2.3 example order.
        let names = ["\u{20AC}", "\r", "\u{FB33}", "1", "\u{1F600}", "\u{80}", "\u{F6}"]
        var members: [String: JSONValue] = [:]
        for name in names { members[name] = .null }
        let expected = ["\r", "1", "\u{80}", "\u{F6}", "\u{20AC}", "\u{1F600}", "\u{FB33}"]
            .map { "\"\(JCS.string(.string($0)).dropFirst().dropLast())\":null" }
            .joined(separator: ",")
        #expect(JCS.string(.object(members)) == "{\(expected)}")
    }

    @Test func stringEscapes() {
        var scalars = String.UnicodeScalarView()
        for v in UInt32(0)...0x1F { scalars.append(Unicode.Scalar(v)!) }
        let controls = String(scalars)
        let expected =
            "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
            + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\""
        #expect(JCS.string(.string(controls)) == expected)
        // Quote and backslash escaped; slash, DEL, U+2028/2029 and astral characters literal.
        let others = "\"\\/\u{7F}\u{2028}\u{2029}\u{1F600}é"
        #expect(JCS.serialize(.string(others)) == Array("\"\\\"\\\\/\u{7F}\u{2028}\u{2029}\u{1F600}é\"".utf8))
        // Code points are kept as they are: no Unicode normalisation.
        #expect(JCS.serialize(.string("A\u{30A}")) == [0x22, 0x41, 0xCC, 0x8A, 0x22])
        #expect(JCS.serialize(.string("\u{C5}")) == [0x22, 0xC3, 0x85, 0x22])
    }

    @Test func structureAndLiterals() {
        let value = JSONValue.array([
            .null, .bool(true), .bool(false), .array([]), .object([:]),
            .object(["b": .array([.integer(1), .number(-0.0), .number(2.5)]), "a": .string("x")]),
        ])
        #expect(JCS.string(value) == #"[null,true,false,[],{},{"a":"x","b":[1,0,2.5]}]"#)
        #expect(JCS.string(.integer(-9_007_199_254_740_991)) == "-9007199254740991")
    }

    @Test func serializingNaNStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            _ = JCS.serialize(.array([.number(.nan)]))
        }
        await #expect(processExitsWith: .failure) {
            _ = JCS.formatNumber(-.infinity)
        }
    }
}
