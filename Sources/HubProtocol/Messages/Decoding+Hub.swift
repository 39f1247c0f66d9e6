/// Decoding helpers for the protocol's field rules, so every model states its
/// rules in one line per member and errors name the member, never its value.
extension KeyedDecodingContainer {
    /// A `DecodingError` for `key` with `message`.
    func invalid(_ key: Key, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message)
    }

    /// A 20-digit OIN.
    func decodeOIN(_ key: Key) throws -> String {
        let s = try decode(String.self, forKey: key)
        guard OIN.isValid(s) else { throw invalid(key, "not an OIN (20 ASCII digits)") }
        return s
    }

    /// A lowercase hyphenated UUID.
    func decodeUUID(_ key: Key) throws -> String {
        let s = try decode(String.self, forKey: key)
        guard HubUUID.isLowercaseUUID(s) else { throw invalid(key, "not a lowercase UUID") }
        return s
    }

    /// A string of 1...`max` Unicode scalars (0 allowed with `allowEmpty`).
    func decodeText(_ key: Key, max: Int, allowEmpty: Bool = false) throws -> String {
        let s = try decode(String.self, forKey: key)
        let n = s.unicodeScalars.count
        guard allowEmpty || n > 0 else { throw invalid(key, "must not be empty") }
        guard n <= max else { throw invalid(key, "longer than \(max) characters") }
        return s
    }

    /// A member that must be present but may be `null`.
    func decodeNullable<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(codingPath: codingPath, debugDescription: "required member (may be null) is missing")
            )
        }
        if try decodeNil(forKey: key) { return nil }
        return try decode(T.self, forKey: key)
    }

    /// An integer member that must equal `value`.
    func decodeConstant(_ key: Key, _ value: Int) throws {
        guard try decode(Int64.self, forKey: key) == Int64(value) else { throw invalid(key, "must be \(value)") }
    }

    /// A string member that must equal `value`.
    func decodeConstant(_ key: Key, _ value: String) throws {
        guard try decode(String.self, forKey: key) == value else { throw invalid(key, "must be \"\(value)\"") }
    }
}

extension KeyedEncodingContainer {
    /// Encodes `value`, or an explicit `null` when it is nil.
    mutating func encodeNullable<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
}

/// Organisation identification numbers (OIN): 20 ASCII digits.
public enum OIN {
    /// Whether `text` is 20 ASCII digits.
    public static func isValid(_ text: String) -> Bool {
        let u = text.utf8
        return u.count == 20 && u.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
