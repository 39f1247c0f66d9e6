import Foundation
import Testing

@testable import HubProtocol

private func refused(
    _ bytes: [UInt8],
    options: JSONParser.Options = .init(),
    _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    JSONTestSupport.expectRefused(bytes, options: options, message, sourceLocation: sourceLocation)
}

private func refused(
    _ text: String,
    options: JSONParser.Options = .init(),
    _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    JSONTestSupport.expectRefused(text, options: options, message, sourceLocation: sourceLocation)
}

/// `"` + bytes + `"`.
private func quoted(_ bytes: [UInt8]) -> [UInt8] { [0x22] + bytes + [0x22] }

@Suite struct JSONParserTests {
    // MARK: - Accepted input

    @Test func parsesEveryKindOfValue() throws {
        let text = " {\"a\" : [1, -2.5e1, 0, -0, 1E2, 0.125, true, false, null, \"\", {}], \"b\":{\"c\":\"d\"}}\r\n\t"
        let value = try JSONParser.parse(text)
        let expected = JSONValue.object([
            "a": .array([
                .number(1), .number(-25), .number(0), .number(-0.0), .number(100), .number(0.125),
                .bool(true), .bool(false), .null, .string(""), .object([:]),
            ]),
            "b": .object(["c": .string("d")]),
        ])
        #expect(value == expected)
        for (scalarText, scalar) in [
            ("1", JSONValue.number(1)), ("\"x\"", .string("x")), ("null", .null), ("true", .bool(true)),
        ] {
            #expect(try JSONParser.parse(scalarText) == scalar)
        }
    }

