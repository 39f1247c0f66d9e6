import Foundation
import HubProtocol

/// A federation of real `hub-node` processes on loopback for tests: its own
/// PKI, configs, and processes on ports the OS chooses. Stops exactly the
/// processes it started, by PID.
final class TestFederation: @unchecked Sendable {
    struct Member {
        let name: String
        let code: String
        let oin: String
        let dir: URL
        var config: URL { dir.appendingPathComponent("node.yaml") }
        var database: URL { dir.appendingPathComponent("hub.sqlite") }
        var log: URL { dir.appendingPathComponent("node.log") }
        let nodeKey: P256PrivateKey
        let nodeCert: Certificate
        let localCA: CertificateAuthority
        let operatorCert: URL
        let operatorKey: URL
        let caseworkerCert: URL
        let caseworkerKey: URL
    }

    let root: TemporaryDirectory
    let federationCA: CertificateAuthority
    var members: [Member] = []
    private(set) var processes: [String: Process] = [:]
    private(set) var ports: [String: Int] = [:]
    /// The port of each running member's metrics listener (`metrics.port: 0`), read from its log.
    private(set) var metricsPorts: [String: Int] = [:]
    /// CRL files (relative to the member's folder) each member's config lists.
    var crls: [String: [String]] = [:]
    /// Extra top-level YAML for a member's config (e.g. a `limits:` section).
    var extraConfig: [String: String] = [:]
    let now = Int64(Date().timeIntervalSince1970)

    static let demo: [(String, String, String)] = [
        ("Gemeente Arnhem", "GM0202", "99990000000000000202"),
        ("Gemeente Zwolle", "GM0193", "99990000000000000193"),
        ("Gemeente Assen", "GM0106", "99990000000000000106"),
        ("Gemeente Utrecht", "GM0344", "99990000000000000344"),
    ]

