#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an HTTP `Retry-After` field value (RFC 9110 §10.2.3) as a number of
/// seconds to wait.
///
/// Both forms are read: delta-seconds (`120`) and an HTTP-date in the
/// preferred IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`), which is
/// turned into the seconds from `now` until then (0 for a date in the past).
/// The obsolete RFC 850 and asctime date forms, which servers must not send,
/// and anything else are ignored (`nil`): the caller then backs off as if no
/// `Retry-After` had been given. Delays are capped at one day, so a broken
/// peer cannot stall delivery for longer.
public enum RetryAfter {
    /// The longest delay returned: one day.
    public static let maximumSeconds: Double = 86_400

    /// The delay `value` asks for, in seconds, or `nil` when it is not a
    /// valid `Retry-After` value. `now` is Unix seconds (the default is the
    /// system clock) and only matters for an HTTP-date.
    public static func seconds(_ value: String, now: Int64? = nil) -> Double? {
        let trimmed = value.trimmingASCIIWhitespace()
        if !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Overlong digit strings are still a valid (huge) delay: cap rather than refuse.
            guard trimmed.utf8.count <= 9, let seconds = Int(trimmed) else { return maximumSeconds }
            return min(Double(seconds), maximumSeconds)
        }
        guard let date = imfFixdate(trimmed) else { return nil }
        let delay = date - (now ?? Int64(time(nil)))
        return min(Double(max(delay, 0)), maximumSeconds)
    }

    /// Unix seconds of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or `nil`.
    static func imfFixdate(_ text: Substring) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 29 else { return nil }
        let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func word(_ start: Int, _ length: Int) -> String {
            String(decoding: bytes[start..<start + length], as: UTF8.self)
        }
        func number(_ start: Int, _ length: Int) -> Int? {
            let digits = bytes[start..<start + length]
            guard digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard days.contains(word(0, 3)), word(3, 2) == ", ", bytes[7] == 0x20, bytes[11] == 0x20, bytes[16] == 0x20,
            bytes[19] == 0x3A, bytes[22] == 0x3A, word(25, 4) == " GMT",
            let day = number(5, 2), let monthIndex = months.firstIndex(of: word(8, 3)), let year = number(12, 4),
            let hour = number(17, 2), let minute = number(20, 2), let second = number(23, 2),
            (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let daysSinceEpoch = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        return Int64(daysSinceEpoch) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
    /// `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
