extension NodeConfiguration {
    /// When closed cases lose their identifying data (PROTOCOL.md §13).
    public struct Retention: Sendable, Hashable {
        /// Days after closing a case keeps its identifying data, pseudonyms
        /// and sealed messages.
        ///
        /// The default is 730 (2 years).
        public var closedCaseAgeDays = 730

        /// The time of day, Europe/Amsterdam, at which the retention job runs.
        ///
        /// The default is 03:30.
        public var runDailyAt = TimeOfDay(hour: 3, minute: 30)

        /// Makes a retention configuration with every default.
        public init() {}
    }

    /// A time of day, `HH:MM` on a 24-hour clock.
    public struct TimeOfDay: Sendable, Hashable, CustomStringConvertible {
        /// The hour, 0–23.
        public var hour: Int
        /// The minute, 0–59.
        public var minute: Int

        /// Makes a time of day; `hour` must be 0–23 and `minute` 0–59.
        public init(hour: Int, minute: Int) {
            precondition((0..<24).contains(hour) && (0..<60).contains(minute), "not a time of day")
            self.hour = hour
            self.minute = minute
        }

        /// Parses `HH:MM` (two digits each, 00:00–23:59).
        public init?(_ text: String) {
            let bytes = Array(text.utf8)
            guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
                bytes.enumerated().allSatisfy({ $0.offset == 2 || (0x30...0x39).contains($0.element) }),
                let hour = Int(text.prefix(2)), let minute = Int(text.suffix(2)),
                hour < 24, minute < 60
            else { return nil }
            self.init(hour: hour, minute: minute)
        }

        /// `HH:MM`.
        public var description: String {
            (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
        }
    }
}
