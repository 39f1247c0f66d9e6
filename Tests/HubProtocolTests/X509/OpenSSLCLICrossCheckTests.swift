import Foundation
import Testing

@testable import HubProtocol

/// What we issue must satisfy an independent verifier: the `openssl` command.
@Suite struct OpenSSLCLICrossCheckTests {
    @Test func chainVerifiesWithOpenSSLVerify() throws {
        let pki = try TestPKI()
        let directory = try OpenSSLCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try pki.node(uris: ["urn:hub:role:node"])
        try OpenSSLCLI.write(pki.federationRoot.certificate.pem, "root.pem", in: directory)
        try OpenSSLCLI.write(pki.intermediate.certificate.pem, "inter.pem", in: directory)
        try OpenSSLCLI.write(node.pem, "leaf.pem", in: directory)

        let verified = try OpenSSLCLI.run(
            [
                "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "root.pem", "-untrusted", "inter.pem",
                "leaf.pem",
            ],
            in: directory
        )
        #expect(verified.status == 0, "\(verified.output)")
        #expect(verified.output.contains("leaf.pem: OK"))

        // Without the intermediate the CLI refuses too.
        let partial = try OpenSSLCLI.run(["verify", "-CAfile", "root.pem", "leaf.pem"], in: directory)
        #expect(partial.status != 0)

        let person = try pki.person(role: .operator)
        try OpenSSLCLI.write(pki.localRoot.certificate.pem, "local.pem", in: directory)
        try OpenSSLCLI.write(person.pem, "person.pem", in: directory)
        let personVerified = try OpenSSLCLI.run(
            ["verify", "-x509_strict", "-purpose", "sslclient", "-CAfile", "local.pem", "person.pem"],
            in: directory
        )
        #expect(personVerified.status == 0, "\(personVerified.output)")
    }

    @Test func textShowsSubjectSerialNumberAndSANs() throws {
        let pki = try TestPKI()
        let directory = try OpenSSLCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let node = try pki.node(uris: ["urn:hub:role:node"])
        try OpenSSLCLI.write(node.pem, "leaf.pem", in: directory)
        let text = try OpenSSLCLI.run(["x509", "-in", "leaf.pem", "-noout", "-text"], in: directory)
        #expect(text.status == 0)
        #expect(text.output.contains("serialNumber = \(TestOIN.arnhem)"))
        #expect(text.output.contains("URI:urn:hub:role:node"))
        #expect(text.output.contains("DNS:hub.arnhem.test"))
        #expect(text.output.contains("DNS:*.hub.arnhem.test"))
        #expect(text.output.contains("IP Address:192.0.2.10"))
        #expect(text.output.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.output.contains("CA:FALSE"))
        #expect(text.output.contains("X509v3 Authority Key Identifier"))
        #expect(text.output.contains("ecdsa-with-SHA256"))
        #expect(text.output.contains("NIST CURVE: P-256"))

        // The CLI's view of the SPKI hash matches ours.
        let spki = try OpenSSLCLI.run(["x509", "-in", "leaf.pem", "-noout", "-pubkey"], in: directory)
        let key = try P256PublicKey(pem: spki.output)
        #expect(SHA256.hash(key.derSubjectPublicKeyInfo) == node.spkiSHA256)
        // And of the serial number.
        let serial = try OpenSSLCLI.run(["x509", "-in", "leaf.pem", "-noout", "-serial"], in: directory)
        #expect(
            serial.output.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
                == "serial=\(node.serialNumberHex)"
        )

