import Testing

@testable import HubProtocol

@Suite struct TrustRulesTests {
    func notAllowed(_ body: () throws -> PeerIdentity) -> Bool {
        hubError(body)?.code == .certificateNotAllowed
    }

    @Test func federationNodes() throws {
        let pki = try TestPKI()
        let key = try P256PrivateKey()
        let node = try pki.node(key: key)
        let chain = try pki.federationBundle.verify(
            leaf: node,
            intermediates: [pki.intermediate.certificate],
            at: pki.now
        )
        let identity = try TrustRules.identity(of: chain, bundle: .federation, nodeOIN: TestOIN.zwolle)
        #expect(identity.bundle == .federation)
        #expect(identity.oin == TestOIN.arnhem)
        #expect(identity.role == .node)
        #expect(identity.commonName == "Gemeente Arnhem")
        #expect(identity.spkiSHA256 == SHA256.hash(key.publicKey.derSubjectPublicKeyInfo))

        #expect(try TrustRules.federationPeer(pki.node(uris: ["urn:hub:role:node"])).role == .node)
        #expect(try TrustRules.federationPeer(pki.node(uris: ["https://arnhem.test/"])).oin == TestOIN.arnhem)
        // Any other role marker, or more than one, is not allowed.
        #expect(notAllowed { try TrustRules.federationPeer(pki.node(uris: ["urn:hub:role:caseworker"])) })
        #expect(
            notAllowed { try TrustRules.federationPeer(pki.node(uris: ["urn:hub:role:node", "urn:hub:role:node"])) }
        )
        #expect(
            notAllowed {
                try TrustRules.federationPeer(pki.node(uris: ["urn:hub:role:node", "URN:HUB:ROLE:operator"]))
            }
        )
        #expect(notAllowed { try TrustRules.federationPeer(pki.node(uris: ["urn:hub:role:nodes"])) })
        // No OIN.
        #expect(notAllowed { try TrustRules.federationPeer(pki.node(oin: "GM0202")) })
        // A person's certificate is not a node even if it verified.
        #expect(notAllowed { try TrustRules.federationPeer(pki.person()) })
        // A CA certificate never identifies a peer, even one with an OIN.
        #expect(notAllowed { try TrustRules.federationPeer(pki.localRoot.certificate) })
    }

    @Test func localPeople() throws {
        let pki = try TestPKI()
        for role in [Role.caseworker, .researcher, .operator] {
            let person = try pki.person(role: role)
            let chain = try pki.localBundle.verify(leaf: person, intermediates: [], at: pki.now, purpose: .tlsClient)
            let identity = try TrustRules.identity(of: chain, bundle: .local, nodeOIN: TestOIN.arnhem)
            #expect(
                identity
                    == PeerIdentity(
                        bundle: .local,
                        oin: TestOIN.arnhem,
                        role: role,
                        commonName: "j.devries",
                        spkiSHA256: person.spkiSHA256
                    )
            )
        }

        func person(_ change: (inout CertificateProfile) -> Void) throws -> Certificate {
            var profile = CertificateProfile.person(
                commonName: "j.devries",
                nodeOIN: TestOIN.arnhem,
                role: .caseworker,
                notAfter: pki.now + 1000
            )
            change(&profile)
            return try pki.localRoot.issue(profile, publicKey: P256PrivateKey().publicKey)
        }
        func local(_ certificate: Certificate) throws -> PeerIdentity {
            try TrustRules.localPeer(certificate, nodeOIN: TestOIN.arnhem)
        }
        #expect(try local(person { _ in }).role == .caseworker)
        // Two roles, no role, a differently cased second marker, an unknown role, the node role.
        #expect(notAllowed { try local(person { $0.uris = ["urn:hub:role:caseworker", "urn:hub:role:operator"] }) })
        #expect(notAllowed { try local(person { $0.uris = [] }) })
        #expect(notAllowed { try local(person { $0.uris = ["urn:hub:role:caseworker", "Urn:Hub:Role:operator"] }) })
        #expect(notAllowed { try local(person { $0.uris = ["urn:hub:role:admin"] }) })
        #expect(notAllowed { try local(person { $0.uris = ["urn:hub:role:node"] }) })
        // Another municipality's OIN, or none.
        #expect(notAllowed { try local(pki.person(nodeOIN: TestOIN.zwolle)) })
        #expect(notAllowed { try local(person { $0.subject.serialNumber = nil }) })
        // No CN.
        #expect(notAllowed { try local(person { $0.subject.commonName = nil }) })
        // A node certificate is not a person even if the local CA issued it.
        #expect(notAllowed { try local(pki.node(issuer: pki.localRoot)) })
        // The node's own OIN must itself be an OIN.
        #expect(notAllowed { try TrustRules.localPeer(pki.person(nodeOIN: "123"), nodeOIN: "123") })
    }

    @Test func hostMatching() throws {
        let pki = try TestPKI()
        let node = try pki.node()  // hub.arnhem.test, *.hub.arnhem.test, 192.0.2.10, 2001:db8::10
        #expect(node.matchesHost("hub.arnhem.test"))
        #expect(node.matchesHost("HUB.Arnhem.TEST"))
        #expect(node.matchesHost("api.hub.arnhem.test"))
        #expect(!node.matchesHost("a.b.hub.arnhem.test"))  // * is one label
        #expect(!node.matchesHost("arnhem.test"))
        #expect(!node.matchesHost("hub.zwolle.test"))
        #expect(!node.matchesHost("Gemeente Arnhem"))  // the CN is never used
        #expect(node.matchesHost("192.0.2.10"))
        #expect(!node.matchesHost("192.0.2.11"))
        #expect(node.matchesHost("2001:db8::10"))
        #expect(node.matchesHost("2001:0db8:0:0:0:0:0:0010"))
        #expect(!node.matchesHost("2001:db8::11"))
        #expect(!node.matchesHost(""))
        #expect(!node.matchesHost("hub.arnhem.test\0.evil.test"))

        // Partial wildcards and wildcards in other labels do not match; IPs never match DNS SANs.
        let odd = try pki.intermediate.issue(
            .node(
                oin: TestOIN.arnhem,
                displayName: "X",
                dnsNames: ["h*.arnhem.test", "www.*.test", "198.51.100.7"],
                notAfter: pki.now + 100
            ),
            publicKey: P256PrivateKey().publicKey
        )
        #expect(!odd.matchesHost("hub.arnhem.test"))
        #expect(!odd.matchesHost("www.arnhem.test"))
        #expect(!odd.matchesHost("198.51.100.7"))
    }
}
