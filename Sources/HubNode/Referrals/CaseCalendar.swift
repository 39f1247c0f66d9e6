import Foundation
public import HubProtocol

/// Calendar days as the protocol counts them: in Europe/Amsterdam.
public enum CaseCalendar {
    /// The day in Europe/Amsterdam that holds the Unix time `t`.
    public static func day(at t: Int64) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600)!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(t)))
        return CalendarDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
            ?? CalendarDate(daysSinceEpoch: Int(t / 86_400))
    }

    /// Full years from `birth` to `day` (a 29 February birthday counts on 1 March in other years).
    public static func age(born birth: CalendarDate, on day: CalendarDate) -> Int {
        var years = day.year - birth.year
        if (day.month, day.day) < (birth.month, birth.day) { years -= 1 }
        return years
    }

    /// The §9 age band of a child born on `birth`, on `day`; nil for someone
    /// not yet born or 18 or older.
    public static func ageBand(born birth: CalendarDate, on day: CalendarDate) -> ReferralOffer.AgeBand? {
        guard birth <= day else { return nil }
        switch age(born: birth, on: day) {
        case 0...3: return .infant
        case 4...11: return .child
        case 12...17: return .teenager
        default: return nil
        }
    }
}
