extension JSONValue: Codable {
    /// Decodes any JSON value.
    ///
    /// With ``JSONValueDecoder`` this takes the value as it is. With another
    /// decoder it tries null, Boolean, number, string, array and object in turn.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? JSONValueDecoderImpl {
            self = decoder.value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else if let object = try? container.decode([String: JSONValue].self) {
            self = .object(object)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    /// Encodes this value as it is.
    ///
    /// - Throws: if it holds a non-finite number, which JSON cannot carry.
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? JSONValueEncoderImpl {
            try checkFinite(at: encoder.codingPath)
            try encoder.store(self)
            return
        }
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let bool):
            var container = encoder.singleValueContainer()
            try container.encode(bool)
        case .number(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        case .array(let array):
            var container = encoder.unkeyedContainer()
            for element in array { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: JSONCodingKey.self)
            for (name, member) in object { try container.encode(member, forKey: JSONCodingKey(stringValue: name)) }
        }
    }

    /// Throws if this value holds a NaN or infinity anywhere.
    private func checkFinite(at path: [any CodingKey]) throws {
        switch self {
        case .null, .bool, .string:
            return
        case .number(let number):
            _ = try JSONValueEncoderImpl.boxFloat(number, at: path)
        case .array(let array):
            for (index, element) in array.enumerated() {
                try element.checkFinite(at: path + [JSONCodingKey(index: index)])
            }
        case .object(let object):
            for (name, member) in object {
                try member.checkFinite(at: path + [JSONCodingKey(stringValue: name)])
            }
        }
    }
}
