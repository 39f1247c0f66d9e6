#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UUIDs as the protocol writes them: lowercase and hyphenated.
public enum HubUUID {
    /// A new UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then random bits.
    public static func v7(unixMilliseconds: UInt64 = currentUnixMilliseconds()) -> String {
        var b = SecureRandom.bytes(16)
        for i in 0..<6 { b[i] = UInt8(truncatingIfNeeded: unixMilliseconds >> UInt64(8 * (5 - i))) }
        b[6] = 0x70 | (b[6] & 0x0f)
        b[8] = 0x80 | (b[8] & 0x3f)
        return format(b)
    }

    /// A new random UUIDv4.
    public static func v4() -> String {
        var b = SecureRandom.bytes(16)
        b[6] = 0x40 | (b[6] & 0x0f)
        b[8] = 0x80 | (b[8] & 0x3f)
        return format(b)
    }

    /// Whether `text` is a UUID in lowercase hyphenated form (8-4-4-4-12 hex digits).
    public static func isLowercaseUUID(_ text: String) -> Bool {
        let u = Array(text.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return false }
            } else {
                guard (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) else { return false }
            }
        }
        return true
    }

    /// The current Unix time in milliseconds.
    public static func currentUnixMilliseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }

    private static func format(_ b: [UInt8]) -> String {
        let h = Hex.encode(b)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }
}
