import Foundation
import Testing

@testable import HubProtocol

@Suite struct CertificateTests {
    @Test func rootCAFields() throws {
        let pki = try TestPKI()
        let root = pki.federationRoot.certificate
        #expect(root.isCA)
        #expect(root.isSelfSigned)
        #expect(root.subjectCommonName == "Hub Test Federation Root")
        #expect(root.subjectSerialNumber == nil)
        #expect(root.oin == nil)
        #expect(root.subjectDN == root.issuerDN)
        #expect(root.subjectDN == "CN=Hub Test Federation Root,O=Hub Test,C=NL")
        #expect(root.notBefore == pki.now - 10 * TestPKI.day)
        #expect(root.notAfter == pki.now + 3650 * TestPKI.day)
        #expect(root.isP256)
        #expect(root.publicKey == pki.federationRoot.key.publicKey)
        #expect(root.sanDNSNames.isEmpty && root.sanURIs.isEmpty && root.sanIPAddresses.isEmpty)
        // 16 random bytes, positive, exactly 16 bytes long.
        #expect(root.serialNumberHex.count == 32)
        let first = try #require(Hex.decode(root.serialNumberHex)).first!
        #expect(first & 0xc0 == 0x40)

        let local = pki.localRoot.certificate
        #expect(local.subjectSerialNumber == TestOIN.arnhem)
        #expect(local.oin == TestOIN.arnhem)
    }

    @Test func nodeCertificateIdentity() throws {
        let pki = try TestPKI()
        let key = try P256PrivateKey()
        let node = try pki.node(uris: ["urn:hub:role:node"], key: key)
        #expect(!node.isCA)
        #expect(!node.isSelfSigned)
        #expect(node.oin == TestOIN.arnhem)
        #expect(node.subjectCommonName == "Gemeente Arnhem")
        #expect(node.sanDNSNames == ["hub.arnhem.test", "*.hub.arnhem.test"])
        #expect(node.sanIPAddresses == ["192.0.2.10", "2001:db8::10"])
        #expect(node.sanURIs == ["urn:hub:role:node"])
        #expect(node.role == .node)
        #expect(node.issuerDN == pki.intermediate.certificate.subjectDN)
        #expect(node.subjectDN == "CN=Gemeente Arnhem,serialNumber=\(TestOIN.arnhem),O=Gemeente Arnhem")
        #expect(node.notAfter == pki.now + 365 * TestPKI.day)
        // Default notBefore is one hour before issuing.
        #expect(abs(node.notBefore - (pki.now - 3600)) <= 5)
        #expect(node.publicKey == key.publicKey)
        #expect(node.subjectPublicKeyInfo == key.publicKey.derSubjectPublicKeyInfo)
        #expect(node.spkiSHA256 == SHA256.hash(key.publicKey.derSubjectPublicKeyInfo))
        #expect(node.spkiSHA256.count == 32)
        #expect(node.publicKeyDescription == "EC prime256v1")
        #expect(try node.serialNumberHex != pki.node().serialNumberHex)
    }

    @Test func personCertificateIdentity() throws {
        let pki = try TestPKI()
        let person = try pki.person(role: .researcher, commonName: "Émile Öztürk")
        #expect(person.role == .researcher)
        #expect(person.roleURIs == ["urn:hub:role:researcher"])
        #expect(person.subjectCommonName == "Émile Öztürk")
        #expect(person.subjectSerialNumber == TestOIN.arnhem)
        #expect(person.sanDNSNames.isEmpty)
        #expect(person.issuerDN == pki.localRoot.certificate.subjectDN)
    }

    @Test func roleParsing() throws {
        let pki = try TestPKI()
        func role(_ uris: [String]) throws -> (Role?, Int) {
            let certificate = try pki.node(uris: uris)
            return (certificate.role, certificate.roleURIs.count)
        }
        #expect(try role([]) == (nil, 0))
        #expect(try role(["urn:hub:role:operator"]) == (.operator, 1))
        #expect(try role(["https://example.test/x", "urn:hub:role:caseworker"]) == (.caseworker, 1))
        #expect(try role(["urn:hub:role:caseworker", "urn:hub:role:researcher"]) == (nil, 2))
        // A differently cased marker still counts, but never names a role.
        #expect(try role(["urn:hub:role:caseworker", "URN:HUB:ROLE:operator"]) == (nil, 2))
        #expect(try role(["URN:hub:role:caseworker"]) == (nil, 1))
        #expect(try role(["urn:hub:role:admin"]) == (nil, 1))
        #expect(try role(["urn:hub:role:"]) == (nil, 1))
    }

