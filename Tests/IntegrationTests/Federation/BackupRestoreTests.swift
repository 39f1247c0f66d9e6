import Foundation
import HubProtocol
import Testing

/// The backup and restore procedure of docs/operations.md, run as written
/// against a running node: SQLite's online backup while the node writes,
/// then a restore into a stopped node, which starts, verifies its audit log
/// and serves what the backup held.
@Suite(.serialized) struct BackupRestoreTests {
    static let caseJSON = """
        {"persons":[{"role":"parent","bsn":"111222333","given_names":"Wilhelmina","family_name":"Terpstra"}],
         "entry_phase":"relationship","help_domains":["financial"],"referral_source":"self",
         "safety":{"veilig_thuis":false,"child_protection_board":false,"court":false}}
        """

    static func sqlite3(_ arguments: [String]) throws -> ProcessRunner.Output {
        try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/sqlite3"),
            ["-bail", "-cmd", ".timeout 10000"] + arguments
        )
    }

    @Test func onlineBackupRestoresIntoAWorkingNode() throws {
        let federation = try TestFederation(count: 1)
        defer { federation.stopAll() }
        let node = federation.members[0]
        _ = try federation.start(node)
        func openCase() throws {
            let out = try federation.hubctl(node, ["case", "open", "--json"], stdin: Self.caseJSON)
            #expect(out.status == 0, "\(out.stderr)")
        }
        for _ in 0..<3 { try openCase() }

        // Back up while the node runs: the WAL holds recent commits a file copy would miss.
        let backup = federation.root.url.appendingPathComponent("backup.sqlite").path
        let taken = try Self.sqlite3([node.database.path, ".backup '\(backup)'"])
        #expect(taken.status == 0, "\(taken.stderr)")
        let checkpoints = node.dir.appendingPathComponent("audit-checkpoints.jwsl").path
        let checkpointsBackup = backup + ".checkpoints"
        try FileManager.default.copyItem(atPath: checkpoints, toPath: checkpointsBackup)
        #expect(try Self.sqlite3([backup, "PRAGMA integrity_check"]).stdout == "ok\n")
        #expect(try Self.sqlite3([backup, "SELECT COUNT(*) FROM cases"]).stdout == "3\n")
        let auditAtBackup = try Self.sqlite3([backup, "SELECT COUNT(*) FROM audit_log"]).stdout

        // A case opened after the backup is lost by the restore (docs say so).
        try openCase()
        #expect(try federation.count(node, "SELECT COUNT(*) FROM cases") == 4)

        // Restore exactly as docs/operations.md says.
        #expect(federation.stop(node) == 0)
        let fm = FileManager.default
        let db = node.database.path
        try fm.moveItem(atPath: db, toPath: db + ".broken")
        try? fm.removeItem(atPath: db + "-wal")
        try? fm.removeItem(atPath: db + "-shm")
        try fm.copyItem(atPath: backup, toPath: db)
        try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: db)
        try fm.moveItem(atPath: checkpoints, toPath: checkpoints + ".before-restore")
        try fm.copyItem(atPath: checkpointsBackup, toPath: checkpoints)
        _ = try federation.start(node)

        let verify = try federation.hubctl(node, ["audit", "verify"], asOperator: true)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let list = try federation.hubctl(node, ["case", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(try JSONParser.parse(Array(list.stdout.utf8))["cases"]?.arrayValue?.count == 3)
        #expect(try Self.sqlite3([db, "SELECT COUNT(*) FROM audit_log"]).stdout >= auditAtBackup)
        // The restored node works on: a new case is stored and the chain still verifies.
        try openCase()
        #expect(try federation.count(node, "SELECT COUNT(*) FROM cases") == 4)
        #expect(try federation.hubctl(node, ["audit", "verify"], asOperator: true).status == 0)
    }
}