    init(count: Int) throws {
        root = try TemporaryDirectory()
        federationCA = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Hub Test Federation CA", organization: "Hub Test"),
            key: P256PrivateKey(),
            notBefore: now - 3600,
            notAfter: now + 365 * 86_400
        )
        try write("federation-ca.pem", federationCA.certificate.pem)
        for (name, code, oin) in Self.demo.prefix(count) {
            members.append(try makeMember(name: name, code: code, oin: oin))
        }
    }

    deinit { stopAll() }

    @discardableResult
    func write(_ relative: String, _ text: String, mode: Int = 0o644) throws -> URL {
        let url = root.url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: url)
        try Data(text.utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
        return url
    }

    private func makeMember(name: String, code: String, oin: String) throws -> Member {
        let slug = code.lowercased()
        let nodeKey = try P256PrivateKey()
        let nodeCert = try federationCA.issue(
            .node(
                oin: oin,
                displayName: name,
                dnsNames: ["localhost"],
                ipAddresses: ["127.0.0.1"],
                notBefore: now - 3600,
                notAfter: now + 30 * 86_400
            ),
            publicKey: nodeKey.publicKey
        )
        let localCA = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "\(name) Local CA", organization: name),
            key: P256PrivateKey(),
            notBefore: now - 3600,
            notAfter: now + 365 * 86_400
        )
        try write("\(slug)/node.pem", nodeCert.pem)
        try write("\(slug)/node.key", nodeKey.pkcs8PEM(), mode: 0o600)
        try write("\(slug)/local-ca.pem", localCA.certificate.pem)
        func person(_ role: Role, _ cn: String) throws -> (URL, URL) {
            let key = try P256PrivateKey()
            let cert = try localCA.issue(
                .person(commonName: cn, nodeOIN: oin, role: role, notBefore: now - 3600, notAfter: now + 30 * 86_400),
                publicKey: key.publicKey
            )
            return (
                try write("\(slug)/\(role.rawValue).pem", cert.pem),
                try write("\(slug)/\(role.rawValue).key", key.pkcs8PEM(), mode: 0o600)
            )
        }
        let op = try person(.operator, "Operator \(name)")
        let cw = try person(.caseworker, "Casemanager \(name)")
        return Member(
            name: name,
            code: code,
            oin: oin,
            dir: root.url.appendingPathComponent(slug),
            nodeKey: nodeKey,
            nodeCert: nodeCert,
            localCA: localCA,
            operatorCert: op.0,
            operatorKey: op.1,
            caseworkerCert: cw.0,
            caseworkerKey: cw.1
        )
    }

    /// Writes `member`'s config: peers are the other members whose ports are known.
    func writeConfig(_ member: Member, port: Int = 0, extra: String = "", peers: [Member]? = nil) throws {
        let others = (peers ?? members.filter { $0.oin != member.oin }).filter { ports[$0.oin] != nil }
        let peerLines = others.map {
            "  - name: \($0.name)\n    oin: \"\($0.oin)\"\n    endpoint: https://localhost:\(ports[$0.oin]!)"
        }
        let endpointPort = ports[member.oin] ?? 443
        let text = """
            identity:
              oin: "\(member.oin)"
              name: \(member.name)
              municipality_code: \(member.code)
            listen:
              address: 127.0.0.1
              port: \(port)
              public_endpoint: https://localhost:\(endpointPort)
            tls:
              certificate: node.pem
              key: node.key
              federation_ca: ../federation-ca.pem
              local_ca: local-ca.pem
              crls: [\((crls[member.oin] ?? []).joined(separator: ", "))]
            peers:\(peerLines.isEmpty ? " []" : "\n" + peerLines.joined(separator: "\n"))
            delivery:
              backoff_initial_seconds: 1
              backoff_max_seconds: 2
            metrics:
              port: 0
            \(extra)
            \(extraConfig[member.oin] ?? "")
            """
        try write("\(member.code.lowercased())/node.yaml", text)
    }

    /// Starts `member`'s node and waits for its "ready" and "metrics ready"
    /// lines; returns the bound port (the metrics port goes to ``metricsPorts``).
    @discardableResult
    func start(_ member: Member, port: Int = 0, timeout: TimeInterval = 60) throws -> Int {
        if processes[member.oin] == nil { try writeConfig(member, port: port) }
        let process = Process()
        process.executableURL = ProcessRunner.binDirectory.appendingPathComponent("hub-node")
        process.arguments = ["--config", member.config.path]
        _ = FileManager.default.createFile(atPath: member.log.path, contents: nil)
        let log = try FileHandle(forWritingTo: member.log)
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let offset = (try? Data(contentsOf: member.log).count) ?? 0
        try process.run()
        processes[member.oin] = process
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let text = String(decoding: (try? Data(contentsOf: member.log)) ?? Data(), as: UTF8.self)
            let fresh = String(text.dropFirst(offset))
            if let bound = Self.port(in: fresh, line: ": ready "),
                let metrics = Self.port(in: fresh, line: ": metrics ready ")
            {
                ports[member.oin] = bound
                metricsPorts[member.oin] = metrics
                return bound
            }
            if !process.isRunning { throw RunnerError("\(member.name) exited early:\n\(fresh)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw RunnerError("\(member.name) did not become ready within \(Int(timeout)) s")
    }

    /// The `port=` of the first log line containing `line`.
    private static func port(in log: String, line marker: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains(marker) && $0.contains("port=") }),
            let range = line.range(of: "port=")
        else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Starts every member, then gives each the others as peers and reloads it (SIGHUP).
    func startAll() throws {
        for m in members { try start(m) }
        for m in members {
            try writeConfig(m, port: ports[m.oin]!)
            try reload(m)
        }
    }

    /// Sends SIGHUP and waits for the reload line.
    func reload(_ member: Member, timeout: TimeInterval = 30) throws {
        guard let process = processes[member.oin] else { return }
        let before = logText(member).components(separatedBy: "reloaded certificates").count
        kill(process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if logText(member).components(separatedBy: "reloaded certificates").count > before { return }
            if logText(member).contains("reload failed") {
                throw RunnerError("\(member.name) reload failed:\n\(logText(member))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw RunnerError("\(member.name) did not reload")
    }

    func logText(_ member: Member) -> String {
        String(decoding: (try? Data(contentsOf: member.log)) ?? Data(), as: UTF8.self)
    }

    /// Stops a node with SIGTERM (or SIGKILL) and waits for it; returns its exit status.
    @discardableResult
    func stop(_ member: Member, signal: Int32 = SIGTERM, timeout: TimeInterval = 30) -> Int32 {
        guard let process = processes.removeValue(forKey: member.oin) else { return -1 }
        metricsPorts[member.oin] = nil
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    func stopAll() {
        for m in members { stop(m) }
    }

    /// Runs a query with the sqlite3 CLI (read-only use; WAL allows it while the node runs).
    func sql(_ member: Member, _ query: String) throws -> String {
        let out = try ProcessRunner.run(
            URL(fileURLWithPath: "/usr/bin/sqlite3"),
            ["-bail", "-cmd", ".timeout 10000", member.database.path, query]
        )
        guard out.status == 0 else { throw RunnerError("sqlite3 failed: \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func count(_ member: Member, _ query: String) throws -> Int {
        Int(try sql(member, query)) ?? -1
    }

    /// A signer for `member`'s node key (for crafting messages as that node).
    func signer(_ member: Member) throws -> JWSSigner {
        try JWSSigner(key: member.nodeKey, chain: [member.nodeCert])
    }

    /// Waits until `condition` holds.
    func waitUntil(_ what: String, timeout: TimeInterval = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout * Self.timeoutScale)
        while Date() < deadline {
            if (try? condition()) == true { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        if try condition() { return }
        throw RunnerError("timed out waiting for: \(what)")
    }

    /// Slow disks can stretch every wait (HUB_TEST_TIMEOUT_SCALE).
    static let timeoutScale: Double = Double(ProcessInfo.processInfo.environment["HUB_TEST_TIMEOUT_SCALE"] ?? "") ?? 1
}
