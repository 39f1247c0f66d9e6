import Foundation
import HubProtocol
import Testing

private typealias Child = JSONCodableModels.Child
private typealias Status = JSONCodableModels.Status
private typealias Shape = JSONCodableModels.Shape
private typealias Family = JSONCodableModels.Family
private typealias Loose = JSONCodableModels.Loose
private typealias Receipt = JSONCodableModels.Receipt
private typealias Wrapper = JSONCodableModels.Wrapper
private typealias OptionalMember = JSONCodableModels.OptionalMember
private typealias Item = JSONCodableModels.Item
private typealias Middle = JSONCodableModels.Middle
private typealias Triple = JSONCodableModels.Triple
private typealias Base = JSONCodableModels.Base
private typealias Derived = JSONCodableModels.Derived
private typealias LateWriter = JSONCodableModels.LateWriter
private typealias Conflicted = JSONCodableModels.Conflicted
private typealias EncodesNothing = JSONCodableModels.EncodesNothing
private typealias ThrowsHubError = JSONCodableModels.ThrowsHubError
private typealias JSONTestKey = JSONCodableModels.JSONTestKey

// MARK: - Helpers

private func decodeFailure<T: Decodable>(
    _ type: T.Type,
    _ value: JSONValue,
    rootName: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) -> String? {
    var decoder = JSONValueDecoder()
    decoder.rootName = rootName
    let error = #expect(throws: HubProtocolError.self, sourceLocation: sourceLocation) {
        _ = try decoder.decode(type, from: value)
    }
    #expect(error?.code == .invalidValue, sourceLocation: sourceLocation)
    return error?.message
}

private func encodeFailure<T: Encodable>(
    _ value: T,
    sourceLocation: SourceLocation = #_sourceLocation
) -> String? {
    let error = #expect(throws: HubProtocolError.self, sourceLocation: sourceLocation) {
        _ = try JSONValueEncoder().encode(value)
    }
    #expect(error?.code == .invalidValue, sourceLocation: sourceLocation)
    return error?.message
}

private let maxSafe = Double(JSONValue.maxSafeInteger)

// MARK: - Tests

@Suite struct JSONCodableTests {
    private static let family = Family(
        id: "f-1",
        children: [
            Child(name: "A", age: 7, tags: ["x", "y"]),
            Child(name: "B", age: 12, tags: []),
        ],
        status: .accepted,
        note: nil,
        counts: ["one": 1, "two": 2, "5": 5],
        groups: ["g": [Child(name: "C", age: 3, tags: ["z"])], "empty": []],
        shapes: [.circle(radius: 1.5), .square(side: 4), .point],
        small: 255,
        big: JSONValue.maxSafeInteger,
        ratio: -0.25,
        single: 0.5,
        flags: [true, nil, false],
        matrix: [[1, 2], [], [3]],
        free: .object(["k": .array([.null, .bool(true), .number(1.25), .string("s")])])
    )

    static let familyJSON: JSONValue = .object([
        "id": .string("f-1"),
        "children": .array([
            .object(["name": .string("A"), "age": .number(7), "tags": .array([.string("x"), .string("y")])]),
            .object(["name": .string("B"), "age": .number(12), "tags": .array([])]),
        ]),
        "status": .string("accepted"),
        "counts": .object(["one": .number(1), "two": .number(2), "5": .number(5)]),
        "groups": .object([
            "g": .array([.object(["name": .string("C"), "age": .number(3), "tags": .array([.string("z")])])]),
            "empty": .array([]),
        ]),
        "shapes": .array([
            .object(["circle": .object(["radius": .number(1.5)])]),
            .object(["square": .object(["side": .number(4)])]),
            .object(["point": .object([:])]),
        ]),
        "small": .number(255),
        "big": .number(maxSafe),
        "ratio": .number(-0.25),
        "single": .number(0.5),
        "flags": .array([.bool(true), .null, .bool(false)]),
        "matrix": .array([.array([.number(1), .number(2)]), .array([]), .array([.number(3)])]),
        "free": .object(["k": .array([.null, .bool(true), .number(1.25), .string("s")])]),
    ])

    // MARK: Round trips

    @Test func encodesNestedModelExactly() throws {
        // `note` is nil and encoded with encodeIfPresent: absent, not null.
        #expect(try JSONValueEncoder().encode(Self.family) == Self.familyJSON)
    }

    @Test func decodesNestedModel() throws {
        #expect(try JSONValueDecoder().decode(Family.self, from: Self.familyJSON) == Self.family)
    }