    @Test func oinMustBeTwentyDigits() throws {
        let pki = try TestPKI()
        #expect(try pki.node(oin: "9999000000000000020").oin == nil)  // 19 digits
        #expect(try pki.node(oin: "999900000000000002021").oin == nil)  // 21 digits
        #expect(try pki.node(oin: "9999000000000000020A").oin == nil)
        #expect(try pki.node(oin: "99990000000000000202").oin == "99990000000000000202")
        #expect(Certificate.isOIN("00000000000000000000"))
        #expect(!Certificate.isOIN("٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠٠"))  // Arabic-Indic digits are not ASCII
    }

    @Test func pemAndDERRoundTrip() throws {
        let pki = try TestPKI()
        let node = try pki.node()
        let fromPEM = try Certificate(pem: node.pem)
        #expect(fromPEM == node)
        #expect(fromPEM.der == node.der)
        let fromDER = try Certificate(der: node.der)
        #expect(fromDER.pem == node.pem)
        #expect(node.pem.hasPrefix("-----BEGIN CERTIFICATE-----\n"))
        #expect(node.pem.hasSuffix("-----END CERTIFICATE-----\n"))
    }

    @Test func pemBundles() throws {
        let pki = try TestPKI()
        let node = try pki.node()
        let text = "leaf\n" + node.pem + "intermediate\n" + pki.intermediate.certificate.pem
        let bundle = try Certificate.loadPEMBundle(text)
        #expect(bundle.map(\.der) == [node.der, pki.intermediate.certificate.der])

        #expect(hubError { try Certificate.loadPEMBundle("") }?.code == .encoding)
        #expect(hubError { try Certificate.loadPEMBundle("no pem here\n") }?.code == .encoding)
        // init(pem:) wants exactly one certificate.
        #expect(hubError { try Certificate(pem: text) }?.code == .encoding)
        // A private key block in a certificate file is refused, not skipped.
        let withKey = node.pem + (try pki.federationRoot.key.pkcs8PEM())
        let keyError = try #require(hubError { try Certificate.loadPEMBundle(withKey) })
        #expect(keyError.code == .encoding)
        #expect(keyError.message.contains("PRIVATE KEY"))
        // A CRL is not a certificate.
        let crl = try pki.federationRoot.issueCRL(
            revoked: [],
            lastUpdate: pki.now,
            nextUpdate: pki.now + 100,
            crlNumber: 1
        )
        #expect(hubError { try Certificate(pem: crl.pem) }?.code == .encoding)
        #expect(hubError { try CRL(pem: node.pem) }?.code == .encoding)
        // Damaged base64 inside a block.
        let damaged = node.pem.replacingOccurrences(of: "\n-----END", with: "!!\n-----END")
        #expect(hubError { try Certificate(pem: damaged) } != nil)
    }

    @Test func derIsStrict() throws {
        let pki = try TestPKI()
        let der = try pki.node().der
        #expect(hubError { try Certificate(der: der + [0]) }?.code == .encoding)
        #expect(hubError { try Certificate(der: Array(der.dropLast())) }?.code == .encoding)
        #expect(hubError { try Certificate(der: []) }?.code == .encoding)
        #expect(hubError { try Certificate(der: [0x30, 0x00]) }?.code == .encoding)
    }

    @Test func otherKeyTypes() throws {
        let pki = try TestPKI()
        let directory = try OpenSSLCLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let profile = CertificateProfile.node(
            oin: TestOIN.arnhem,
            displayName: "Gemeente Arnhem",
            dnsNames: ["hub.arnhem.test"],
            notAfter: pki.now + 1000
        )

        let rsaPEM = try OpenSSLCLI.publicKeyPEM(
            algorithm: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            in: directory
        )
        let rsa = try pki.intermediate.issue(profile, publicKeyPEM: rsaPEM)
        #expect(!rsa.isP256)
        #expect(rsa.publicKey == nil)
        #expect(rsa.publicKeyDescription == "RSA 2048")
        #expect(rsa.oin == TestOIN.arnhem)
        // An RSA node certificate still chains (PROTOCOL §1 allows RSA for TLS).
        let chain = try pki.federationBundle.verify(
            leaf: rsa,
            intermediates: [pki.intermediate.certificate],
            at: pki.now
        )
        #expect(chain.leaf == rsa)

        let p384PEM = try OpenSSLCLI.publicKeyPEM(
            algorithm: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            in: directory
        )
        let p384 = try pki.intermediate.issue(profile, publicKeyPEM: p384PEM)
        #expect(!p384.isP256)
        #expect(p384.publicKeyDescription == "EC secp384r1")
        #expect(p384.spkiSHA256.count == 32)
    }

