import Foundation
import Testing

/// `make demo` (scripts/demo.sh) runs to the end against the binaries already
/// built for the tests, its narration matches the databases, a second run
/// replaces the first one's nodes, and scripts/demo-stop.sh stops exactly
/// the recorded PIDs (issue "Operator experience", item 3).
@Suite(.serialized) struct DemoScriptTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let slugs = ["arnhem", "zwolle", "assen", "utrecht"]

    /// Runs a script of the repository with the demo's settings.
    func script(_ name: String, demoDir: URL) throws -> ProcessRunner.Output {
        let timeout = Int(60 * TestFederation.timeoutScale)
        return try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "DEMO_DIR=\(demoDir.path)", "DEMO_BIN_DIR=\(ProcessRunner.binDirectory.path)",
                "DEMO_TIMEOUT=\(timeout)", "bash", Self.repository.appendingPathComponent("scripts/\(name)").path,
            ],
            timeout: 180 * TestFederation.timeoutScale
        )
    }

    /// The PIDs the demo recorded, by municipality.
    func pids(_ demoDir: URL) throws -> [String: Int32] {
        var pids: [String: Int32] = [:]
        for slug in Self.slugs {
            let path = demoDir.appendingPathComponent("run/\(slug).pid").path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            pids[slug] = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return pids
    }

    /// Whether `pid` runs (a zombie waiting to be reaped does not).
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.range(of: ") ", options: .backwards)
        else { return true }
        return stat[close.upperBound...].first != "Z"
    }

    func sql(_ demoDir: URL, _ slug: String, _ query: String) throws -> String {
        let out = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/sqlite3"),
            ["-bail", "-cmd", ".timeout 10000", demoDir.appendingPathComponent("nodes/\(slug)/hub.sqlite").path, query]
        )
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func checkNarration(_ out: ProcessRunner.Output, demoDir: URL) throws {
        #expect(out.status == 0, "demo.sh failed:\n\(out.stdout)\n\(out.stderr)")
        let text = out.stdout
        for line in [
            "[Zwolle database] 9 cases (3 open, 6 closed with an outcome)",
            "[Arnhem database] the offer arrived: incoming transfer from Gemeente Zwolle, state offered",
            "open, transferred from Gemeente Zwolle",
            "outcome transferred",
            "no BSN or family name of the Voorbeeld family is readable",
            "accepted; no case opened at Assen (a consult leaves the case with Utrecht)",
            "rejected by Assen: not_responsible",
            "[Zwolle metrics] /healthz {\"status\":\"ok\"}; 1 sent and 2 received messages accepted",
            "The demo ran to the end",
        ] {
            #expect(text.contains(line), "the narration lacks: \(line)")
        }
        #expect(text.components(separatedBy: "audit log intact").count - 1 == 4, "four audit logs verified")
        // The narration matches what the databases hold, read here independently.
        let zwolle = "99990000000000000193"
        #expect(try sql(demoDir, "zwolle", "SELECT COUNT(*) FROM cases WHERE outcome = 'transferred'") == "1")
        #expect(
            try sql(demoDir, "arnhem", "SELECT status FROM cases WHERE origin_sender_oin = '\(zwolle)'") == "open"
        )
        #expect(
            try sql(
                demoDir,
                "assen",
                "SELECT kind || ' ' || state || ' ' || COALESCE(reason, '') FROM referrals ORDER BY kind"
            )
                == "consult accepted \ntransfer rejected not_responsible"
        )
        #expect(try sql(demoDir, "utrecht", "SELECT state FROM referrals") == "accepted")
        for slug in Self.slugs {
            #expect(try sql(demoDir, slug, "SELECT COUNT(*) FROM outbox WHERE state != 'delivered'") == "0")
        }
        #expect(Int(try sql(demoDir, "arnhem", "SELECT COUNT(*) FROM cases")) == 10)
    }

    @Test func demoRunsTwiceAndStops() throws {
        let dir = try TemporaryDirectory()
        let demoDir = dir.url.appendingPathComponent("demo")
        defer { _ = try? script("demo-stop.sh", demoDir: demoDir) }

        let first = try script("demo.sh", demoDir: demoDir)
        try checkNarration(first, demoDir: demoDir)
        let firstPIDs = try pids(demoDir)
        #expect(firstPIDs.count == 4 && firstPIDs.values.allSatisfy(Self.isRunning), "\(firstPIDs)")

        // The profiles it prints work as they are.
        let profile = demoDir.appendingPathComponent("env/zwolle-operator.env").path
        let status = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/bash"),
            ["-c", ". '\(profile)' && hubctl status"]
        )
        #expect(status.status == 0 && status.stdout.contains("Gemeente Zwolle (GM0193"), "\(status.stderr)")

        // A second run stops the first one's nodes by their PIDs and starts afresh.
        let second = try script("demo.sh", demoDir: demoDir)
        #expect(second.stdout.contains("Stopping the previous demo's nodes"))
        try checkNarration(second, demoDir: demoDir)
        let secondPIDs = try pids(demoDir)
        #expect(firstPIDs.values.allSatisfy { !Self.isRunning($0) }, "the first run's nodes stopped")
        #expect(secondPIDs.count == 4 && secondPIDs.values.allSatisfy(Self.isRunning), "\(secondPIDs)")
        #expect(Set(secondPIDs.values).isDisjoint(with: firstPIDs.values))

        let stopped = try script("demo-stop.sh", demoDir: demoDir)
        #expect(stopped.status == 0, "\(stopped.stdout)\(stopped.stderr)")
        #expect(stopped.stdout.components(separatedBy: ": stopped (PID").count - 1 == 4, "\(stopped.stdout)")
        #expect(secondPIDs.values.allSatisfy { !Self.isRunning($0) }, "demo-stop stopped every node")
        #expect(try pids(demoDir).isEmpty, "the pid files are gone")
        let again = try script("demo-stop.sh", demoDir: demoDir)
        #expect(again.status == 0 && again.stdout.contains("nothing to stop"))
    }
}
