import Testing

@testable import HubNode

@Suite struct RetryAfterTests {
    /// 1994-11-06 08:49:37 UTC, RFC 9110's example date.
    let example: Int64 = 784_111_777

    @Test func deltaSecondsAreRead() {
        #expect(RetryAfter.seconds("120") == 120)
        #expect(RetryAfter.seconds(" 7\t") == 7)
        #expect(RetryAfter.seconds("0") == 0)
        #expect(RetryAfter.seconds("86401") == RetryAfter.maximumSeconds)
        #expect(RetryAfter.seconds("99999999999999999999999") == RetryAfter.maximumSeconds)
    }

    @Test func anythingElseIsIgnored() {
        for value in [
            "", " ", "-5", "1.5", "+3", "12a", "abc", "0x10", "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT",
        ] {
            #expect(RetryAfter.seconds(value, now: example) == nil, "\(value)")
        }
    }

    @Test func imfFixdatesAreReadRelativeToNow() {
        #expect(RetryAfter.imfFixdate("Sun, 06 Nov 1994 08:49:37 GMT") == example)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: example - 10) == 10)
        #expect(RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: example + 10) == 0)
        #expect(
            RetryAfter.seconds("Sun, 06 Nov 1994 08:49:37 GMT", now: example - 200_000) == RetryAfter.maximumSeconds
        )
        #expect(RetryAfter.imfFixdate("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(RetryAfter.imfFixdate("Tue, 29 Feb 2028 23:59:59 GMT") == 1_835_481_599)
    }

    @Test func daysFromCivilMatchesKnownDates() {
        #expect(RetryAfter.daysFromCivil(year: 1970, month: 1, day: 1) == 0)
        #expect(RetryAfter.daysFromCivil(year: 2000, month: 3, day: 1) == 11_017)
        #expect(RetryAfter.daysFromCivil(year: 1969, month: 12, day: 31) == -1)
        #expect(RetryAfter.daysFromCivil(year: 2038, month: 1, day: 19) == 24_855)
    }
}
