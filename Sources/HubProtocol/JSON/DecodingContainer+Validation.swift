// Checks that models run in `init(from:)` beyond what the types say ("a
// lowercase UUID", "1 to 4 certificates"). They throw the standard
// `DecodingError.dataCorrupted`, which `JSONValueDecoder` reports as
// `invalid_value` with the JSON path and the message as given. A message must
// describe the rule, never quote the value: values may be personal data.

extension KeyedDecodingContainer {
    /// Throws `DecodingError.dataCorrupted` at member `key` unless `condition`
    /// holds.
    ///
    /// ```swift
    /// let jti = try container.decode(String.self, forKey: .jti)
    /// try container.require(isLowercaseUUID(jti), forKey: .jti, "not a lowercase UUID")
    /// ```
    /// fails as `invalid_value`: `payload.jti: not a lowercase UUID`.
    public func require(
        _ condition: Bool,
        forKey key: Key,
        _ message: @autoclosure () -> String
    ) throws {
        guard condition else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message())
        }
    }
}

extension SingleValueDecodingContainer {
    /// Throws `DecodingError.dataCorrupted` at this container's value unless
    /// `condition` holds.
    public func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        guard condition else {
            throw DecodingError.dataCorruptedError(in: self, debugDescription: message())
        }
    }
}

extension Decoder {
    /// Throws `DecodingError.dataCorrupted` at this decoder's value unless
    /// `condition` holds: for checks across several members, reported at the
    /// object that holds them.
    public func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        guard condition else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: message())
            )
        }
    }
}
