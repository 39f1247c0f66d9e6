/// A strict parser of I-JSON (RFC 7493) text into ``JSONValue``.
///
/// It accepts exactly the RFC 8259 grammar and refuses everything I-JSON and
/// PROTOCOL.md §4 refuse: invalid UTF-8 (overlong forms, UTF-8-encoded
/// surrogates, code points above U+10FFFF, truncated sequences), unpaired
/// surrogate escapes, noncharacter code points (U+FDD0…U+FDEF and
/// U+xxFFFE/U+xxFFFF, raw or escaped), duplicate member names (compared after
/// unescaping), nesting deeper than ``Options/maxDepth``, numbers that overflow
/// a double, a leading byte order mark and any bytes after the value other than
/// whitespace.
///
/// Every failure throws ``HubProtocolError`` with code ``HubProtocolError/Code/json``
/// and a message of the form `at byte 17: expected ',' or '}' after object member`;
/// the offset counts from the first input byte. Messages never quote the input.
///
/// Member names are dictionary keys of `String`, and Swift compares strings by
/// Unicode canonical equivalence; two names that are canonically equivalent but
/// differ in code points (`"\u00c5"` and `"A\u030a"`) cannot both be held, so the
/// parser refuses such an object as well.
///
/// The parser works iteratively on the bytes (no recursion). Destroying,
/// comparing and serialising a ``JSONValue`` do recurse, so keep
/// ``Options/maxDepth`` modest (thousands at most) for input from outside.
public struct JSONParser {
    /// What the parser accepts beyond the fixed I-JSON rules.
    public struct Options: Sendable {
        /// The deepest nesting of arrays and objects accepted; one more is refused.
        ///
        /// The top-level array or object counts as depth 1. The default is 64.
        public var maxDepth: Int
        /// Whether every number must be an integer written as `0|-?[1-9][0-9]*`
        /// (no fraction, no exponent, no `-0`) with magnitude at most 2^53 − 1.
        ///
        /// PROTOCOL.md §4 requires this of every signed payload. The default is false.
        public var integersOnly: Bool

        /// Makes options; the defaults are depth 64 and any finite number.
        public init(maxDepth: Int = 64, integersOnly: Bool = false) {
            precondition(maxDepth >= 0, "maxDepth must not be negative")
            self.maxDepth = maxDepth
            self.integersOnly = integersOnly
        }

        /// I-JSON with depth 64 and any finite number: HTTP bodies, JOSE headers.
        public static let standard = Options()
        /// The rules for signed payloads (PROTOCOL.md §4): depth 64, integers only.
        public static let strict = Options(maxDepth: 64, integersOnly: true)
    }

    /// One open array or object while parsing.
    private struct Frame {
        var isObject: Bool
        var elements: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        /// The name of the object member whose value is being parsed.
        var key: String = ""
        /// The byte offset of that name's opening quote.
        var keyOffset: Int = 0
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let options: Options
    var index: Int = 0

    private init(bytes: UnsafeBufferPointer<UInt8>, options: Options) {
        self.bytes = bytes
        self.options = options
    }

