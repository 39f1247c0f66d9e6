/// The keyed container of ``JSONValueEncoder``: writes members into a shared
/// object buffer, so values written after the container was made still count.
///
/// Writing a member twice keeps the last value, as in Foundation.
struct JSONValueKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONValueEncoderImpl
    let object: JSONObjectBuffer
    let codingPath: [any CodingKey]

    private func path(_ key: Key) -> [any CodingKey] {
        codingPath + [key]
    }

    private func set(_ node: JSONEncodedNode, _ key: Key) {
        object.members[key.stringValue] = node
    }

    mutating func encodeNil(forKey key: Key) throws { set(.value(.null), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.value(.bool(value)), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.value(.string(value)), key) }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(.value(try JSONValueEncoderImpl.boxFloat(value, at: path(key))), key)
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(.value(try JSONValueEncoderImpl.boxFloat(value, at: path(key))), key)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeInteger(value, key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try encodeInteger(value, key) }

    private func encodeInteger<I: FixedWidthInteger>(_ value: I, _ key: Key) throws {
        set(.value(try JSONValueEncoderImpl.boxInteger(value, at: path(key))), key)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try encoder.encodeNode(value, at: path(key)), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        // Asking twice for the same member's object gives the same buffer.
        let buffer: JSONObjectBuffer
        if case .object(let existing)? = object.members[key.stringValue] {
            buffer = existing
        } else {
            buffer = JSONObjectBuffer()
            set(.object(buffer), key)
        }
        return KeyedEncodingContainer(
            JSONValueKeyedEncodingContainer<NestedKey>(encoder: encoder, object: buffer, codingPath: path(key))
        )
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let buffer: JSONArrayBuffer
        if case .array(let existing)? = object.members[key.stringValue] {
            buffer = existing
        } else {
            buffer = JSONArrayBuffer()
            set(.array(buffer), key)
        }
        return JSONValueUnkeyedEncodingContainer(encoder: encoder, array: buffer, codingPath: path(key))
    }

    mutating func superEncoder() -> any Encoder {
        let superEncoder = encoder.encoder(at: codingPath + [JSONCodingKey.super])
        object.members[JSONCodingKey.super.stringValue] = .encoder(superEncoder)
        return superEncoder
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        let superEncoder = encoder.encoder(at: path(key))
        set(.encoder(superEncoder), key)
        return superEncoder
    }
}
