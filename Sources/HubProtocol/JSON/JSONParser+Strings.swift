extension JSONParser {
    /// Reads a string; `index` is at the opening quote and ends after the closing one.
    ///
    /// Strings without escapes become a `String` straight from their byte slice;
    /// the others are decoded into one byte buffer, run by run.
    mutating func parseString() throws -> String {
        index += 1
        let contentStart = index
        try scanRun()
        guard index < bytes.count else { throw failure(at: index, "unterminated string") }
        if bytes[index] == UInt8(ascii: "\"") {
            let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]), as: UTF8.self)
            index += 1
            return string
        }

        var buffer: [UInt8] = []
        buffer.reserveCapacity(index - contentStart + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]))
        while true {
            // Here `index` is at a backslash.
            try decodeEscape(into: &buffer)
            let runStart = index
            try scanRun()
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            guard index < bytes.count else { throw failure(at: index, "unterminated string") }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: buffer, as: UTF8.self)
            }
        }
    }

    /// Advances over string content that needs no decoding, up to a quote, a
    /// backslash or the end, checking UTF-8 and refusing raw control characters.
    private mutating func scanRun() throws {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { return }
            if byte < 0x20 { throw failure(at: index, "unescaped control character in string") }
            if byte < 0x80 {
                index += 1
            } else {
                try skipMultibyteSequence()
            }
        }
    }

    /// Checks one UTF-8 sequence of 2–4 bytes at `index` (Unicode Table 3-7) and
    /// that it is not a noncharacter, then advances past it.
    private mutating func skipMultibyteSequence() throws {
        let start = index
        let lead = bytes[start]
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        let trailing: Int
        switch lead {
        case 0xC2...0xDF: trailing = 1
        case 0xE0:
            trailing = 2
            low = 0xA0  // refuses overlong 3-byte forms
        case 0xED:
            trailing = 2
            high = 0x9F  // refuses U+D800…U+DFFF
        case 0xE1...0xEC, 0xEE...0xEF: trailing = 2
        case 0xF0:
            trailing = 3
            low = 0x90  // refuses overlong 4-byte forms
        case 0xF1...0xF3: trailing = 3
        case 0xF4:
            trailing = 3
            high = 0x8F  // refuses above U+10FFFF
        default: throw failure(at: start, "invalid UTF-8")
        }
        guard bytes.count - start > trailing else { throw failure(at: start, "invalid UTF-8") }
        let second = bytes[start + 1]
        guard second >= low, second <= high else { throw failure(at: start, "invalid UTF-8") }
        for k in 2..<(trailing + 1) where bytes[start + k] & 0xC0 != 0x80 {
            throw failure(at: start, "invalid UTF-8")
        }
        if trailing == 2 {
            let scalar =
                UInt32(lead & 0x0F) << 12 | UInt32(second & 0x3F) << 6 | UInt32(bytes[start + 2] & 0x3F)
            if Self.isNoncharacter(scalar) { throw failure(at: start, "noncharacter code point") }
        } else if trailing == 3 {
            // Only the low 16 bits matter for U+xxFFFE/U+xxFFFF.
            if second & 0x0F == 0x0F, bytes[start + 2] == 0xBF, bytes[start + 3] & 0xFE == 0xBE {
                throw failure(at: start, "noncharacter code point")
            }
        }
        index = start + trailing + 1
    }

    /// Decodes the escape at `index` (a backslash) into `buffer` as UTF-8.
    private mutating func decodeEscape(into buffer: inout [UInt8]) throws {
        let start = index
        index += 1
        guard index < bytes.count else { throw failure(at: index, "unterminated string") }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(letter)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else { throw failure(at: start, "unpaired surrogate escape") }
                index += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure(at: start, "unpaired surrogate escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure(at: start, "unpaired surrogate escape")
            }
            if Self.isNoncharacter(scalar) { throw failure(at: start, "noncharacter code point") }
            Self.appendUTF8(scalar, to: &buffer)
        default:
            throw failure(at: start, "invalid escape sequence")
        }
    }

    /// Reads the four hex digits of a `\u` escape.
    private mutating func readHex4() throws -> UInt32 {
        guard bytes.count - index >= 4 else { throw failure(at: index, "expected 4 hex digits after \\u") }
        var value: UInt32 = 0
        for k in 0..<4 {
            let byte = bytes[index + k]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure(at: index, "expected 4 hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// Whether `scalar` is one of Unicode's 66 noncharacters.
    static func isNoncharacter(_ scalar: UInt32) -> Bool {
        (0xFDD0...0xFDEF).contains(scalar) || scalar & 0xFFFE == 0xFFFE
    }

    /// Appends the UTF-8 form of a scalar value (not a surrogate, ≤ U+10FFFF).
    private static func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | scalar >> 6))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | scalar >> 12))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        default:
            buffer.append(UInt8(0xF0 | scalar >> 18))
            buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
