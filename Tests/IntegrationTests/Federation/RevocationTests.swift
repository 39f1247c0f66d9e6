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
}
