/// The JSON Canonicalization Scheme (RFC 8785): the one byte form of a ``JSONValue``
/// that signers and verifiers agree on.
///
/// No whitespace; object members sorted by the UTF-16 code units of their names;
/// strings with only the escapes RFC 8785 §3.2.2.2 prescribes; numbers in the
/// ECMAScript `Number.prototype.toString` form (``formatNumber(_:)``).
///
/// Serialising cannot fail for I-JSON data. A number that is NaN or infinite
/// cannot come from ``JSONParser``; one built in code is a programmer error and
/// stops the process. Check values built from outside data with
/// ``JSONValue/validate(_:)`` first.
public enum JCS {
    /// The canonical UTF-8 bytes of `value`.
    ///
    /// - Precondition: every number in `value` is finite.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(value, to: &out)
        return out
    }

    /// The canonical form of `value` as a string.
    ///
    /// - Precondition: every number in `value` is finite.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    private static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let flag):
            out.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .number(let number):
            appendNumber(number, to: &out)
        case .string(let string):
            appendString(string, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                append(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // RFC 8785 §3.2.3: UTF-16 code unit order, which differs from scalar
            // (and UTF-8) order once names mix U+E000…U+FFFF with astral characters.
            let sorted = members.sorted { $0.key.utf16.lexicographicallyPrecedes($1.key.utf16) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(member.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` quoted: `"` and `\` escaped, control characters below
    /// U+0020 as `\b \t \n \f \r` or `\u00xx` (lowercase hex), all else as UTF-8.
    private static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for i in utf8.indices {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: "u00".utf8)
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }
}
