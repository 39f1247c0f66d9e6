import Testing

@testable import HubProtocol

@Suite struct TrustBundleTests {
    /// Expects verification to fail with untrusted_certificate and a message containing `reason`.
    func expectRefused(
        _ reason: String,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () throws -> VerifiedChain
    ) {
        let error = hubError(body)
        #expect(
            error?.code == .untrustedCertificate,
            "expected untrusted_certificate, got \(String(describing: error))",
            sourceLocation: sourceLocation
        )
        #expect(
            error?.message.contains(reason) == true,
            "message \(error?.message ?? "-") lacks \"\(reason)\"",
            sourceLocation: sourceLocation
        )
    }

    @Test func goodChains() throws {
        let pki = try TestPKI()
        let bundle = try pki.federationBundle
        let node = try pki.node()

        let chain = try bundle.verify(leaf: node, intermediates: [pki.intermediate.certificate], at: pki.now)
        #expect(
            chain.chain.map(\.der) == [node.der, pki.intermediate.certificate.der, pki.federationRoot.certificate.der]
        )
        #expect(chain.leaf == node)
        #expect(chain.root == pki.federationRoot.certificate)
        #expect(!chain.staleCRL)
        #expect(!chain.revocationChecked)  // no CRLs configured

        // Directly under the root.
        let direct = try pki.node(issuer: pki.federationRoot)
        #expect(try bundle.verify(leaf: direct, intermediates: [], at: pki.now).chain.count == 2)
        // Extra, unrelated intermediates are ignored.
        #expect(
            try bundle.verify(leaf: direct, intermediates: [pki.intermediate.certificate], at: pki.now).chain.count == 2
        )

        // Chain of four: root → CA (pathlen 1) → CA (pathlen 0) → leaf; intermediates in any order.
        let upper = try pki.federationRoot.makeIntermediate(
            subject: CertificateSubject(commonName: "Upper CA"),
            key: P256PrivateKey(),
            pathLength: 1,
            notAfter: pki.now + 1000 * TestPKI.day
        )
        let lower = try upper.makeIntermediate(
            subject: CertificateSubject(commonName: "Lower CA"),
            key: P256PrivateKey(),
            notAfter: pki.now + 1000 * TestPKI.day
        )
        let deep = try pki.node(issuer: lower)
        let four = try bundle.verify(leaf: deep, intermediates: [upper.certificate, lower.certificate], at: pki.now)
        #expect(
            four.chain.map(\.subjectCommonName) == [
                "Gemeente Arnhem", "Lower CA", "Upper CA", "Hub Test Federation Root",
            ]
        )

        // pathlen 0 forbids a CA below it.
        let tooDeep = try pki.intermediate.makeIntermediate(
            subject: CertificateSubject(commonName: "Illegal CA"),
            key: P256PrivateKey(),
            notAfter: pki.now + 1000 * TestPKI.day
        )
        let illegal = try pki.node(issuer: tooDeep)
        expectRefused("pathLenConstraint") {
            try bundle.verify(
                leaf: illegal,
                intermediates: [tooDeep.certificate, pki.intermediate.certificate],
                at: pki.now
            )
        }
    }

    @Test func purposes() throws {
        let pki = try TestPKI()
        let node = try pki.node()
        let intermediates = [pki.intermediate.certificate]
        let federation = try pki.federationBundle
        #expect(throws: Never.self) {
            try federation.verify(leaf: node, intermediates: intermediates, at: pki.now, purpose: .tlsServer)
        }
        #expect(throws: Never.self) {
            try federation.verify(leaf: node, intermediates: intermediates, at: pki.now, purpose: .tlsClient)
        }
        let person = try pki.person()
        let local = try pki.localBundle
        #expect(throws: Never.self) {
            try local.verify(leaf: person, intermediates: [], at: pki.now, purpose: .tlsClient)
        }
        expectRefused("extendedKeyUsage") {
            try local.verify(leaf: person, intermediates: [], at: pki.now, purpose: .tlsServer)
        }
    }

    @Test func validityPeriods() throws {
        let pki = try TestPKI()
        let bundle = try pki.federationBundle
        let intermediates = [pki.intermediate.certificate]
        let expired = try pki.node(notBefore: pki.now - 20 * TestPKI.day, notAfter: pki.now - TestPKI.day)
        expectRefused("depth 0 (the certificate presented): expired") {
            try bundle.verify(leaf: expired, intermediates: intermediates, at: pki.now)
        }
        // The check time is the one given, not the clock.
        #expect(throws: Never.self) {
            try bundle.verify(leaf: expired, intermediates: intermediates, at: pki.now - 2 * TestPKI.day)
        }

        let future = try pki.node(notBefore: pki.now + TestPKI.day, notAfter: pki.now + 20 * TestPKI.day)
        expectRefused("depth 0 (the certificate presented): not yet valid") {
            try bundle.verify(leaf: future, intermediates: intermediates, at: pki.now)
        }
        #expect(throws: Never.self) {
            try bundle.verify(leaf: future, intermediates: intermediates, at: pki.now + 2 * TestPKI.day)
        }

        // An expired intermediate fails at depth 1.
        let oldCA = try pki.federationRoot.makeIntermediate(
            subject: CertificateSubject(commonName: "Old CA"),
            key: P256PrivateKey(),
            notBefore: pki.now - 20 * TestPKI.day,
            notAfter: pki.now - TestPKI.day
        )
        let underOld = try pki.node(issuer: oldCA, notBefore: pki.now - 5 * TestPKI.day)
        expectRefused("depth 1 (a CA certificate): expired") {
            try bundle.verify(leaf: underOld, intermediates: [oldCA.certificate], at: pki.now)
        }
    }

    @Test func unknownIssuers() throws {
        let pki = try TestPKI()
        let node = try pki.node()
        let intermediates = [pki.intermediate.certificate]
        // The other bundle.
        expectRefused("unknown issuer") {
            try pki.localBundle.verify(leaf: node, intermediates: intermediates, at: pki.now)
        }
        // A root that is not in the bundle, even with the same name.
        let impostor = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(
                commonName: "Hub Test Federation Root",
                organization: "Hub Test",
                country: "NL"
            ),
            key: P256PrivateKey(),
            notAfter: pki.now + 100 * TestPKI.day
        )
        let forged = try pki.node(issuer: impostor)
        expectRefused("unknown issuer") {
            try pki.federationBundle.verify(leaf: forged, intermediates: [], at: pki.now)
        }
        // A self-signed leaf.
        expectRefused("unknown issuer") {
            try pki.federationBundle.verify(leaf: impostor.certificate, intermediates: [], at: pki.now)
        }
        // Partial chain: the intermediate is withheld, so the chain cannot reach the root.
        expectRefused("unknown issuer") { try pki.federationBundle.verify(leaf: node, intermediates: [], at: pki.now) }
        // And an intermediate cannot be made a trust anchor.
        let error = hubError { try TrustBundle(roots: [pki.intermediate.certificate]) }
        #expect(error?.code == .untrustedCertificate)
        #expect(error?.message.contains("not self-signed") == true)
        #expect(
            hubError { try TrustBundle(roots: [pki.federationRoot.certificate, pki.intermediate.certificate]) }?.code
                == .untrustedCertificate
        )
        #expect(hubError { try TrustBundle(roots: [node]) }?.code == .untrustedCertificate)
        #expect(hubError { try TrustBundle(roots: []) }?.code == .untrustedCertificate)
    }

    @Test func badSignature() throws {
        let pki = try TestPKI()
        // Flip a bit in the signature (the last byte of the DER is inside it).
        var der = try pki.node(issuer: pki.federationRoot).der
        der[der.count - 1] ^= 0x01
        // The last byte is the end of the ECDSA `s` value: the DER stays well-formed.
        let tampered = try Certificate(der: der)
        expectRefused("bad signature") {
            try pki.federationBundle.verify(leaf: tampered, intermediates: [], at: pki.now)
        }
    }

    @Test func revokedLeafAndIntermediate() throws {
        let pki = try TestPKI()
        let revokedNode = try pki.node()
        let goodNode = try pki.node()
        let intermediates = [pki.intermediate.certificate]
        let rootCRL = try pki.federationRoot.issueCRL(
            revoked: [],
            lastUpdate: pki.now - 100,
            nextUpdate: pki.now + 7 * TestPKI.day,
            crlNumber: 1
        )
        let issuingCRL = try pki.intermediate.issueCRL(
            revoked: [RevokedCertificate(revokedNode, revocationTime: pki.now - 50)],
            lastUpdate: pki.now - 100,
            nextUpdate: pki.now + 7 * TestPKI.day,
            crlNumber: 1
        )
        let bundle = try TrustBundle(roots: [pki.federationRoot.certificate], crls: [rootCRL, issuingCRL])
        expectRefused("depth 0 (the certificate presented): revoked") {
            try bundle.verify(leaf: revokedNode, intermediates: intermediates, at: pki.now)
        }
        let chain = try bundle.verify(leaf: goodNode, intermediates: intermediates, at: pki.now)
        #expect(chain.revocationChecked)
        #expect(!chain.staleCRL)

        // A revoked intermediate takes its whole subtree down.
        let revokingRootCRL = try pki.federationRoot.issueCRL(
            revoked: [RevokedCertificate(pki.intermediate.certificate, revocationTime: pki.now - 10)],
            lastUpdate: pki.now - 100,
            nextUpdate: pki.now + 7 * TestPKI.day,
            crlNumber: 2
        )
        let strict = try TrustBundle(roots: [pki.federationRoot.certificate], crls: [revokingRootCRL, issuingCRL])
        expectRefused("depth 1 (a CA certificate): revoked") {
            try strict.verify(leaf: goodNode, intermediates: intermediates, at: pki.now)
        }
    }

    @Test func casWithoutCRL() throws {
        let pki = try TestPKI()
        let revokedNode = try pki.node()
        let intermediates = [pki.intermediate.certificate]
        // Only the root has a CRL: the intermediate is checked, the leaf cannot be.
        let rootCRL = try pki.federationRoot.issueCRL(
            revoked: [RevokedCertificate(revokedNode, revocationTime: pki.now)],  // wrong issuer: has no effect
            lastUpdate: pki.now - 100,
            nextUpdate: pki.now + 7 * TestPKI.day,
            crlNumber: 1
        )
        let bundle = try TrustBundle(roots: [pki.federationRoot.certificate], crls: [rootCRL])
        let chain = try bundle.verify(leaf: revokedNode, intermediates: intermediates, at: pki.now)
        #expect(!chain.revocationChecked)
        #expect(bundle.rootsWithoutCRL.isEmpty)

        // Two roots, one with a CRL: chains through the other verify unchecked.
        let second = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Second Root"),
            key: P256PrivateKey(),
            notAfter: pki.now + 100 * TestPKI.day
        )
        let twoRoots = try TrustBundle(roots: [pki.federationRoot.certificate, second.certificate], crls: [rootCRL])
        #expect(twoRoots.rootsWithoutCRL == [second.certificate])
        let underSecond = try pki.node(issuer: second)
        let unchecked = try twoRoots.verify(leaf: underSecond, intermediates: [], at: pki.now)
        #expect(!unchecked.revocationChecked)
        let secondCRL = try second.issueCRL(
            revoked: [RevokedCertificate(underSecond, revocationTime: pki.now)],
            lastUpdate: pki.now - 100,
            nextUpdate: pki.now + 100,
            crlNumber: 1
        )
        let both = try TrustBundle(
            roots: [pki.federationRoot.certificate, second.certificate],
            crls: [rootCRL, secondCRL]
        )
        expectRefused("depth 0 (the certificate presented): revoked") {
            try both.verify(leaf: underSecond, intermediates: [], at: pki.now)
        }
    }

    @Test func staleCRLGracePeriod() throws {
        let pki = try TestPKI()
        let node = try pki.node(issuer: pki.federationRoot, notBefore: pki.now - 5 * TestPKI.day)
        let revoked = try pki.node(issuer: pki.federationRoot, notBefore: pki.now - 5 * TestPKI.day)
        let nextUpdate = pki.now - 3600
        let crl = try pki.federationRoot.issueCRL(
            revoked: [RevokedCertificate(revoked, revocationTime: pki.now - 7200)],
            lastUpdate: pki.now - 2 * TestPKI.day,
            nextUpdate: nextUpdate,
            crlNumber: 7
        )
        let bundle = try TrustBundle(roots: [pki.federationRoot.certificate], crls: [crl])
        #expect(bundle.staleCRLs(at: pki.now).map(\.der) == [crl.der])
        #expect(bundle.staleCRLs(at: nextUpdate).isEmpty)

        // Before nextUpdate: fresh.
        let fresh = try bundle.verify(leaf: node, intermediates: [], at: nextUpdate - 1)
        #expect(!fresh.staleCRL && fresh.revocationChecked)
        // Inside the grace period: verifies, flagged, and revocation still enforced.
        let stale = try bundle.verify(leaf: node, intermediates: [], at: pki.now)
        #expect(stale.staleCRL)
        #expect(stale.revocationChecked)
        expectRefused("depth 0 (the certificate presented): revoked") {
            try bundle.verify(leaf: revoked, intermediates: [], at: pki.now)
        }
        // The last second of the grace period, and the first after it.
        #expect(try bundle.verify(leaf: node, intermediates: [], at: nextUpdate + 86400).staleCRL)
        expectRefused("CRL expired") { try bundle.verify(leaf: node, intermediates: [], at: nextUpdate + 86401) }
        // A shorter grace period is honoured.
        expectRefused("CRL expired") {
            try bundle.verify(leaf: node, intermediates: [], at: pki.now, crlGraceSeconds: 60)
        }
        #expect(
            hubError { try bundle.verify(leaf: node, intermediates: [], at: pki.now, crlGraceSeconds: -1) }?.code
                == .untrustedCertificate
        )
        // A CRL from the future is refused.
        let early = try pki.federationRoot.issueCRL(
            revoked: [],
            lastUpdate: pki.now + 3600,
            nextUpdate: pki.now + 7200,
            crlNumber: 8
        )
        let earlyBundle = try TrustBundle(roots: [pki.federationRoot.certificate], crls: [early])
        expectRefused("CRL is not yet valid") { try earlyBundle.verify(leaf: node, intermediates: [], at: pki.now) }
    }

    @Test func crlWithBadSignature() throws {
        let pki = try TestPKI()
        // Another CA with the same name as the root signs a CRL: refused when the bundle is made.
        let impostor = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(
                commonName: "Hub Test Federation Root",
                organization: "Hub Test",
                country: "NL"
            ),
            key: P256PrivateKey(),
            notAfter: pki.now + 100 * TestPKI.day
        )
        let forgedRootCRL = try impostor.issueCRL(
            revoked: [],
            lastUpdate: pki.now - 10,
            nextUpdate: pki.now + 100,
            crlNumber: 1
        )
        #expect(!forgedRootCRL.isSigned(by: pki.federationRoot.certificate))
        let error = hubError { try TrustBundle(roots: [pki.federationRoot.certificate], crls: [forgedRootCRL]) }
        #expect(error?.code == .untrustedCertificate)
        #expect(error?.message.contains("signature does not verify") == true)

        // For an intermediate it can only be caught during verification: fail closed.
        let fakeIssuing = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Hub Test Federation Issuing CA", organization: "Hub Test"),
            key: P256PrivateKey(),
            notAfter: pki.now + 100 * TestPKI.day
        )
        let forgedCRL = try fakeIssuing.issueCRL(
            revoked: [],
            lastUpdate: pki.now - 10,
            nextUpdate: pki.now + 100,
            crlNumber: 1
        )
        let bundle = try TrustBundle(roots: [pki.federationRoot.certificate], crls: [forgedCRL])
        let node = try pki.node()
        expectRefused("no usable CRL") {
            try bundle.verify(leaf: node, intermediates: [pki.intermediate.certificate], at: pki.now)
        }
    }

    @Test func bundleFromPEM() throws {
        let pki = try TestPKI()
        let crl = try pki.federationRoot.issueCRL(
            revoked: [],
            lastUpdate: pki.now - 10,
            nextUpdate: pki.now + 100,
            crlNumber: 1
        )
        let bundle = try TrustBundle(
            rootsPEM: pki.federationRoot.certificate.pem + pki.localRoot.certificate.pem
                + pki.federationRoot.certificate.pem,
            crlPEMs: [crl.pem]
        )
        #expect(bundle.roots.count == 2)  // duplicates dropped
        #expect(bundle.contains(pki.localRoot.certificate))
        #expect(bundle.rootsWithoutCRL == [pki.localRoot.certificate])
        // Both roots now anchor chains.
        #expect(throws: Never.self) { try bundle.verify(leaf: pki.person(), intermediates: [], at: pki.now) }
        #expect(throws: Never.self) {
            try bundle.verify(leaf: pki.node(), intermediates: [pki.intermediate.certificate], at: pki.now)
        }
    }
}
