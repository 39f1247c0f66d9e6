/// Decodes `Decodable` models from a ``JSONValue``, strictly.
///
/// The protocol demands exact member sets and exact types, so this decoder
/// coerces nothing:
///
/// - An object decoded through a keyed container whose `Key` type conforms to
///   `CaseIterable` may hold no member outside `Key.allCases`; any other member
///   is refused as "unknown member". Without `CaseIterable` unknown members are
///   ignored, as in Foundation. **Protocol models must therefore declare their
///   `CodingKeys` as `enum CodingKeys: String, CodingKey, CaseIterable`** (the
///   synthesised `CodingKeys` are not `CaseIterable`). A model that reads one
///   object through two containers with different `Key` types, or through
///   `super.init(from: decoder)`, needs one key type listing every member.
/// - Integers (`Int`, `Int64`, `UInt8`, … every fixed-width type) come only
///   from a number with no fraction, not negative zero, within ±(2^53−1) (the
///   protocol's range) and within the target type. `Double` and `Float` come
///   from any finite number (a `Float` must not overflow), `Bool` only from a
///   Boolean, `String` only from a string. `decodeNil` is true only for `null`.
/// - `decodeIfPresent` returns nil for a missing member or `null`. A member
///   that must be present but may be `null` is read with
///   `decode(T?.self, forKey:)`, which throws if the member is missing.
///
/// Every failure is a ``HubProtocolError`` with code
/// ``HubProtocolError/Code/invalidValue`` whose message starts with the JSON
/// path of the offending value, e.g. `body.children[2].age_band: expected a
/// string, found a number` or `payload: unknown member "foo"`. A model's own
/// checks throw `DecodingError.dataCorrupted` (see
/// `KeyedDecodingContainer.require(_:forKey:_:)`), which surfaces the same way
/// with the model's message. Messages name members, never values.
///
/// Decoding a ``JSONValue`` field takes the value as it is, so models can keep
/// free-form parts (such as a message `body` before its `type` is known).
public struct JSONValueDecoder: Sendable {
    /// The name of the top-level value in error paths, such as `"payload"`.
    ///
    /// The default is nil: paths start at the first member (`a.b[1].c`), and an
    /// error on the top-level value itself is reported at `(top level)`.
    public var rootName: String?

    /// Context handed to models as `Decoder.userInfo`. The default is empty.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes a decoder with no root name and empty `userInfo`.
    public init() {
        self.rootName = nil
        self.userInfo = [:]
    }

    /// Decodes a `T` from `value`.
    ///
    /// - Throws: ``HubProtocolError`` with code
    ///   ``HubProtocolError/Code/invalidValue`` naming the JSON path of the
    ///   first problem found; a `HubProtocolError` thrown by a model passes
    ///   through unchanged.
    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let decoder = JSONValueDecoderImpl(value: value, codingPath: [], userInfo: userInfo)
        do {
            return try T(from: decoder)
        } catch let error as DecodingError {
            throw JSONCodingPath.error(from: error, rootName: rootName)
        }
    }
}

