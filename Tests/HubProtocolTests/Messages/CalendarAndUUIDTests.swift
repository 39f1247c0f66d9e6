import Testing

@testable import HubProtocol

@Suite struct CalendarDateTests {
    @Test func parsesAndPrints() throws {
        let d = try #require(CalendarDate("2024-02-29"))
        #expect(d.description == "2024-02-29")
        #expect(d.quarter == 1)
        for bad in [
            "2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "24-01-01", "2024-01-32", "2024/01/01",
            "2024-01-01T00", "0000-01-01",
        ] {
            #expect(CalendarDate(bad) == nil, "\(bad)")
        }
    }

    @Test func dayArithmeticMatchesCalendar() throws {
        #expect(CalendarDate("1970-01-01")!.daysSinceEpoch == 0)
        #expect(CalendarDate("2000-03-01")!.daysSinceEpoch == 11_017)
        #expect(CalendarDate(daysSinceEpoch: 19_723).description == "2024-01-01")
        var d = CalendarDate("1899-12-25")!
        for _ in 0..<80_000 {
            let next = d.adding(days: 1)
            #expect(next.daysSinceEpoch == d.daysSinceEpoch + 1)
            #expect(CalendarDate(next.description) == next)
            d = next
        }
    }

    @Test func quarterBoundaries() {
        #expect(CalendarDate("2025-04-01")!.isFirstDayOfQuarter)
        #expect(!CalendarDate("2025-05-01")!.isFirstDayOfQuarter)
        #expect(CalendarDate("2025-06-30")!.isLastDayOfQuarter)
        #expect(CalendarDate("2025-12-31")!.isLastDayOfQuarter)
        #expect(!CalendarDate("2025-06-29")!.isLastDayOfQuarter)
    }
}

@Suite struct UUIDTests {
    @Test func v7HasVersionVariantAndTime() {
        let ms: UInt64 = 0x0190_1234_5678
        let u = HubUUID.v7(unixMilliseconds: ms)
        #expect(HubUUID.isLowercaseUUID(u))
        let hex = u.replacingOccurrences(of: "-", with: "")
        #expect(hex.hasPrefix("019012345678"))
        #expect(Array(hex)[12] == "7")
        #expect("89ab".contains(Array(hex)[16]))
        #expect(HubUUID.v7() != HubUUID.v7())
    }

    @Test func lowercaseForm() {
        #expect(HubUUID.isLowercaseUUID("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"))
        #expect(!HubUUID.isLowercaseUUID("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"))
        #expect(!HubUUID.isLowercaseUUID("0190a1b2c3d47e5f8a9b0c1d2e3f4a5b"))
        #expect(!HubUUID.isLowercaseUUID("{0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b}"))
        #expect(HubUUID.isLowercaseUUID(HubUUID.v4()))
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