    @Test func roundTripsWithOptionalPresent() throws {
        var family = Self.family
        family.note = "hello"
        let json = try JSONValueEncoder().encode(family)
        #expect(json["note"] == .string("hello"))
        #expect(try JSONValueDecoder().decode(Family.self, from: json) == family)
    }

    @Test func roundTripsTopLevelValues() throws {
        let encoder = JSONValueEncoder()
        let decoder = JSONValueDecoder()
        #expect(try encoder.encode(3) == .number(3))
        #expect(try encoder.encode("s") == .string("s"))
        #expect(try encoder.encode([1, 2]) == .array([.number(1), .number(2)]))
        #expect(try encoder.encode(["k": [true]]) == .object(["k": .array([.bool(true)])]))
        #expect(try encoder.encode(Int?.none) == .null)
        #expect(try decoder.decode(Int.self, from: .number(3)) == 3)
        #expect(try decoder.decode([String: [Bool]].self, from: .object(["k": .array([.bool(true)])])) == ["k": [true]])
        #expect(try decoder.decode(Int?.self, from: .null) == nil)
        #expect(try decoder.decode(JSONValue.self, from: Self.familyJSON) == Self.familyJSON)
        let triple = Triple(x: 1, y: "two", z: true)
        #expect(try encoder.encode(triple) == .array([.number(1), .string("two"), .bool(true)]))
        #expect(try decoder.decode(Triple.self, from: encoder.encode(triple)) == triple)
    }

    @Test func roundTripsThroughSuperEncoderAndDecoder() throws {
        let json = try JSONValueEncoder().encode(Derived(id: 9, extra: "e"))
        #expect(json == .object(["extra": .string("e"), "super": .object(["id": .number(9)])]))
        let decoded = try JSONValueDecoder().decode(Derived.self, from: json)
        #expect(decoded.id == 9 && decoded.extra == "e")
    }

    @Test func jsonValueCodesThroughOtherCoders() throws {
        // The generic path of JSONValue's Codable conformance, via Foundation.
        let value: JSONValue = .object([
            "a": .array([.null, .bool(false), .number(2.5), .string("x")]), "b": .object([:]),
        ])
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
    }

    // MARK: Unknown members