        try OpenSSLCLI.write(pki.federationRoot.certificate.pem, "root.pem", in: directory)
        let root = try OpenSSLCLI.run(["x509", "-in", "root.pem", "-noout", "-text"], in: directory)
        #expect(root.output.contains("CA:TRUE"))
        #expect(root.output.contains("Certificate Sign, CRL Sign"))
        #expect(root.output.contains("X509v3 Subject Key Identifier"))
    }

    @Test func crlIsHonouredByOpenSSLVerify() throws {
        let pki = try TestPKI()
        let directory = try OpenSSLCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let revoked = try pki.node(issuer: pki.federationRoot)
        let good = try pki.node(issuer: pki.federationRoot)
        let crl = try pki.federationRoot.issueCRL(
            revoked: [RevokedCertificate(revoked, revocationTime: pki.now - 60)],
            lastUpdate: pki.now - 120,
            nextUpdate: pki.now + TestPKI.day,
            crlNumber: 3
        )
        try OpenSSLCLI.write(pki.federationRoot.certificate.pem, "root.pem", in: directory)
        try OpenSSLCLI.write(crl.pem, "crl.pem", in: directory)
        try OpenSSLCLI.write(revoked.pem, "revoked.pem", in: directory)
        try OpenSSLCLI.write(good.pem, "good.pem", in: directory)

        let refused = try OpenSSLCLI.run(
            ["verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "revoked.pem"],
            in: directory
        )
        #expect(refused.status != 0)
        #expect(refused.output.contains("certificate revoked"))
        let accepted = try OpenSSLCLI.run(
            ["verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "good.pem"],
            in: directory
        )
        #expect(accepted.status == 0, "\(accepted.output)")

        let text = try OpenSSLCLI.run(["crl", "-in", "crl.pem", "-noout", "-text"], in: directory)
        #expect(text.output.contains("X509v3 CRL Number"))
        #expect(text.output.contains("X509v3 Authority Key Identifier"))
        #expect(text.output.lowercased().contains("serial number: \(revoked.serialNumberHex)"))
        let signed = try OpenSSLCLI.run(["crl", "-in", "crl.pem", "-noout", "-CAfile", "root.pem"], in: directory)
        #expect(signed.output.contains("verify OK"))
    }

    @Test func pkcs12OpensWithTheCLI() throws {
        let pki = try TestPKI()
        let directory = try OpenSSLCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = try P256PrivateKey()
        let node = try pki.node(key: key)
        let p12 = try PKCS12Encoder.encode(
            certificate: node,
            key: key,
            chain: [pki.intermediate.certificate, pki.federationRoot.certificate],
            password: "correct horse",
            friendlyName: "Gemeente Arnhem"
        )
        try Data(p12).write(to: directory.appendingPathComponent("node.p12"))

        let info = try OpenSSLCLI.run(
            ["pkcs12", "-in", "node.p12", "-info", "-noout", "-passin", "pass:correct horse"],
            in: directory
        )
        #expect(info.status == 0, "\(info.output)")
        #expect(info.output.contains("MAC: sha256"))
        #expect(info.output.contains("AES-256-CBC"))
        #expect(!info.output.contains("RC2") && !info.output.contains("3DES"))

        let dumped = try OpenSSLCLI.run(
            ["pkcs12", "-in", "node.p12", "-nodes", "-passin", "pass:correct horse"],
            in: directory
        )
        #expect(dumped.status == 0)
        #expect(dumped.output.contains("friendlyName: Gemeente Arnhem"))
        // The PEM reader skips the "Bag Attributes" text between blocks; drop the key block.
        let certificates = try Certificate.loadPEMBundle(
            dumped.output.replacingOccurrences(
                of: #"-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----"#,
                with: "",
                options: .regularExpression
            )
        )
        #expect(
            Set(certificates.map(\.der))
                == Set([node.der, pki.intermediate.certificate.der, pki.federationRoot.certificate.der])
        )
        // The key inside is ours.
        let keyPEM = try #require(
            dumped.output.range(
                of: #"-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----"#,
                options: .regularExpression
            )
        )
        #expect(try P256PrivateKey(pem: String(dumped.output[keyPEM])).publicKey == key.publicKey)

        let wrong = try OpenSSLCLI.run(
            ["pkcs12", "-in", "node.p12", "-info", "-noout", "-passin", "pass:wrong"],
            in: directory
        )
        #expect(wrong.status != 0)
        #expect(
            hubError { try PKCS12Encoder.encode(certificate: node, key: P256PrivateKey(), password: "x") }?.code
                == .invalidIssuingRequest
        )
        #expect(
            hubError { try PKCS12Encoder.encode(certificate: node, key: key, password: "") }?.code
                == .invalidIssuingRequest
        )
    }
}