    /// Parses one JSON text that is the whole of `bytes`.
    ///
    /// - Throws: ``HubProtocolError`` (code `json`) naming the byte offset and
    ///   what was expected there.
    public static func parse(_ bytes: [UInt8], options: Options = .init()) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, options: options)
            return try parser.parseDocument()
        }
    }

    /// Parses one JSON text that is the whole of `bytes` (a slice, `Data`, …).
    ///
    /// Offsets in error messages count from the collection's first byte.
    public static func parse<Bytes: Collection<UInt8>>(
        _ bytes: Bytes,
        options: Options = .init()
    ) throws -> JSONValue {
        let result = try bytes.withContiguousStorageIfAvailable { buffer in
            var parser = JSONParser(bytes: buffer, options: options)
            return try parser.parseDocument()
        }
        if let result { return result }
        return try parse(Array(bytes), options: options)
    }

    /// Parses one JSON text given as a string (its UTF-8 bytes).
    public static func parse(_ text: some StringProtocol, options: Options = .init()) throws -> JSONValue {
        var string = String(text)
        return try string.withUTF8 { buffer in
            var parser = JSONParser(bytes: buffer, options: options)
            return try parser.parseDocument()
        }
    }

    // MARK: - Structure

    private mutating func parseDocument() throws -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw failure(at: 0, "byte order mark not allowed")
        }
        var stack: [Frame] = []
        var value: JSONValue

        parsing: while true {
            skipWhitespace()
            guard index < bytes.count else { throw failure(at: index, "expected value") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                try checkDepth(stack.count)
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    value = .object([:])
                } else {
                    let (key, offset) = try parseMemberName()
                    stack.append(Frame(isObject: true, key: key, keyOffset: offset))
                    continue parsing
                }
            case UInt8(ascii: "["):
                try checkDepth(stack.count)
                index += 1
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false))
                    continue parsing
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                value = try parseLiteral()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            default:
                throw failure(at: index, "expected value")
            }

            // A value is complete: hand it to the open containers, closing as many as end here.
            while !stack.isEmpty {
                let top = stack.count - 1
                skipWhitespace()
                if stack[top].isObject {
                    let key = stack[top].key
                    if stack[top].members.updateValue(value, forKey: key) != nil {
                        throw duplicateName(key, in: stack[top].members, at: stack[top].keyOffset)
                    }
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        let (nextKey, offset) = try parseMemberName()
                        stack[top].key = nextKey
                        stack[top].keyOffset = offset
                        continue parsing
                    }
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "}") else {
                        throw failure(at: index, "expected ',' or '}' after object member")
                    }
                    index += 1
                    value = .object(stack.removeLast().members)
                } else {
                    stack[top].elements.append(value)
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue parsing
                    }
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "]") else {
                        throw failure(at: index, "expected ',' or ']' after array element")
                    }
                    index += 1
                    value = .array(stack.removeLast().elements)
                }
            }
            break parsing
        }

        skipWhitespace()
        guard index == bytes.count else { throw failure(at: index, "unexpected bytes after value") }
        return value
    }

    private func checkDepth(_ open: Int) throws {
        guard open < options.maxDepth else {
            throw failure(at: index, "nesting deeper than \(options.maxDepth)")
        }
    }

    /// Reads `"name"` and the `:` after it; `index` is at the opening quote.
    private mutating func parseMemberName() throws -> (String, Int) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw failure(at: index, "expected member name")
        }
        let offset = index
        let name = try parseString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw failure(at: index, "expected ':' after member name")
        }
        index += 1
        return (name, offset)
    }

    private func duplicateName(_ key: String, in members: [String: JSONValue], at offset: Int) -> HubProtocolError {
        // Tell an operator whether the names are the same code points or only
        // canonically equivalent (which `String` keys cannot tell apart).
        if let existing = members.index(forKey: key), !members[existing].key.utf8.elementsEqual(key.utf8) {
            return failure(at: offset, "member name canonically equivalent to an earlier one")
        }
        return failure(at: offset, "duplicate member name")
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseLiteral() throws -> JSONValue {
        let (word, value): (StaticString, JSONValue) =
            switch bytes[index] {
            case UInt8(ascii: "t"): ("true", .bool(true))
            case UInt8(ascii: "f"): ("false", .bool(false))
            default: ("null", .null)
            }
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw failure(at: index, "expected value") }
        for k in 0..<count where bytes[index + k] != word.utf8Start[k] {
            throw failure(at: index, "expected value")
        }
        index += count
        return value
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }

        let integerStart = index
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure(at: index, "expected digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure(at: integerStart, "leading zero in number") }
        } else {
            skipDigits()
        }
        let integerDigits = index - integerStart

        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure(at: index, "expected digit after decimal point")
            }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure(at: index, "expected digit in exponent")
            }
            skipDigits()
        }

        if options.integersOnly {
            // 2^53 − 1 has 16 digits; "-0" is refused since it is not a canonical integer.
            guard isInteger, integerDigits <= 16, !(negative && bytes[integerStart] == UInt8(ascii: "0")) else {
                throw failure(at: start, "number is not an integer within ±(2^53−1)")
            }
            let magnitude = decimalValue(integerStart..<index)
            guard magnitude <= JSONValue.maxSafeInteger else {
                throw failure(at: start, "number is not an integer within ±(2^53−1)")
            }
            return .number(negative ? -Double(magnitude) : Double(magnitude))
        }
        if isInteger, integerDigits <= 15 {
            // Below 10^15 every integer is exact in a double: skip the decimal conversion.
            let magnitude = decimalValue(integerStart..<index)
            return .number(negative ? -Double(magnitude) : Double(magnitude))
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            throw failure(at: start, "number out of range")
        }
        return .number(number)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// The value of at most 16 ASCII digits.
    private func decimalValue(_ range: Range<Int>) -> Int64 {
        var value: Int64 = 0
        for i in range { value = value * 10 + Int64(bytes[i] &- UInt8(ascii: "0")) }
        return value
    }

    // MARK: - Errors

    func failure(at offset: Int, _ what: String) -> HubProtocolError {
        HubProtocolError(.json, "at byte \(offset): \(what)")
    }
}
