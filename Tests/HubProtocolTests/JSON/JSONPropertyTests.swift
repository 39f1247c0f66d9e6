import Testing

@testable import HubProtocol

@Suite struct JSONPropertyTests {
    /// Random values: JCS output parses back to the same value (code points and
    /// number bits), JCS is idempotent, and `validate` agrees with the parser.
    @Test func jcsRoundTripsRandomValues() throws {
        var rng = SeededGenerator(seed: 8785)
        let count = 3000
        var passed = 0
        for i in 0..<count {
            let value = JSONTestSupport.randomValue(&rng, depth: 4)
            try value.validate()
            let canonical = JCS.serialize(value)
            let parsed = try JSONParser.parse(canonical)
            let roundTrip = JSONTestSupport.identical(parsed, value)
            let idempotent = JCS.serialize(parsed) == canonical
            #expect(roundTrip, "value \(i): \(JCS.string(value))")
            #expect(idempotent, "value \(i): \(JCS.string(value))")
            if roundTrip && idempotent { passed += 1 }
        }
        print("JCS property test: \(count) random values, \(passed) round-tripped and idempotent")
        #expect(passed == count)
    }

    /// Random values written non-canonically (whitespace, `\u` escapes, other
    /// number notations, any member order) parse to the same value and
    /// canonicalise to the same bytes.
    @Test func noncanonicalTextCanonicalises() throws {
        var rng = SeededGenerator(seed: 7493)
        let count = 3000
        var passed = 0
        for i in 0..<count {
            let value = JSONTestSupport.randomValue(&rng, depth: 4)
            let text = JSONTestSupport.noncanonicalText(value, &rng)
            let parsed = try JSONParser.parse(text)
            let same = JSONTestSupport.identical(parsed, value) && JCS.serialize(parsed) == JCS.serialize(value)
            #expect(same, "value \(i): \(text)")
            if same { passed += 1 }
        }
        print("JSONParser property test: \(count) non-canonical texts, \(passed) canonicalised as expected")
        #expect(passed == count)
    }

    /// Strict (integers-only) payloads: validate and the parser agree.
    @Test func strictValuesRoundTrip() throws {
        var rng = SeededGenerator(seed: 53)
        for _ in 0..<500 {
            let n = Int64.random(in: -JSONValue.maxSafeInteger...JSONValue.maxSafeInteger, using: &rng)
            let value = JSONValue.object(["n": .integer(n), "a": .array([.integer(-n), .string("x")])])
            try value.validate(.strict)
            let parsed = try JSONParser.parse(JCS.serialize(value), options: .strict)
            #expect(parsed == value && parsed["n"]?.intValue == n)
        }
    }

    @Test func validateRefusals() {
        func refusal(_ value: JSONValue, _ options: JSONParser.Options = .init()) -> String? {
            do {
                try value.validate(options)
                return nil
            } catch let error as HubProtocolError {
                return error.code == .json ? error.message : "wrong code \(error.code)"
            } catch {
                return "unexpected \(error)"
            }
        }
        #expect(refusal(.array([.number(.nan)])) == "number is not finite")
        #expect(refusal(.object(["a": .number(-.infinity)])) == "number is not finite")
        #expect(refusal(.number(1.5), .strict) == "number is not an integer within ±(2^53−1)")
        #expect(refusal(.number(9_007_199_254_740_992), .strict) == "number is not an integer within ±(2^53−1)")
        #expect(refusal(.number(-0.0), .strict) == nil)
        #expect(refusal(.number(1.5)) == nil)
        #expect(refusal(.string("a" + String(Unicode.Scalar(0xFFFF)!))) == "string contains a noncharacter code point")
        #expect(
            refusal(.object([String(Unicode.Scalar(0xFDD0)!): .null]))
                == "member name contains a noncharacter code point"
        )
        var deep = JSONValue.null
        for _ in 0..<64 { deep = .array([deep]) }
        #expect(refusal(deep) == nil)
        #expect(refusal(.object(["k": deep])) == "nesting deeper than 64")
        #expect(refusal(deep, .init(maxDepth: 63)) == "nesting deeper than 63")
    }
}
