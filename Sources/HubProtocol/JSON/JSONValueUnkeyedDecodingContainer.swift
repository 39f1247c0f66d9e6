/// The unkeyed container of ``JSONValueDecoder``: the elements of one array.
///
/// `currentIndex` moves on only when an element decodes, as the
/// `UnkeyedDecodingContainer` contract asks.
struct JSONValueUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoderImpl
    let elements: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: JSONValueDecoderImpl, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    /// Decodes the current element with `body`, then moves past it.
    private mutating func next<T>(
        _ type: T.Type,
        _ body: (JSONValue, JSONCodingKey) throws -> T
    ) throws -> T {
        guard !isAtEnd else { throw endOfArray(type) }
        let result = try body(elements[currentIndex], JSONCodingKey(index: currentIndex))
        currentIndex += 1
        return result
    }

    /// Unboxes the current element with `unbox`, then moves past it.
    private mutating func nextUnboxed<T>(
        _ type: T.Type,
        _ unbox: (JSONValue, [any CodingKey]) throws -> T
    ) throws -> T {
        let path = codingPath
        return try next(type) { value, key in try unbox(value, path + [key]) }
    }

    private func endOfArray(_ type: Any.Type) -> DecodingError {
        DecodingError.valueNotFound(
            type,
            DecodingError.Context(
                codingPath: codingPath + [JSONCodingKey(index: currentIndex)],
                debugDescription: "unexpected end of array"
            )
        )
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw endOfArray(Never?.self) }
        // Only a null is consumed: otherwise the caller decodes the element next.
        guard elements[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        try nextUnboxed(type, JSONValueDecoderImpl.unboxBool)
    }

    mutating func decode(_ type: String.Type) throws -> String {
        try nextUnboxed(type, JSONValueDecoderImpl.unboxString)
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxFloat(type, $0, at: $1) }
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxFloat(type, $0, at: $1) }
    }

    mutating func decode(_ type: Int.Type) throws -> Int {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: Int8.Type) throws -> Int8 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: Int16.Type) throws -> Int16 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: Int32.Type) throws -> Int32 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: Int64.Type) throws -> Int64 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: Int128.Type) throws -> Int128 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: UInt.Type) throws -> UInt {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: UInt8.Type) throws -> UInt8 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: UInt16.Type) throws -> UInt16 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: UInt32.Type) throws -> UInt32 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: UInt64.Type) throws -> UInt64 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode(_ type: UInt128.Type) throws -> UInt128 {
        try nextUnboxed(type) { try JSONValueDecoderImpl.unboxInteger(type, $0, at: $1) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = decoder
        return try next(type) { value, key in try T(from: decoder.child(value, at: key)) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let decoder = decoder
        return try next(KeyedDecodingContainer<NestedKey>.self) { value, key in
            try decoder.child(value, at: key).container(keyedBy: type)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let decoder = decoder
        return try next((any UnkeyedDecodingContainer).self) { value, key in
            try decoder.child(value, at: key).unkeyedContainer()
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        let decoder = decoder
        return try next((any Decoder).self) { value, key in decoder.child(value, at: key) }
    }
}