    @Test func ipAddressText() {
        #expect(IPAddressText.format([192, 0, 2, 1]) == "192.0.2.1")
        func v6(_ groups: [UInt16]) -> String? {
            IPAddressText.format(groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] })
        }
        #expect(v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]) == "2001:db8::1")
        #expect(v6([0, 0, 0, 0, 0, 0, 0, 0]) == "::")
        #expect(v6([0, 0, 0, 0, 0, 0, 0, 1]) == "::1")
        #expect(v6([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1]) == "2001:db8:0:1:1:1:1:1")  // one zero group stays
        #expect(v6([0x2001, 0, 0, 1, 0, 0, 0, 1]) == "2001:0:0:1::1")  // longest run wins
        #expect(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1]) == "2001:db8::1:0:0:1")  // first of equal runs
        #expect(v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]) == "fe80::")
        #expect(IPAddressText.format([1, 2, 3]) == nil)
    }

    @Test func issuingRefusesBadInput() throws {
        let pki = try TestPKI()
        let key = try P256PrivateKey().publicKey
        func issue(_ change: (inout CertificateProfile) -> Void) -> HubProtocolError? {
            var profile = CertificateProfile.node(
                oin: TestOIN.arnhem,
                displayName: "X",
                dnsNames: ["x.test"],
                notAfter: pki.now + 100
            )
            change(&profile)
            return hubError { try pki.intermediate.issue(profile, publicKey: key) }
        }
        #expect(issue { _ in } == nil)
        #expect(issue { $0.ipAddresses = ["300.1.1.1"] }?.code == .invalidIssuingRequest)
        #expect(issue { $0.dnsNames = ["has space.test"] }?.code == .invalidIssuingRequest)
        #expect(issue { $0.dnsNames = ["bücher.test"] }?.code == .invalidIssuingRequest)
        #expect(issue { $0.subject.country = "NLD" }?.code == .invalidIssuingRequest)
        #expect(issue { $0.subject.commonName = "" }?.code == .invalidIssuingRequest)
        #expect(
            issue {
                $0.notBefore = pki.now
                $0.notAfter = pki.now - 1
            }?.code == .invalidIssuingRequest
        )
        // A leaf cannot act as a CA, and a key must match its CA certificate.
        let node = try pki.node()
        #expect(
            hubError { try CertificateAuthority(certificate: node, key: P256PrivateKey()) }?.code
                == .invalidIssuingRequest
        )
        #expect(
            hubError { try CertificateAuthority(certificate: pki.federationRoot.certificate, key: P256PrivateKey()) }?
                .code == .invalidIssuingRequest
        )
        #expect(
            hubError {
                try CertificateAuthority(certificate: pki.federationRoot.certificate, key: pki.federationRoot.key)
            } == nil
        )
    }

    @Test func crlFields() throws {
        let pki = try TestPKI()
        let a = try pki.node()
        let b = try pki.node()
        let other = try pki.node()
        let crl = try pki.intermediate.issueCRL(
            revoked: [
                RevokedCertificate(a, revocationTime: pki.now - 50),
                RevokedCertificate(b, revocationTime: pki.now - 40),
            ],
            lastUpdate: pki.now - 60,
            nextUpdate: pki.now + 7 * TestPKI.day,
            crlNumber: 4711
        )
        #expect(crl.lastUpdate == pki.now - 60)
        #expect(crl.nextUpdate == pki.now + 7 * TestPKI.day)
        #expect(Set(crl.revokedSerials) == [a.serialNumberHex, b.serialNumberHex])
        #expect(crl.revokedSerials == crl.revokedSerials.sorted())
        #expect(crl.crlNumberHex == "1267")  // 4711
        #expect(crl.issuerDN == pki.intermediate.certificate.subjectDN)
        #expect(crl.lists(a) && crl.lists(b) && !crl.lists(other))
        #expect(crl.isSigned(by: pki.intermediate.certificate))
        #expect(!crl.isSigned(by: pki.federationRoot.certificate))
        let again = try CRL(pem: crl.pem)
        #expect(again.der == crl.der)
        #expect(try CRL(der: crl.der).revokedSerials == crl.revokedSerials)
        #expect(hubError { try CRL(der: crl.der + [0]) }?.code == .encoding)
        #expect(
            hubError {
                try pki.intermediate.issueCRL(revoked: [], lastUpdate: pki.now, nextUpdate: pki.now, crlNumber: 1)
            }?.code == .invalidIssuingRequest
        )
        #expect(
            hubError {
                try pki.intermediate.issueCRL(
                    revoked: [RevokedCertificate(serialNumberHex: "zz", revocationTime: 0)],
                    lastUpdate: pki.now,
                    nextUpdate: pki.now + 1,
                    crlNumber: 1
                )
            }?.code == .invalidIssuingRequest
        )
    }
}
