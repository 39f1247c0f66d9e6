/// Encodes `Encodable` models into a ``JSONValue``, strictly.
///
/// - `encodeNil` writes `null`; `encodeIfPresent` omits a nil member. A member
///   that must be present and may be `null` is written with
///   `encode(optional, forKey:)` (an `Optional` encodes nil as `null`).
/// - Integers of every fixed-width type must lie within ±(2^53−1), the range
///   I-JSON carries exactly; `Double` and `Float` must be finite.
/// - Keyed, unkeyed and single-value containers, nested containers and super
///   encoders all work, and a nested container keeps receiving values after it
///   was made: containers write into shared buffers that are turned into a
///   ``JSONValue`` only when the top-level value has finished encoding.
/// - Asking one encoder for two different kinds of container, or for a value
///   that encodes nothing, is an error rather than a crash.
///
/// Every failure is a ``HubProtocolError`` with code
/// ``HubProtocolError/Code/invalidValue`` whose message starts with the JSON
/// path of the offending value. `EncodingError`s thrown by a model surface the
/// same way, with the model's message.
public struct JSONValueEncoder: Sendable {
    /// The name of the top-level value in error paths, such as `"payload"`.
    ///
    /// The default is nil: paths start at the first member (`a.b[1].c`), and an
    /// error on the top-level value itself is reported at `(top level)`.
    public var rootName: String?

    /// Context handed to models as `Encoder.userInfo`. The default is empty.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes an encoder with no root name and empty `userInfo`.
    public init() {
        self.rootName = nil
        self.userInfo = [:]
    }

    /// Encodes `value` as a ``JSONValue``.
    ///
    /// - Throws: ``HubProtocolError`` with code
    ///   ``HubProtocolError/Code/invalidValue`` naming the JSON path of the
    ///   problem; a `HubProtocolError` thrown by a model passes through
    ///   unchanged.
    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let state = JSONEncodingState()
        let encoder = JSONValueEncoderImpl(codingPath: [], userInfo: userInfo, state: state)
        do {
            let node = try encoder.encodeNode(value)
            if let error = state.firstError { throw error }
            return try node.resolved()
        } catch let error as EncodingError {
            throw JSONCodingPath.error(from: error, rootName: rootName)
        }
    }
}

/// What one encoding run shares: the first misuse seen by a method that
/// cannot throw (`container(keyedBy:)`, `unkeyedContainer()`).
final class JSONEncodingState {
    private(set) var firstError: EncodingError?

    func record(_ message: String, at path: [any CodingKey]) {
        guard firstError == nil else { return }
        firstError = JSONValueEncoderImpl.invalid((), message, at: path)
    }
}

/// The members written so far into one object; shared by every container
/// that writes into it.
final class JSONObjectBuffer {
    var members: [String: JSONEncodedNode] = [:]
}

/// The elements written so far into one array; shared by every container
/// that writes into it.
final class JSONArrayBuffer {
    var elements: [JSONEncodedNode] = []
}

/// A value under construction: finished, or a buffer that containers may still
/// write into, or a super encoder that may still be given its value.
enum JSONEncodedNode {
    case value(JSONValue)
    case object(JSONObjectBuffer)
    case array(JSONArrayBuffer)
    case encoder(JSONValueEncoderImpl)

    /// The finished value, once nothing writes any more.
    func resolved() throws -> JSONValue {
        switch self {
        case .value(let value):
            return value
        case .object(let buffer):
            return .object(try buffer.members.mapValues { try $0.resolved() })
        case .array(let buffer):
            return .array(try buffer.elements.map { try $0.resolved() })
        case .encoder(let encoder):
            guard let node = encoder.node else {
                throw JSONValueEncoderImpl.invalid((), "no value was encoded", at: encoder.codingPath)
            }
            return try node.resolved()
        }
    }
}

