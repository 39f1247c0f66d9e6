/// The unkeyed container of ``JSONValueEncoder``: appends elements to a shared
/// array buffer, so values written after the container was made still count.
struct JSONValueUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: JSONValueEncoderImpl
    let array: JSONArrayBuffer
    let codingPath: [any CodingKey]

    var count: Int { array.elements.count }

    /// The path of the element about to be appended.
    private var nextPath: [any CodingKey] {
        codingPath + [JSONCodingKey(index: count)]
    }

    private func append(_ node: JSONEncodedNode) {
        array.elements.append(node)
    }

    mutating func encodeNil() throws { append(.value(.null)) }
    mutating func encode(_ value: Bool) throws { append(.value(.bool(value))) }
    mutating func encode(_ value: String) throws { append(.value(.string(value))) }
    mutating func encode(_ value: Double) throws {
        append(.value(try JSONValueEncoderImpl.boxFloat(value, at: nextPath)))
    }
    mutating func encode(_ value: Float) throws {
        append(.value(try JSONValueEncoderImpl.boxFloat(value, at: nextPath)))
    }
    mutating func encode(_ value: Int) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int8) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int16) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int32) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int64) throws { try encodeInteger(value) }
    mutating func encode(_ value: Int128) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt8) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt16) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt32) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt64) throws { try encodeInteger(value) }
    mutating func encode(_ value: UInt128) throws { try encodeInteger(value) }

    private func encodeInteger<I: FixedWidthInteger>(_ value: I) throws {
        append(.value(try JSONValueEncoderImpl.boxInteger(value, at: nextPath)))
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encoder.encodeNode(value, at: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let buffer = JSONObjectBuffer()
        let path = nextPath
        append(.object(buffer))
        return KeyedEncodingContainer(
            JSONValueKeyedEncodingContainer<NestedKey>(encoder: encoder, object: buffer, codingPath: path)
        )
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let buffer = JSONArrayBuffer()
        let path = nextPath
        append(.array(buffer))
        return JSONValueUnkeyedEncodingContainer(encoder: encoder, array: buffer, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let superEncoder = encoder.encoder(at: nextPath)
        append(.encoder(superEncoder))
        return superEncoder
    }
}