    @Test func decodesEveryEscape() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0000\u00e9\u00C9\u20ac\ud83d\ude02\uDBFF\uDFFD x""#)
        #expect(
            value.stringValue?.unicodeScalars.map(\.value) == [
                0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09, 0x00, 0xE9, 0xC9, 0x20AC, 0x1F602, 0x10FFFD, 0x20, 0x78,
            ]
        )
        // Raw UTF-8 of every length, DEL and the characters next to the noncharacters.
        let raw: [UInt8] = [
            0x7F, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80,
            0xEF, 0xB7, 0x8F, 0xEF, 0xB7, 0xB0, 0xEF, 0xBF, 0xBD, 0xF0, 0x90, 0x80, 0x80, 0xF4, 0x8F, 0xBF, 0xBD,
        ]
        let decoded = try JSONParser.parse(quoted(raw)).stringValue
        #expect(
            decoded?.unicodeScalars.map(\.value) == [
                0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFDCF, 0xFDF0, 0xFFFD, 0x10000, 0x10FFFD,
            ]
        )
        #expect(try JSONParser.parse(#""\ufdcf\ufdf0\ufffd""#).stringValue == "\u{FDCF}\u{FDF0}\u{FFFD}")
    }

    @Test func otherInputForms() throws {
        // A slice: offsets count from its start.
        let bytes = Array("xx[1,2]yy".utf8)
        #expect(try JSONParser.parse(bytes[2..<7]) == .array([.number(1), .number(2)]))
        do {
            _ = try JSONParser.parse(bytes[2..<8])
            Issue.record("slice with trailing byte accepted")
        } catch let error as HubProtocolError {
            #expect(error.message == "at byte 5: unexpected bytes after value")
        }
        #expect(try JSONParser.parse(Data("[true]".utf8)) == .array([.bool(true)]))
        #expect(try JSONParser.parse("{\"k\":1}"[...]) == .object(["k": .number(1)]))
    }

    @Test func numbersConvertCorrectlyRounded() throws {
        #expect(try JSONParser.parse("0.1") == .number(0.1))
        #expect(try JSONParser.parse("1e-400") == .number(0))
        #expect(try JSONParser.parse("2.4703282292062328e-324") == .number(.leastNonzeroMagnitude))
        #expect(try JSONParser.parse("1.7976931348623157e308") == .number(.greatestFiniteMagnitude))
        #expect(try JSONParser.parse("9007199254740993") == .number(9_007_199_254_740_992))
        #expect(try JSONParser.parse("123456789012345") == .number(123_456_789_012_345))
        #expect(try JSONParser.parse("-999999999999999") == .number(-999_999_999_999_999))
        #expect(try JSONParser.parse("1" + String(repeating: "0", count: 300)) == .number(1e300))
    }

    // MARK: - Refusals

    @Test func duplicateMemberNames() {
        refused(#"{"a":1,"a":2}"#, "at byte 7: duplicate member name")
        refused(#"{"a":1,"\u0061":2}"#, "at byte 7: duplicate member name")
        refused(#"{"x":{"\n":1," ":2,"\u000A":3}}"#, "at byte 19: duplicate member name")
        refused(#"{"\u00c5":1,"A\u030a":2}"#, "at byte 12: member name canonically equivalent to an earlier one")
        // Messages never quote the name (it could be personal data).
        do {
            _ = try JSONParser.parse(#"{"bsn-123456782":1, "bsn-123456782":2}"#)
            Issue.record("duplicate accepted")
        } catch let error as HubProtocolError {
            #expect(error.message == "at byte 20: duplicate member name")
            #expect(!error.description.contains("123456782"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        // The same name in different objects is fine.
        #expect((try? JSONParser.parse(#"[{"a":1},{"a":2}]"#)) != nil)
    }

    @Test func invalidUTF8() {
        refused(quoted([0xC0, 0x80]), "at byte 1: invalid UTF-8")  // overlong NUL
        refused(quoted([0xC1, 0xBF]), "at byte 1: invalid UTF-8")  // overlong
        refused(quoted([0xE0, 0x80, 0xAF]), "at byte 1: invalid UTF-8")  // overlong 3-byte
        refused(quoted([0xF0, 0x80, 0x80, 0xAF]), "at byte 1: invalid UTF-8")  // overlong 4-byte
        refused(quoted([0xED, 0xA0, 0x80]), "at byte 1: invalid UTF-8")  // U+D800 in UTF-8
        refused(quoted([0xED, 0xBF, 0xBF]), "at byte 1: invalid UTF-8")  // U+DFFF in UTF-8
        refused(quoted([0xF4, 0x90, 0x80, 0x80]), "at byte 1: invalid UTF-8")  // U+110000
        refused(quoted([0xF5, 0x80, 0x80, 0x80]), "at byte 1: invalid UTF-8")
        refused(quoted([0xFF]), "at byte 1: invalid UTF-8")
        refused(quoted([0x80]), "at byte 1: invalid UTF-8")  // lone continuation byte
        refused(quoted([0x61, 0xE2, 0x82]), "at byte 2: invalid UTF-8")  // truncated before the quote
        refused(quoted([0xF0, 0x9F, 0x98, 0x61]), "at byte 1: invalid UTF-8")
        refused([0x22, 0xC3], "at byte 1: invalid UTF-8")  // truncated at the end of input
        refused([0x22, 0xF0, 0x9F, 0x98], "at byte 1: invalid UTF-8")
        refused([0x22, 0x5C, 0x6E, 0xE2, 0x82, 0x22], "at byte 3: invalid UTF-8")  // after an escape
        refused([0x7B] + quoted([0xC3, 0x28]) + Array(":1}".utf8), "at byte 2: invalid UTF-8")  // in a member name
        refused([0x5B, 0xC3, 0xA9, 0x5D], "at byte 1: expected value")  // non-ASCII outside strings
    }

    @Test func surrogateEscapes() {
        refused(#""\ud800""#, "at byte 1: unpaired surrogate escape")
        refused(#""\udc00""#, "at byte 1: unpaired surrogate escape")
        refused(#""ab\uDBFF""#, "at byte 3: unpaired surrogate escape")
        refused(#""\ud800\u0041""#, "at byte 1: unpaired surrogate escape")
        refused(#""\ud800\ud800""#, "at byte 1: unpaired surrogate escape")
        refused(#""\ud800x""#, "at byte 1: unpaired surrogate escape")
        refused(#""\ude02\ud83d""#, "at byte 1: unpaired surrogate escape")
        refused(#""\ud800\n""#, "at byte 1: unpaired surrogate escape")
    }

    @Test func noncharacters() {
        refused(#""\uffff""#, "at byte 1: noncharacter code point")
        refused(#""\uFFFE""#, "at byte 1: noncharacter code point")
        refused(#""\ufdd0""#, "at byte 1: noncharacter code point")
        refused(#""xy\ufdef""#, "at byte 3: noncharacter code point")
        refused(#""\ud83f\udffe""#, "at byte 1: noncharacter code point")  // U+1FFFE
        refused(#""\udbff\udfff""#, "at byte 1: noncharacter code point")  // U+10FFFF
        refused(quoted([0xEF, 0xBF, 0xBE]), "at byte 1: noncharacter code point")  // U+FFFE raw
        refused(quoted([0xEF, 0xBF, 0xBF]), "at byte 1: noncharacter code point")
        refused(quoted([0xEF, 0xB7, 0x90]), "at byte 1: noncharacter code point")  // U+FDD0
        refused(quoted([0x61, 0xEF, 0xB7, 0xAF]), "at byte 2: noncharacter code point")  // U+FDEF
        refused(quoted([0xF0, 0x9F, 0xBF, 0xBE]), "at byte 1: noncharacter code point")  // U+1FFFE
        refused(quoted([0xF4, 0x8F, 0xBF, 0xBF]), "at byte 1: noncharacter code point")  // U+10FFFF
        refused([0x7B] + quoted([0xEF, 0xBF, 0xBF]) + Array(":1}".utf8), "at byte 2: noncharacter code point")
    }

    @Test func nestingDepth() throws {
        let arrays64 = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect((try? JSONParser.parse(arrays64)) != nil)
        refused(
            String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
            "at byte 64: nesting deeper than 64"
        )
        refused(String(repeating: "[", count: 65), "at byte 64: nesting deeper than 64")

        let objects64 = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        #expect((try? JSONParser.parse(objects64)) != nil)
        let objects65 = String(repeating: #"{"a":"#, count: 64) + "{}" + String(repeating: "}", count: 64)
        refused(objects65, "at byte 320: nesting deeper than 64")

        let mixed65 = String(repeating: #"[{"a":"#, count: 32) + "[1]" + String(repeating: "}]", count: 32)
        refused(mixed65, "at byte 192: nesting deeper than 64")
        // Depth counts containers open at once, not containers in total.
        let wide = "[" + Array(repeating: "[[[]]]", count: 1000).joined(separator: ",") + "]"
        #expect((try? JSONParser.parse(wide, options: .init(maxDepth: 4))) != nil)
        refused(wide, options: .init(maxDepth: 3), "at byte 3: nesting deeper than 3")

        refused("[]", options: .init(maxDepth: 0), "at byte 0: nesting deeper than 0")
        #expect(try JSONParser.parse("7", options: .init(maxDepth: 0)) == .number(7))
        // The parser itself is iterative: a generous limit does not exhaust its stack.
        // (Destroying, comparing and serialising a JSONValue recurse, so keep it moderate.)
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        #expect((try? JSONParser.parse(deep, options: .init(maxDepth: 5000))) != nil)
    }

    @Test func trailingAndLeadingBytes() {
        refused("{} x", "at byte 3: unexpected bytes after value")
        refused("1 2", "at byte 2: unexpected bytes after value")
        refused("{}}", "at byte 2: unexpected bytes after value")
        refused("[]\u{0}", "at byte 2: unexpected bytes after value")
        refused("0x10", "at byte 1: unexpected bytes after value")
        refused([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], "at byte 0: byte order mark not allowed")
        refused([0xEF, 0xBB, 0xBF], "at byte 0: byte order mark not allowed")
        refused("", "at byte 0: expected value")
        refused(" \t\r\n", "at byte 4: expected value")
        // Only space, tab, LF and CR are whitespace.
        refused("\u{0C}1", "at byte 0: expected value")
        refused("[1,\u{0B}2]", "at byte 3: expected value")
        refused([0xC2, 0xA0, 0x31], "at byte 0: expected value")  // no-break space
        refused("1\u{A0}", "at byte 1: unexpected bytes after value")
        #expect((try? JSONParser.parse(" \t\r\n[ 1 , 2 ]\n")) != nil)
    }

    @Test func controlCharactersAndEscapes() throws {
        refused("\"a\u{01}b\"", "at byte 2: unescaped control character in string")
        refused("\"\t\"", "at byte 1: unescaped control character in string")
        refused("\"a\nb\"", "at byte 2: unescaped control character in string")
        refused([0x22, 0x00, 0x22], "at byte 1: unescaped control character in string")
        refused(Array(#""\n\u001f"#.utf8) + [0x1F, 0x22], "at byte 9: unescaped control character in string")
        #expect(try JSONParser.parse("\"\u{7F}\"") == .string("\u{7F}"))

        refused(#""\x""#, "at byte 1: invalid escape sequence")
        refused(#""ab\'""#, "at byte 3: invalid escape sequence")
        refused(#""\U0041""#, "at byte 1: invalid escape sequence")
        refused(#""\0""#, "at byte 1: invalid escape sequence")
        refused(#""\u12""#, "at byte 3: expected 4 hex digits after \\u")
        refused(#""\u12g4""#, "at byte 3: expected 4 hex digits after \\u")
        refused(#""\u"#, "at byte 3: expected 4 hex digits after \\u")
        refused(#""\ud800\u12""#, "at byte 9: expected 4 hex digits after \\u")
        refused(#""\"#, "at byte 2: unterminated string")
        refused(#""abc"#, "at byte 4: unterminated string")
        refused(#""a\nbc"#, "at byte 6: unterminated string")
        refused(#"["abc]"#, "at byte 6: unterminated string")
    }

    @Test func numberGrammar() {
        refused("01", "at byte 0: leading zero in number")
        refused("-01", "at byte 1: leading zero in number")
        refused("[00]", "at byte 1: leading zero in number")
        refused("-", "at byte 1: expected digit")
        refused("-a", "at byte 1: expected digit")
        refused("[-]", "at byte 2: expected digit")
        refused("1.", "at byte 2: expected digit after decimal point")
        refused("1.e5", "at byte 2: expected digit after decimal point")
        refused(".5", "at byte 0: expected value")
        refused("1e", "at byte 2: expected digit in exponent")
        refused("1E+", "at byte 3: expected digit in exponent")
        refused("1e-x", "at byte 3: expected digit in exponent")
        refused("+1", "at byte 0: expected value")
        refused("NaN", "at byte 0: expected value")
        refused("Infinity", "at byte 0: expected value")
        refused("-Infinity", "at byte 1: expected digit")
        refused("[1,nan]", "at byte 3: expected value")
        refused("1e400", "at byte 0: number out of range")
        refused("-1e400", "at byte 0: number out of range")
        refused("[1,1.8e308]", "at byte 3: number out of range")
        refused("1" + String(repeating: "0", count: 309), "at byte 0: number out of range")
    }

    @Test func integersOnly() throws {
        let strict = JSONParser.Options.strict
        #expect(strict.integersOnly && strict.maxDepth == 64)
        let phrase = "number is not an integer within ±(2^53−1)"
        refused("1.0", options: strict, "at byte 0: \(phrase)")
        refused("1e2", options: strict, "at byte 0: \(phrase)")
        refused("1E0", options: strict, "at byte 0: \(phrase)")
        refused("-0", options: strict, "at byte 0: \(phrase)")
        refused("9007199254740992", options: strict, "at byte 0: \(phrase)")
        refused("-9007199254740992", options: strict, "at byte 0: \(phrase)")
        refused("99999999999999999999", options: strict, "at byte 0: \(phrase)")
        refused(#"{"iat": 1.5}"#, options: strict, "at byte 8: \(phrase)")
        refused("[1, 2.5]", options: strict, "at byte 4: \(phrase)")
        // Grammar errors still come first.
        refused("01", options: strict, "at byte 0: leading zero in number")
        for (text, value) in [
            ("9007199254740991", 9_007_199_254_740_991.0), ("-9007199254740991", -9_007_199_254_740_991.0),
            ("0", 0), ("-1", -1), ("1234567890123456", 1_234_567_890_123_456),
        ] {
            let parsed = try JSONParser.parse(text, options: strict)
            #expect(parsed == .number(value), "\(text)")
            #expect(parsed.intValue == Int64(value))
        }
        // Without the option the same texts are plain numbers.
        #expect(try JSONParser.parse("1e2") == .number(100))
        #expect(try JSONParser.parse("9007199254740992") == .number(9_007_199_254_740_992))
    }

    @Test func literalsAndStructure() {
        refused("tru", "at byte 0: expected value")
        refused("True", "at byte 0: expected value")
        refused("nul", "at byte 0: expected value")
        refused("[nulll]", "at byte 5: expected ',' or ']' after array element")
        refused("[true false]", "at byte 6: expected ',' or ']' after array element")
        refused("[1", "at byte 2: expected ',' or ']' after array element")
        refused("[1,]", "at byte 3: expected value")
        refused("[,1]", "at byte 1: expected value")
        refused("[", "at byte 1: expected value")
        refused("{", "at byte 1: expected member name")
        refused("{1:2}", "at byte 1: expected member name")
        refused("{'a':2}", "at byte 1: expected member name")
        refused(#"{"a":1,}"#, "at byte 7: expected member name")
        refused(#"{"a" 1}"#, "at byte 5: expected ':' after member name")
        refused(#"{"a"}"#, "at byte 4: expected ':' after member name")
        refused(#"{"a":}"#, "at byte 5: expected value")
        refused(#"{"a":1 "b":2}"#, "at byte 7: expected ',' or '}' after object member")
        refused(#"{"a":1]"#, "at byte 6: expected ',' or '}' after object member")
        refused(#"[{"a":1]"#, "at byte 7: expected ',' or '}' after object member")
        refused(#"{"a":[1}"#, "at byte 7: expected ',' or ']' after array element")
    }

    /// Messages up to 2 MiB: a 1 MiB string with escapes and a wide array parse fast enough.
    @Test func largeInputs() throws {
        let chunk = "abcdefghij\\n\\u00e9\\ud83d\\ude02é€"
        var text = "{\"s\":\"" + String(repeating: chunk, count: 30_000) + "\",\"n\":["
        text += (0..<50_000).map { String($0 * 7919 % 1_000_003) }.joined(separator: ",") + "]}"
        let clock = ContinuousClock()
        var value: JSONValue = .null
        let elapsed = try clock.measure { value = try JSONParser.parse(text) }
        #expect(value["n"]?.arrayValue?.count == 50_000)
        #expect(value["s"]?.stringValue?.unicodeScalars.count == 30_000 * 15)
        print("JSONParser: \(text.utf8.count) bytes in \(elapsed)")
    }
}
