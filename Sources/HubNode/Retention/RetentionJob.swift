import Foundation
import HubProtocol
public import Logging
public import ServiceLifecycle

/// The daily retention run (PROTOCOL §13): sleeps until the next
/// `retention.run_daily_at` in Europe/Amsterdam (``RetentionSchedule``),
/// purges as actor `node`, logs the counts, and stops at once on graceful
/// shutdown (a purge cut short rolls back whole).
public struct RetentionJob: Service {
    /// The longest single sleep: the wall clock is looked at again at least
    /// this often, so a clock step or a suspended machine delays a run by at
    /// most this long.
    public static let maxSleepSeconds: Int64 = 3600

    let retention: RetentionService
    let time: NodeConfiguration.TimeOfDay
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// Makes the job.
    public init(
        retention: RetentionService,
        runDailyAt time: NodeConfiguration.TimeOfDay,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.retention = retention
        self.time = time
        self.logger = logger
        self.clock = clock
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop()
        }
    }

    private func loop() async {
        var due = RetentionSchedule.nextRun(after: clock(), at: time)
        logger.info("retention scheduled", metadata: ["next_run": "\(Self.iso(due))"])
        while !Task.isCancelled {
            let now = clock()
            // A clock stepped back by more than a day: compute the next run again.
            if due - now > 86_400 + Self.maxSleepSeconds { due = RetentionSchedule.nextRun(after: now, at: time) }
            if now >= due {
                await runOnce(at: now)
                due = RetentionSchedule.nextRun(after: max(now, clock()), at: time)
                continue
            }
            do {
                try await Task.sleep(for: .seconds(min(due - now, Self.maxSleepSeconds)))
            } catch {
                return
            }
        }
    }

    /// One purge; failures are logged (without personal data) and retried at the next run.
    func runOnce(at now: Int64) async {
        do {
            let plan = try await retention.purge(by: "node", at: now)
            var metadata: Logger.Metadata = ["cutoff": "\(plan.cutoff)"]
            for (name, count) in plan.counts { metadata[name] = "\(count)" }
            logger.notice("retention purge done", metadata: metadata)
        } catch {
            logger.error("retention purge failed; it runs again tomorrow", metadata: ["error": "\(error)"])
        }
    }

    private static func iso(_ t: Int64) -> String {
        Date(timeIntervalSince1970: TimeInterval(t)).ISO8601Format()
    }
}