/// The `Encoder` for one value of the tree; also its own single-value container.
final class JSONValueEncoderImpl: Encoder, SingleValueEncodingContainer {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any]
    let state: JSONEncodingState
    /// What was encoded here; nil until a container is asked for or a value written.
    private(set) var node: JSONEncodedNode?

    init(codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: Any], state: JSONEncodingState) {
        self.codingPath = codingPath
        self.userInfo = userInfo
        self.state = state
    }

    /// A fresh encoder for the value at `path`, sharing this one's run.
    func encoder(at path: [any CodingKey]) -> JSONValueEncoderImpl {
        JSONValueEncoderImpl(codingPath: path, userInfo: userInfo, state: state)
    }

    /// Encodes `value` with a fresh encoder at `path` and returns what it wrote.
    func encodeNode<T: Encodable>(_ value: T, at path: [any CodingKey]) throws -> JSONEncodedNode {
        try encoder(at: path).encodeNode(value)
    }

    /// Encodes `value` with this (fresh) encoder and returns what it wrote.
    func encodeNode<T: Encodable>(_ value: T) throws -> JSONEncodedNode {
        try value.encode(to: self)
        guard let node else { throw Self.invalid(value, "no value was encoded", at: codingPath) }
        return node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let buffer: JSONObjectBuffer
        switch node {
        case nil:
            buffer = JSONObjectBuffer()
            node = .object(buffer)
        case .object(let existing)?:
            buffer = existing
        default:
            state.record("an object was requested where another value was already encoded", at: codingPath)
            buffer = JSONObjectBuffer()
        }
        return KeyedEncodingContainer(
            JSONValueKeyedEncodingContainer(encoder: self, object: buffer, codingPath: codingPath)
        )
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let buffer: JSONArrayBuffer
        switch node {
        case nil:
            buffer = JSONArrayBuffer()
            node = .array(buffer)
        case .array(let existing)?:
            buffer = existing
        default:
            state.record("an array was requested where another value was already encoded", at: codingPath)
            buffer = JSONArrayBuffer()
        }
        return JSONValueUnkeyedEncodingContainer(encoder: self, array: buffer, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    // MARK: SingleValueEncodingContainer

    /// Writes the one value of this encoder.
    func store(_ value: JSONValue) throws {
        guard node == nil else { throw Self.invalid(value, "a value was already encoded here", at: codingPath) }
        node = .value(value)
    }

    func encodeNil() throws { try store(.null) }
    func encode(_ value: Bool) throws { try store(.bool(value)) }
    func encode(_ value: String) throws { try store(.string(value)) }
    func encode(_ value: Double) throws { try store(Self.boxFloat(value, at: codingPath)) }
    func encode(_ value: Float) throws { try store(Self.boxFloat(value, at: codingPath)) }
    func encode(_ value: Int) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: Int8) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: Int16) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: Int32) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: Int64) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: Int128) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: UInt) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: UInt8) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: UInt16) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: UInt32) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: UInt64) throws { try store(Self.boxInteger(value, at: codingPath)) }
    func encode(_ value: UInt128) throws { try store(Self.boxInteger(value, at: codingPath)) }

    func encode<T: Encodable>(_ value: T) throws {
        guard node == nil else { throw Self.invalid(value, "a value was already encoded here", at: codingPath) }
        try value.encode(to: self)
    }

    // MARK: Boxing

    static func boxInteger<I: FixedWidthInteger>(_ value: I, at path: [any CodingKey]) throws -> JSONValue {
        let limit = JSONValue.maxSafeInteger
        guard let exact = Int64(exactly: value), (-limit...limit).contains(exact) else {
            throw invalid(value, "integer out of range (magnitude above 2^53-1)", at: path)
        }
        return .number(Double(exact))
    }

    static func boxFloat<F: BinaryFloatingPoint>(_ value: F, at path: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else { throw invalid(value, "not a finite number", at: path) }
        return .number(Double(value))
    }

    static func invalid(_ value: Any, _ message: String, at path: [any CodingKey]) -> EncodingError {
        EncodingError.invalidValue(value, EncodingError.Context(codingPath: path, debugDescription: message))
    }
}