/// The `Decoder` for one value of the tree; also its own single-value container.
///
/// Failures are thrown as `DecodingError`s carrying the coding path, so that
/// models see standard errors; ``JSONValueDecoder/decode(_:from:)`` turns them
/// into ``HubProtocolError``s at the top.
final class JSONValueDecoderImpl: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]

    init(value: JSONValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: Any]) {
        self.value = value
        self.codingPath = codingPath
        self.userInfo = userInfo
    }

    /// A decoder for `value`, found at `key` below this one.
    func child(_ value: JSONValue, at key: any CodingKey) -> JSONValueDecoderImpl {
        JSONValueDecoderImpl(value: value, codingPath: codingPath + [key], userInfo: userInfo)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else {
            throw Self.mismatch([String: JSONValue].self, expected: "an object", found: value, at: codingPath)
        }
        try Self.refuseUnknownMembers(of: members, for: Key.self, at: codingPath)
        return KeyedDecodingContainer(JSONValueKeyedDecodingContainer<Key>(decoder: self, members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw Self.mismatch([JSONValue].self, expected: "an array", found: value, at: codingPath)
        }
        return JSONValueUnkeyedDecodingContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        self
    }

    // MARK: SingleValueDecodingContainer

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try Self.unboxBool(value, at: codingPath) }
    func decode(_ type: String.Type) throws -> String { try Self.unboxString(value, at: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try Self.unboxFloat(type, value, at: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try Self.unboxFloat(type, value, at: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: Int128.Type) throws -> Int128 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try Self.unboxInteger(type, value, at: codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try T(from: self) }

    // MARK: Unboxing

    static func unboxBool(_ value: JSONValue, at path: [any CodingKey]) throws -> Bool {
        guard case .bool(let b) = value else {
            throw mismatch(Bool.self, expected: "a Boolean", found: value, at: path)
        }
        return b
    }

    static func unboxString(_ value: JSONValue, at path: [any CodingKey]) throws -> String {
        guard case .string(let s) = value else {
            throw mismatch(String.self, expected: "a string", found: value, at: path)
        }
        return s
    }

    static func unboxFloat<F: BinaryFloatingPoint>(
        _ type: F.Type,
        _ value: JSONValue,
        at path: [any CodingKey]
    ) throws -> F {
        guard case .number(let d) = value else {
            throw mismatch(F.self, expected: "a number", found: value, at: path)
        }
        guard d.isFinite else { throw corrupted("not a finite number", at: path) }
        let result = F(d)
        guard result.isFinite else { throw corrupted("number out of range for \(F.self)", at: path) }
        return result
    }

    static func unboxInteger<I: FixedWidthInteger>(
        _ type: I.Type,
        _ value: JSONValue,
        at path: [any CodingKey]
    ) throws -> I {
        guard case .number(let d) = value else {
            throw mismatch(I.self, expected: "an integer", found: value, at: path)
        }
        guard d.isFinite, d.rounded(.towardZero) == d else {
            throw mismatch(I.self, expected: "an integer", found: value, at: path, detail: "a number with a fraction")
        }
        // The wire grammar has no "-0", so negative zero cannot come from a
        // protocol message; refusing it keeps integers exactly one spelling.
        guard !(d == 0 && d.sign == .minus) else {
            throw mismatch(I.self, expected: "an integer", found: value, at: path, detail: "negative zero")
        }
        guard d.magnitude <= Double(JSONValue.maxSafeInteger) else {
            throw corrupted("integer out of range (magnitude above 2^53-1)", at: path)
        }
        guard let result = I(exactly: d) else {
            throw corrupted("integer out of range for \(I.self)", at: path)
        }
        return result
    }

    // MARK: Errors

    static func mismatch(
        _ type: Any.Type,
        expected: String,
        found value: JSONValue,
        at path: [any CodingKey],
        detail: String? = nil
    ) -> DecodingError {
        let found = detail ?? value.kindDescription
        return DecodingError.typeMismatch(
            type,
            DecodingError.Context(codingPath: path, debugDescription: "expected \(expected), found \(found)")
        )
    }

    static func corrupted(_ message: String, at path: [any CodingKey]) -> DecodingError {
        DecodingError.dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: message))
    }

    /// Throws if `Key` is `CaseIterable` and `members` holds a name outside it.
    static func refuseUnknownMembers<Key: CodingKey>(
        of members: [String: JSONValue],
        for keyType: Key.Type,
        at path: [any CodingKey]
    ) throws {
        guard let caseIterable = keyType as? any (CodingKey & CaseIterable).Type else { return }
        let known = memberNames(of: caseIterable)
        // The smallest unknown name, so the error is the same on every run.
        if let unknown = members.keys.filter({ !known.contains($0) }).min() {
            throw corrupted("unknown member \(JSONCodingPath.quoted(unknown))", at: path)
        }
    }

    private static func memberNames<Key: CodingKey & CaseIterable>(of keyType: Key.Type) -> Set<String> {
        Set(Key.allCases.map(\.stringValue))
    }
}
