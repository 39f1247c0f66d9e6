import Foundation
import HubProtocol
import Testing

/// A revoked certificate is refused by a running node after SIGHUP (PROTOCOL §1–§2).
@Suite(.serialized) struct RevocationTests {
    @Test func revokedCaseworkerIsRefusedAfterReload() throws {
        let federation = try TestFederation(count: 1)
        defer { federation.stopAll() }
        let b = federation.members[0]
        let now = federation.now
        let slug = b.code.lowercased()
        func writeCRLs(revoking: [Certificate]) throws {
            let federationCRL = try federation.federationCA.issueCRL(
                revoked: [],
                lastUpdate: now - 60,
                nextUpdate: now + 86_400,
                crlNumber: 1
            )
            let localCRL = try b.localCA.issueCRL(
                revoked: revoking.map { RevokedCertificate($0, revocationTime: now - 30) },
                lastUpdate: now - 60,
                nextUpdate: now + 86_400,
                crlNumber: UInt64(1 + revoking.count)
            )
            try federation.write("\(slug)/federation.crl", federationCRL.pem)
            try federation.write("\(slug)/local.crl", localCRL.pem)
        }
        try writeCRLs(revoking: [])
        federation.crls[b.oin] = ["federation.crl", "local.crl"]
        let port = try federation.start(b)
        let ca = federation.root.url.appendingPathComponent("federation-ca.pem")
        let before = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca
        )
        #expect(before.status == 200, "\(before.stderr)")
        // Revoke the case worker's certificate and reload.
        let caseworker = try Certificate(pem: String(contentsOf: b.caseworkerCert, encoding: .utf8))
        try writeCRLs(revoking: [caseworker])
        try federation.writeConfig(b, port: port)
        try federation.reload(b)
        let after = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca
        )
        #expect(
            after.exitCode != 0 && after.status == 0,
            "a revoked certificate must fail the handshake: \(after.status) \(after.body)"
        )
        // The operator is not revoked.
        let op = try Curl.call(port: port, "GET", "/v1/local/status", cert: b.operatorCert, key: b.operatorKey, ca: ca)
        #expect(op.status == 200)
    }

    @Test func connectionsPerIdentityAreLimited() throws {
        let federation = try TestFederation(count: 1)
        defer { federation.stopAll() }
        let b = federation.members[0]
        federation.extraConfig[b.oin] = "limits:\n  max_connections_per_identity: 1"
        let port = try federation.start(b)
        let ca = federation.root.url.appendingPathComponent("federation-ca.pem")
        // One connection held open by openssl s_client with the operator's certificate.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        holder.arguments = [
            "s_client", "-quiet", "-connect", "127.0.0.1:\(port)", "-cert", b.operatorCert.path, "-key",
            b.operatorKey.path, "-CAfile", ca.path,
        ]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer {
            if holder.isRunning {
                kill(holder.processIdentifier, SIGKILL)
                holder.waitUntilExit()
            }
        }
        // Let its handshake complete.
        Thread.sleep(forTimeInterval: 1.5)
        let second = try Curl.call(
            port: port,
            "GET",
            "/v1/local/status",
            cert: b.operatorCert,
            key: b.operatorKey,
            ca: ca
        )
        #expect(second.status == 429 && second.body.contains("too_many_connections"), "\(second.status) \(second.body)")
        // Another identity is not affected.
        let other = try Curl.call(
            port: port,
            "GET",
            "/v1/descriptor",
            cert: b.caseworkerCert,
            key: b.caseworkerKey,
            ca: ca
        )
        #expect(other.status == 200)
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let started = Date()
        #expect(federation.stop(b) == 0)
        #expect(Date().timeIntervalSince(started) < 20, "a graceful stop takes at most the 10 s grace period")
        // Requests are logged without personal data: method, path, status, caller.
        let log = federation.logText(b)
        #expect(log.contains("path=/v1/local/status") && log.contains("status=429"), "\(log)")
    }
}
