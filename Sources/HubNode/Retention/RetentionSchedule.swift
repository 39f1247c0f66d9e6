public import Foundation
public import HubProtocol

/// When the daily retention run is due: a time of day on the wall clock of
/// Europe/Amsterdam, across daylight-saving changes.
///
/// - A time the spring change skips (02:00–02:59 on the last Sunday of
///   March) runs an hour later by the new clock, as if the clock had not
///   jumped (02:30 → 03:30 CEST).
/// - A time the autumn change repeats (02:00–02:59 on the last Sunday of
///   October) runs once, at its first occurrence (CEST).
public enum RetentionSchedule {
    /// Europe/Amsterdam.
    public static let amsterdam = TimeZone(identifier: "Europe/Amsterdam") ?? TimeZone(secondsFromGMT: 3600)!

    /// The first run strictly after `now` (Unix seconds) at `time` in `zone`.
    public static func nextRun(
        after now: Int64,
        at time: NodeConfiguration.TimeOfDay,
        in zone: TimeZone = amsterdam
    ) -> Int64 {
        var day = localDay(of: now, in: zone)
        while true {
            let run = runTime(on: day, at: time, in: zone)
            if run > now { return run }
            day = day.adding(days: 1)
        }
    }

    /// The day on `zone`'s wall clock at `t`.
    public static func localDay(of t: Int64, in zone: TimeZone = amsterdam) -> CalendarDate {
        let wall = t + offset(at: t, in: zone)
        return CalendarDate(daysSinceEpoch: Int(wall >= 0 ? wall / 86_400 : (wall - 86_399) / 86_400))
    }

    /// The instant of the run on `day`: the first instant `zone`'s wall
    /// clock shows `time` that day, or, for a time skipped by a change, the
    /// instant it would have shown it under the offset before the change.
    public static func runTime(on day: CalendarDate, at time: NodeConfiguration.TimeOfDay, in zone: TimeZone) -> Int64 {
        // The wall-clock reading counted as if it were UTC.
        let wall = Int64(day.daysSinceEpoch) * 86_400 + Int64(time.hour * 3600 + time.minute * 60)
        // A day either side covers every offset that can apply that day (zones change at most once a day).
        let before = offset(at: wall - 86_400, in: zone)
        let after = offset(at: wall + 86_400, in: zone)
        let valid = [wall - before, wall - after].filter { offset(at: $0, in: zone) == wall - $0 }
        return valid.min() ?? wall - before
    }

    private static func offset(at t: Int64, in zone: TimeZone) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
    }
}
