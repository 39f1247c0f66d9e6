import Foundation
import Testing

/// `hubctl pki` makes certificates that OpenSSL's own tools accept, with the
/// OIN and role where PROTOCOL §1 puts them.
@Suite(.serialized) struct HubctlPKITests {
    @Test func issuedCertificatesPassOpenSSLVerify() throws {
        let dir = try TemporaryDirectory()
        func hubctl(_ args: [String], stdin: String = "") throws -> ProcessRunner.Output {
            let out = try ProcessRunner.run(
                ProcessRunner.binDirectory.appendingPathComponent("hubctl"),
                args,
                stdin: stdin
            )
            return out
        }
        func openssl(_ args: [String]) throws -> ProcessRunner.Output {
            try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/openssl"), args)
        }
        let d = dir.url.path
        #expect(
            try hubctl(["pki", "init-ca", "--kind", "federation", "--name", "Test Federation CA", "--out", "\(d)/fed"])
                .status == 0
        )
        #expect(
            try hubctl(["pki", "init-ca", "--kind", "local", "--name", "Arnhem Local CA", "--out", "\(d)/local"]).status
                == 0
        )
        let node = try hubctl([
            "pki", "issue", "--ca", "\(d)/fed", "--node", "--oin", "99990000000000000202", "--name", "Gemeente Arnhem",
            "--dns", "hub.arnhem.example",
            "--ip", "127.0.0.1", "--out", "\(d)/arnhem",
        ])
        #expect(node.status == 0, "\(node.stderr)")
        let person = try hubctl([
            "pki", "issue", "--ca", "\(d)/local", "--role", "caseworker", "--cn", "J. Jansen", "--oin",
            "99990000000000000202", "--out", "\(d)/jansen",
        ])
        #expect(person.status == 0, "\(person.stderr)")
        #expect(
            try openssl(["verify", "-x509_strict", "-CAfile", "\(d)/fed/ca.pem", "\(d)/arnhem.pem"]).stdout.contains(
                "OK"
            )
        )
        #expect(
            try openssl(["verify", "-x509_strict", "-CAfile", "\(d)/local/ca.pem", "\(d)/jansen.pem"]).stdout.contains(
                "OK"
            )
        )
        // A node certificate does not verify against the local CA, nor a person's against the federation CA.
        #expect(try openssl(["verify", "-CAfile", "\(d)/local/ca.pem", "\(d)/arnhem.pem"]).status != 0)
        let nodeText = try openssl(["x509", "-in", "\(d)/arnhem.pem", "-noout", "-text"]).stdout
        #expect(
            nodeText.contains("serialNumber = 99990000000000000202") && nodeText.contains("DNS:hub.arnhem.example")
                && nodeText.contains("IP Address:127.0.0.1")
        )
        #expect(nodeText.contains("ASN1 OID: prime256v1") && !nodeText.contains("urn:hub:role"))
        let personText = try openssl(["x509", "-in", "\(d)/jansen.pem", "-noout", "-text"]).stdout
        #expect(
            personText.contains("serialNumber = 99990000000000000202")
                && personText.contains("URI:urn:hub:role:caseworker") && personText.contains("CN = J. Jansen")
        )
        // notBefore an hour back.
        let dates = try openssl(["x509", "-in", "\(d)/jansen.pem", "-noout", "-startdate"]).stdout
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let start = formatter.date(
            from: dates.replacingOccurrences(of: "notBefore=", with: "").replacingOccurrences(of: "  ", with: " ")
                .trimmingCharacters(in: .whitespacesAndNewlines)
        )
        #expect(start.map { abs(Date().timeIntervalSince($0) - 3600) < 120 } == true, "\(dates)")
        // Keys are private.
        for key in ["fed/ca.key", "local/ca.key", "arnhem.key", "jansen.key"] {
            #expect(
                (try FileManager.default.attributesOfItem(atPath: "\(d)/\(key)")[.posixPermissions] as? Int) == 0o600,
                "\(key)"
            )
        }
        // Revocation reaches OpenSSL through the CRL.
        #expect(try hubctl(["pki", "revoke", "--ca", "\(d)/local", "--cert", "\(d)/jansen.pem"]).status == 0)
        #expect(try hubctl(["pki", "crl", "--ca", "\(d)/local", "--out", "\(d)/local.crl"]).status == 0)
        let revoked = try openssl([
            "verify", "-crl_check", "-CAfile", "\(d)/local/ca.pem", "-CRLfile", "\(d)/local.crl", "\(d)/jansen.pem",
        ])
        #expect(revoked.status != 0 && (revoked.stdout + revoked.stderr).contains("revoked"))
        // PKCS#12 for a browser.
        #expect(
            try hubctl(
                [
                    "pki", "export-p12", "--cert", "\(d)/jansen.pem", "--key", "\(d)/jansen.key", "--ca-cert",
                    "\(d)/local/ca.pem", "--out", "\(d)/jansen.p12",
                ],
                stdin: "correct horse\n"
            ).status == 0
        )
        let p12 = try openssl(["pkcs12", "-in", "\(d)/jansen.p12", "-passin", "pass:correct horse", "-nokeys", "-info"])
        #expect(p12.status == 0 && p12.stdout.contains("J. Jansen"), "\(p12.stderr)")
        // Bad input: one line naming the flag, non-zero exit.
        let bad = try hubctl([
            "pki", "issue", "--ca", "\(d)/local", "--role", "admin", "--cn", "x", "--oin", "99990000000000000202",
            "--out", "\(d)/x",
        ])
        #expect(bad.status != 0 && bad.stderr.contains("--role"))
        let again = try hubctl(["pki", "init-ca", "--kind", "local", "--name", "Again", "--out", "\(d)/local"])
        #expect(again.status != 0 && again.stderr.contains("already holds a CA"))
    }

    @Test func initMakesANodeThatChecksOut() throws {
        let dir = try TemporaryDirectory()
        let d = dir.url.path
        let hubctl = ProcessRunner.binDirectory.appendingPathComponent("hubctl")
        #expect(
            try ProcessRunner.run(
                hubctl,
                ["pki", "init-ca", "--kind", "federation", "--name", "Fed", "--out", "\(d)/fed"]
            ).status == 0
        )
        #expect(
            try ProcessRunner.run(
                hubctl,
                ["pki", "init-ca", "--kind", "local", "--name", "Local", "--out", "\(d)/local"]
            ).status == 0
        )
        let made = try ProcessRunner.run(
            hubctl,
            [
                "init", "--dir", "\(d)/node", "--oin", "99990000000000000202", "--name", "Gemeente Arnhem", "--code",
                "GM0202",
                "--endpoint", "https://localhost:8443", "--federation-ca", "\(d)/fed", "--local-ca", "\(d)/local",
            ]
        )
        #expect(made.status == 0, "\(made.stderr)")
        for key in ["node.key", "pseudonym.key"] {
            #expect(
                (try FileManager.default.attributesOfItem(atPath: "\(d)/node/\(key)")[.posixPermissions] as? Int)
                    == 0o600
            )
        }
        let yaml = try String(contentsOfFile: "\(d)/node/node.yaml", encoding: .utf8)
        #expect(yaml.contains("oin: \"99990000000000000202\"") && yaml.contains("# Required."))
        let check = try ProcessRunner.run(
            ProcessRunner.binDirectory.appendingPathComponent("hub-node"),
            ["check-config", "--config", "\(d)/node/node.yaml"]
        )
        #expect(check.status == 0 && check.stdout.contains("valid"), "\(check.stdout)\(check.stderr)")
        // Without a CA: a request for one, and check-config names what is missing.
        let pending = try ProcessRunner.run(
            hubctl,
            [
                "init", "--dir", "\(d)/pending", "--oin", "99990000000000000193", "--name", "Gemeente Zwolle", "--code",
                "GM0193", "--endpoint", "https://hub.zwolle.example:8443",
            ]
        )
        #expect(pending.status == 0 && FileManager.default.fileExists(atPath: "\(d)/pending/node.csr.json"))
        let incomplete = try ProcessRunner.run(
            ProcessRunner.binDirectory.appendingPathComponent("hub-node"),
            ["check-config", "--config", "\(d)/pending/node.yaml"]
        )
        #expect(incomplete.status == 2 && incomplete.stderr.contains("tls.certificate"), "\(incomplete.stderr)")
    }
}
