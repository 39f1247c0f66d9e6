/// A JSON value as the hub sees it: I-JSON (RFC 7493) data model.
///
/// Objects are unordered (JCS sorts members when serialising) and never hold
/// duplicate names: the parser refuses them. Numbers are IEEE-754 doubles, as in
/// I-JSON and RFC 8785; where the protocol needs integers, the parser's
/// `integersOnly` option and ``intValue`` enforce the range ±(2^53−1).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The largest integer magnitude I-JSON can carry exactly (2^53 − 1).
    public static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    /// Makes a number from an integer.
    public static func integer(_ value: Int64) -> JSONValue { .number(Double(value)) }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is one.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The integer, if this is a number with no fraction within ±(2^53−1).
    public var intValue: Int64? {
        guard case .number(let d) = self, d.rounded(.towardZero) == d,
            abs(d) <= Double(Self.maxSafeInteger)
        else { return nil }
        return Int64(d)
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension HubProtocolError.Code {
    /// Input is not JSON, or not I-JSON (the message names the byte offset).
    public static let json = Self("json")
}