    @Test func refusesUnknownMemberWithCaseIterableKeys() {
        let child: JSONValue = .object([
            "name": .string("A"), "age": .number(1), "tags": .array([]), "foo": .number(1),
        ])
        #expect(decodeFailure(Child.self, child, rootName: "payload") == #"payload: unknown member "foo""#)
        #expect(decodeFailure(Child.self, child) == #"(top level): unknown member "foo""#)

        var family = Self.familyJSON.objectValue!
        var children = family["children"]!.arrayValue!
        children[1] = child
        family["children"] = .array(children)
        #expect(
            decodeFailure(Family.self, .object(family), rootName: "body") == #"body.children[1]: unknown member "foo""#
        )
    }

    @Test func reportsTheSmallestUnknownMemberName() {
        let value: JSONValue = .object(["a": .number(1), "zz": .null, "b": .null, "yy": .null])
        #expect(decodeFailure(Wrapper<Int>.self, value) == #"(top level): unknown member "b""#)
    }

    @Test func allowsUnknownMembersWithoutCaseIterableKeys() throws {
        let value: JSONValue = .object(["a": .number(1), "extra": .string("ignored")])
        #expect(try JSONValueDecoder().decode(Loose.self, from: value) == Loose(a: 1))
        // Dictionaries take every member.
        let dict = try JSONValueDecoder().decode([String: Int].self, from: .object(["x": .number(1), "y": .number(2)]))
        #expect(dict == ["x": 1, "y": 2])
    }

    @Test func quotesAndTruncatesOddMemberNames() {
        let long = String(repeating: "n", count: 100)
        let value: JSONValue = .object(["a": .number(1), long: .null])
        let expected = "(top level): unknown member \"" + String(repeating: "n", count: 64) + "…\""
        #expect(decodeFailure(Wrapper<Int>.self, value) == expected)
        let odd: JSONValue = .object(["a": .number(1), "q\"\u{1}": .null])
        #expect(decodeFailure(Wrapper<Int>.self, odd) == #"(top level): unknown member "q\"\u0001""#)
        // A member name that is not a plain identifier is bracketed in paths.
        let nested: JSONValue = .object(["a.b": .object(["a": .string("x")])])
        #expect(
            decodeFailure([String: Wrapper<Int>].self, nested) == #"["a.b"].a: expected an integer, found a string"#
        )
    }

    // MARK: Scalars and integers

    @Test func integerRules() throws {
        let decoder = JSONValueDecoder()
        #expect(
            decodeFailure(Int.self, .number(1.5)) == "(top level): expected an integer, found a number with a fraction"
        )
        #expect(
            decodeFailure(Int.self, .number(9_007_199_254_740_992))
                == "(top level): integer out of range (magnitude above 2^53-1)"
        )
        #expect(decodeFailure(Int64.self, .number(-9_007_199_254_740_992)) != nil)
        #expect(decodeFailure(Int.self, .number(1e300)) != nil)
        #expect(decodeFailure(Int.self, .number(.infinity)) != nil)
        #expect(decodeFailure(Int.self, .number(.nan)) != nil)
        // Negative zero is refused: the wire grammar has no "-0".
        #expect(decodeFailure(Int.self, .number(-0.0)) == "(top level): expected an integer, found negative zero")
        #expect(try decoder.decode(Int.self, from: .number(0)) == 0)
        #expect(decodeFailure(UInt8.self, .number(300)) == "(top level): integer out of range for UInt8")
        #expect(decodeFailure(UInt.self, .number(-1)) == "(top level): integer out of range for UInt")
        #expect(decodeFailure(Int8.self, .number(128)) != nil)
        #expect(decodeFailure(Int16.self, .number(-32769)) != nil)
        #expect(decodeFailure(Int32.self, .number(2_147_483_648)) != nil)
        #expect(decodeFailure(UInt16.self, .number(65536)) != nil)
        #expect(decodeFailure(UInt32.self, .number(4_294_967_296)) != nil)
        #expect(decodeFailure(UInt64.self, .number(maxSafe + 1)) != nil)
        #expect(decodeFailure(Int128.self, .number(maxSafe + 1)) != nil)
        #expect(try decoder.decode(Int.self, from: .number(maxSafe)) == 9_007_199_254_740_991)
        #expect(try decoder.decode(Int64.self, from: .number(-maxSafe)) == -9_007_199_254_740_991)
        #expect(try decoder.decode(UInt64.self, from: .number(maxSafe)) == 9_007_199_254_740_991)
        #expect(try decoder.decode(Int128.self, from: .number(-maxSafe)) == -9_007_199_254_740_991)
        #expect(try decoder.decode(UInt128.self, from: .number(7)) == 7)
        #expect(try decoder.decode(UInt8.self, from: .number(255)) == 255)
        #expect(try decoder.decode(Int8.self, from: .number(-128)) == -128)
        #expect(try decoder.decode(Int16.self, from: .number(-32768)) == -32768)
        #expect(try decoder.decode(Int32.self, from: .number(-2_147_483_648)) == -2_147_483_648)
        #expect(try decoder.decode(UInt16.self, from: .number(65535)) == 65535)
        #expect(try decoder.decode(UInt32.self, from: .number(4_294_967_295)) == 4_294_967_295)
        #expect(try decoder.decode(UInt.self, from: .number(0)) == 0)
    }

    @Test func integerRulesApplyInEveryContainer() throws {
        // Keyed, unkeyed and nested single-value paths all refuse 1.5 and 300.
        #expect(
            decodeFailure(Wrapper<Int>.self, .object(["a": .number(1.5)]))
                == "a: expected an integer, found a number with a fraction"
        )
        #expect(
            decodeFailure([Int].self, .array([.number(1), .number(1.5)]))
                == "[1]: expected an integer, found a number with a fraction"
        )
        #expect(decodeFailure([UInt8].self, .array([.number(300)])) == "[0]: integer out of range for UInt8")
        #expect(decodeFailure(Wrapper<UInt8>.self, .object(["a": .number(300)])) == "a: integer out of range for UInt8")
        #expect(decodeFailure(Wrapper<Int?>.self, .object(["a": .number(2.5)])) != nil)
        #expect(
            decodeFailure(Wrapper<[Int32]>.self, .object(["a": .array([.number(maxSafe)])]))
                == "a[0]: integer out of range for Int32"
        )
    }

    @Test func noCoercions() throws {
        let decoder = JSONValueDecoder()
        #expect(decodeFailure(Int.self, .string("1")) == "(top level): expected an integer, found a string")
        #expect(decodeFailure(Int.self, .bool(true)) == "(top level): expected an integer, found a Boolean")
        #expect(decodeFailure(Bool.self, .number(1)) == "(top level): expected a Boolean, found a number")
        #expect(decodeFailure(Bool.self, .string("true")) != nil)
        #expect(decodeFailure(String.self, .number(1)) == "(top level): expected a string, found a number")
        #expect(decodeFailure(String.self, .null) == "(top level): expected a string, found null")
        #expect(decodeFailure(Double.self, .string("1.5")) == "(top level): expected a number, found a string")
        #expect(decodeFailure([Int].self, .object([:])) == "(top level): expected an array, found an object")
        #expect(decodeFailure(Child.self, .array([])) == "(top level): expected an object, found an array")
        #expect(decodeFailure(Float.self, .number(1e300)) == "(top level): number out of range for Float")
        #expect(try decoder.decode(Double.self, from: .number(1.5)) == 1.5)
        #expect(try decoder.decode(Double.self, from: .number(1e300)) == 1e300)
        #expect(try decoder.decode(Float.self, from: .number(0.25)) == 0.25)
        #expect(try decoder.decode(Double.self, from: .number(-0.0)).sign == .minus)
    }

    // MARK: Paths

    @Test func typeMismatchNamesThePath() {
        let value: JSONValue = .object([
            "a": .object(["b": .array([.object(["c": .string("ok")]), .object(["c": .number(5)])])])
        ])
        #expect(decodeFailure(Wrapper<Middle>.self, value) == "a.b[1].c: expected a string, found a number")
        #expect(
            decodeFailure(Wrapper<Middle>.self, value, rootName: "body")
                == "body.a.b[1].c: expected a string, found a number"
        )
    }

    @Test func missingMemberNamesThePath() {
        let value: JSONValue = .object(["a": .object(["b": .array([.object([:])])])])
        #expect(decodeFailure(Wrapper<Middle>.self, value) == #"a.b[0]: missing member "c""#)
        #expect(decodeFailure(Wrapper<Int>.self, .object([:]), rootName: "payload") == #"payload: missing member "a""#)
    }

    @Test func shortArrayNamesTheMissingIndex() {
        let value: JSONValue = .object(["a": .array([.number(1), .string("y")])])
        #expect(decodeFailure(Wrapper<Triple>.self, value) == "a[2]: unexpected end of array")
    }

    // MARK: Null and optionals

    @Test func nullAndAbsentMembers() throws {
        let decoder = JSONValueDecoder()
        // decodeIfPresent: nil for missing and for null; type still checked.
        #expect(try decoder.decode(OptionalMember.self, from: .object(["a": .null])) == OptionalMember(a: nil))
        #expect(try decoder.decode(OptionalMember.self, from: .object([:])) == OptionalMember(a: nil))
        #expect(try decoder.decode(OptionalMember.self, from: .object(["a": .number(4)])) == OptionalMember(a: 4))
        #expect(
            decodeFailure(OptionalMember.self, .object(["a": .string("1")])) == "a: expected an integer, found a string"
        )
        // A generic `T` that happens to be optional is decoded with decode(T.self): required, may be null.
        #expect(try decoder.decode(Wrapper<Int?>.self, from: .object(["a": .null])) == Wrapper(a: nil))
        #expect(decodeFailure(Wrapper<Int?>.self, .object([:])) == #"(top level): missing member "a""#)
        // decode(T?.self): present-but-nullable.
        let receipt: JSONValue = .object([
            "jti": .string("0190a5d2-8c4e-7000-8000-000000000000"),
            "iat": .number(1), "exp": .number(2), "reason": .null,
        ])
        let decoded = try decoder.decode(Receipt.self, from: receipt)
        #expect(decoded.reason == nil)
        var missing = receipt.objectValue!
        missing["reason"] = nil
        #expect(
            decodeFailure(Receipt.self, .object(missing), rootName: "payload") == #"payload: missing member "reason""#
        )
        // Encoding writes the explicit null back.
        #expect(try JSONValueEncoder().encode(decoded) == receipt)
    }

    @Test func encodeNilWritesNull() throws {
        struct Nils: Encodable {
            enum Keys: String, CodingKey { case a, b }
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: Keys.self)
                try keyed.encodeNil(forKey: .a)
                try keyed.encodeIfPresent(Int?.none, forKey: .b)
            }
        }
        #expect(try JSONValueEncoder().encode(Nils()) == .object(["a": .null]))
        #expect(try JSONValueEncoder().encode([Int?.none, 1]) == .array([.null, .number(1)]))
    }

    // MARK: Model checks

    @Test func modelChecksSurfaceWithPath() {
        let good: JSONValue = .object([
            "jti": .string("0190a5d2-8c4e-7000-8000-000000000000"),
            "iat": .number(1), "exp": .number(2), "reason": .string("r"),
        ])
        var badJTI = good.objectValue!
        badJTI["jti"] = .string("0190A5D2-8C4E-7000-8000-000000000000")
        #expect(
            decodeFailure(Receipt.self, .object(badJTI), rootName: "payload") == "payload.jti: not a lowercase UUID"
        )
        var badTimes = good.objectValue!
        badTimes["exp"] = .number(1)
        #expect(decodeFailure(Receipt.self, .object(badTimes), rootName: "payload") == "payload: iat is not before exp")
        // Nested in arrays, the path includes the index.
        #expect(decodeFailure([Receipt].self, .array([good, .object(badJTI)])) == "[1].jti: not a lowercase UUID")
        // An unkeyed container's own error names the index it had reached.
        let long: JSONValue = .array([.number(1), .string("y"), .bool(true), .null])
        #expect(decodeFailure(Triple.self, long) == "[3]: more than three elements")
    }

    @Test func rawValueErrorsDoNotQuoteTheValue() {
        let message = decodeFailure(Wrapper<Status>.self, .object(["a": .string("SECRET-VALUE")]))
        #expect(message?.hasPrefix("a: ") == true)
        #expect(message?.contains("SECRET-VALUE") == false)
    }

    @Test func hubProtocolErrorsFromModelsPassThrough() {
        let error = #expect(throws: HubProtocolError.self) {
            _ = try JSONValueDecoder().decode(ThrowsHubError.self, from: .null)
        }
        #expect(error?.code == .encoding)
        #expect(error?.message == "own error")
    }

    // MARK: Encoder

    @Test func nestedContainersWrittenLaterStillAppear() throws {
        let json = try JSONValueEncoder().encode(LateWriter())
        let expected: JSONValue = .object([
            "a": .object(["d": .string("x"), "f": .array([.null, .number(3)]), "c": .bool(false)]),
            "b": .array([.object(["c": .number(2)]), .bool(true)]),
            "c": .number(1),
            "e": .string("late"),
        ])
        #expect(json == expected)
    }

    @Test func encoderRefusesUnrepresentableNumbers() {
        #expect(encodeFailure(Wrapper(a: Double.nan)) == "a: not a finite number")
        #expect(encodeFailure(Wrapper(a: [1, Double.infinity])) == "a[1]: not a finite number")
        #expect(encodeFailure(Wrapper(a: Float.infinity)) == "a: not a finite number")
        #expect(
            encodeFailure(Wrapper(a: Int64(9_007_199_254_740_992)))
                == "a: integer out of range (magnitude above 2^53-1)"
        )
        #expect(encodeFailure([Int64.min]) == "[0]: integer out of range (magnitude above 2^53-1)")
        #expect(encodeFailure(UInt64.max) == "(top level): integer out of range (magnitude above 2^53-1)")
        #expect(encodeFailure(Wrapper(a: JSONValue.array([.number(1), .number(.nan)]))) == "a[1]: not a finite number")
    }

    @Test func encoderAcceptsTheExtremeSafeIntegers() throws {
        let encoder = JSONValueEncoder()
        #expect(try encoder.encode(JSONValue.maxSafeInteger) == .number(maxSafe))
        #expect(try encoder.encode(-JSONValue.maxSafeInteger) == .number(-maxSafe))
        #expect(try encoder.encode(UInt8.max) == .number(255))
        #expect(try encoder.encode(Int128(-5)) == .number(-5))
    }

    @Test func encoderMisuseIsAnErrorNotACrash() {
        #expect(
            encodeFailure(Conflicted())
                == "(top level): an object was requested where another value was already encoded"
        )
        #expect(encodeFailure(EncodesNothing()) == "(top level): no value was encoded")
        #expect(encodeFailure(Wrapper(a: [EncodesNothing()])) == "a[0]: no value was encoded")
    }

    @Test func encoderErrorsFromModelsSurfaceWithPath() {
        struct Refuses: Encodable {
            func encode(to encoder: any Encoder) throws {
                throw EncodingError.invalidValue(
                    0,
                    EncodingError.Context(codingPath: encoder.codingPath, debugDescription: "refused by model")
                )
            }
        }
        var encoder = JSONValueEncoder()
        encoder.rootName = "body"
        let error = #expect(throws: HubProtocolError.self) {
            _ = try encoder.encode(Wrapper(a: [Refuses()]))
        }
        #expect(error?.message == "body.a[0]: refused by model")
    }
}
