/// The keyed container of ``JSONValueDecoder``: the members of one object.
///
/// Unknown members were refused (for `CaseIterable` keys) when the container
/// was made; see ``JSONValueDecoderImpl/refuseUnknownMembers(of:for:at:)``.
struct JSONValueKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoderImpl
    let members: [String: JSONValue]

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        members.keys.sorted().compactMap { Key(stringValue: $0) }
    }

    func contains(_ key: Key) -> Bool {
        members[key.stringValue] != nil
    }

    private func member(_ key: Key) throws -> JSONValue {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(codingPath: codingPath, debugDescription: "missing member")
            )
        }
        return value
    }

    private func path(_ key: Key) -> [any CodingKey] {
        codingPath + [key]
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        try member(key).isNull
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try JSONValueDecoderImpl.unboxBool(member(key), at: path(key))
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try JSONValueDecoderImpl.unboxString(member(key), at: path(key))
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try JSONValueDecoderImpl.unboxFloat(type, member(key), at: path(key))
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try JSONValueDecoderImpl.unboxFloat(type, member(key), at: path(key))
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 {
        try JSONValueDecoderImpl.unboxInteger(type, member(key), at: path(key))
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: decoder.child(member(key), at: key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type,
        forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.child(member(key), at: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.child(member(key), at: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        // As in Foundation: a missing member gives a decoder over null.
        decoder.child(members[JSONCodingKey.super.stringValue] ?? .null, at: JSONCodingKey.super)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        decoder.child(members[key.stringValue] ?? .null, at: key)
    }
}
