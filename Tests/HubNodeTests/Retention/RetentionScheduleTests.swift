import Foundation
import GRDB
import HubProtocol
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import HubNode

/// The daily run's time: 03:30 (or any time) on the Amsterdam wall clock,
/// across both daylight-saving changes, and the job around it.
@Suite struct RetentionScheduleTests {
    typealias Time = NodeConfiguration.TimeOfDay
    static let half3 = Time(hour: 3, minute: 30)
    static let half2 = Time(hour: 2, minute: 30)

    /// The Amsterdam wall clock at `t`, read with Foundation's Calendar (an independent oracle).
    static func wall(_ t: Int64) -> (day: String, hour: Int, minute: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Amsterdam")!
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute],
            from: Date(timeIntervalSince1970: TimeInterval(t))
        )
        let day = CalendarDate(year: c.year!, month: c.month!, day: c.day!)!.description
        return (day, c.hour!, c.minute!)
    }

    @Test func anOrdinaryDay() {
        // 2025-06-10 14:00 CEST → 2025-06-11 03:30 CEST (01:30 UTC).
        #expect(RetentionSchedule.nextRun(after: 1_749_556_800, at: Self.half3) == 1_749_605_400)
        // A second before the run → that run; at the run → the next day's.
        #expect(RetentionSchedule.nextRun(after: 1_749_605_399, at: Self.half3) == 1_749_605_400)
        #expect(RetentionSchedule.nextRun(after: 1_749_605_400, at: Self.half3) == 1_749_605_400 + 86_400)
        // 22:30 UTC on the 10th is already the 11th in Amsterdam.
        #expect(RetentionSchedule.localDay(of: 1_749_594_600).description == "2025-06-11")
        #expect(RetentionSchedule.nextRun(after: 1_749_594_600, at: Self.half3) == 1_749_605_400)
    }

    @Test func acrossTheSpringChange() {
        // Sat 2025-03-29 03:30 CET (02:30 UTC); Sunday the clocks jump 02:00 → 03:00.
        let saturday: Int64 = 1_743_215_400
        let sunday = RetentionSchedule.nextRun(after: saturday, at: Self.half3)
        #expect(sunday == 1_743_298_200, "03:30 CEST = 01:30 UTC")
        #expect(sunday - saturday == 23 * 3600, "the night is an hour shorter")
        #expect(Self.wall(sunday) == ("2025-03-30", 3, 30))
        // 02:30 does not exist that Sunday: it runs at 03:30 CEST, the instant 02:30 CET would have been.
        let before: Int64 = 1_743_211_800  // Sat 02:30 CET
        #expect(RetentionSchedule.nextRun(after: before, at: Self.half2) == 1_743_298_200)
        #expect(Self.wall(1_743_298_200) == ("2025-03-30", 3, 30))
        // And the Monday back at 02:30 CEST.
        #expect(Self.wall(RetentionSchedule.nextRun(after: 1_743_298_200, at: Self.half2)) == ("2025-03-31", 2, 30))
    }

    @Test func acrossTheAutumnChange() {
        // Sat 2025-10-25 03:30 CEST (01:30 UTC); Sunday the clocks go back 03:00 → 02:00.
        let saturday: Int64 = 1_761_355_800
        let sunday = RetentionSchedule.nextRun(after: saturday, at: Self.half3)
        #expect(sunday == 1_761_445_800, "03:30 CET = 02:30 UTC")
        #expect(sunday - saturday == 25 * 3600, "the night is an hour longer")
        // 02:30 happens twice that Sunday: the run is at the first (CEST, 00:30 UTC), once.
        let first = RetentionSchedule.nextRun(after: saturday, at: Self.half2)
        #expect(first == 1_761_438_600)
        let next = RetentionSchedule.nextRun(after: first, at: Self.half2)
        #expect(next == 1_761_528_600, "not again at 02:30 CET (01:30 UTC) the same day, but on Monday")
        #expect(Self.wall(next) == ("2025-10-27", 2, 30))
    }

    @Test(arguments: [
        Time(hour: 3, minute: 30), Time(hour: 2, minute: 30), Time(hour: 0, minute: 0), Time(hour: 23, minute: 59),
    ])
    func onceEveryDayForTwoYears(time: Time) {
        // From 2025-01-01 00:00 UTC, 730 runs: one per local day, in order, at the wall time
        // (02:30 on the spring Sunday runs at 03:30, as documented).
        var t: Int64 = 1_735_689_600
        var previousDay: CalendarDate? = nil
        var checked = 0
        for _ in 0..<730 {
            let run = RetentionSchedule.nextRun(after: t, at: time)
            #expect(run > t)
            let wall = Self.wall(run)
            let day = CalendarDate(wall.day)!
            if let previousDay { #expect(day == previousDay.adding(days: 1), "\(wall)") }
            let skipped = time.hour == 2 && (wall.day == "2025-03-30" || wall.day == "2026-03-29")
            #expect(wall.hour == (skipped ? 3 : time.hour) && wall.minute == time.minute, "\(wall)")
            previousDay = day
            t = run
            checked += 1
        }
        #expect(checked == 730)
    }

    /// A clock the test sets by hand.
    final class FakeClock: Sendable {
        let value: Mutex<Int64>
        init(_ t: Int64) { value = Mutex(t) }
        var now: Int64 {
            get { value.withLock { $0 } }
            set { value.withLock { $0 = newValue } }
        }
    }

    static func job(_ store: NodeStore, _ clock: FakeClock) -> (RetentionJob, ServiceGroup) {
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let job = RetentionJob(
            retention: RetentionService(store: store, closedCaseAgeDays: 730, clock: { clock.now }),
            runDailyAt: half3,
            logger: quiet,
            clock: { clock.now }
        )
        return (job, ServiceGroup(configuration: .init(services: [job], logger: quiet)))
    }

    static func auditCount(_ store: NodeStore) async throws -> Int {
        try await store.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log") } ?? 0
    }

    /// The job stops on graceful shutdown while it sleeps (otherwise an hour at a time).
    /// Timings are generous: the whole test suite shares two cores.
    @Test func jobStopsPromptlyOnGracefulShutdown() async throws {
        try await StoreTestSupport.withStore { store, _ in
            // 2025-06-10 14:00 CEST: the next run is 13.5 hours away.
            let (_, group) = Self.job(store, FakeClock(1_749_556_800))
            var stopping = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Task.sleep(for: .milliseconds(300))
                stopping = ContinuousClock.now
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(ContinuousClock.now - stopping < .seconds(60))
            #expect(try await Self.auditCount(store) == 0, "nothing ran")
        }
    }

    /// When the clock reaches the run the job purges as `node` and audits the counts.
    @Test func jobRunsWhenDue() async throws {
        try await StoreTestSupport.withStore { store, _ in
            // One second before 2025-06-11 03:30 CEST; the clock stands still until the test moves it.
            let clock = FakeClock(1_749_605_399)
            let (_, group) = Self.job(store, clock)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                try await Task.sleep(for: .milliseconds(1500))
                #expect(try await Self.auditCount(store) == 0, "not before its time")
                clock.now = 1_749_605_400
                let deadline = ContinuousClock.now + .seconds(120)
                while ContinuousClock.now < deadline, try await Self.auditCount(store) == 0 {
                    try await Task.sleep(for: .milliseconds(100))
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let entries = try await store.read { db in try AuditEntryRow.fetchAll(db, sql: "SELECT * FROM audit_log") }
            #expect(entries.count == 1)
            let entry = try #require(entries.first)
            #expect(entry.action == "retention.purge" && entry.actor == "node" && entry.at == 1_749_605_400)
            let details = try JSONParser.parse(Array(entry.entryJSON.utf8))["details"]
            #expect(details?["cases"] == .integer(0) && details?["cutoff"] == .string("2023-06-12"))
        }
    }
}
