import Foundation
import HubNode
import Testing

/// Building contexts: what a valid configuration gives and what an invalid one says.
@Suite struct TLSContextTests {
    let pki = TestPKI.shared

    func configurationError(_ configuration: TLSConfiguration, role: TLSContext.Role = .server) -> HubNodeError? {
        do {
            _ = try TLSContext(role: role, configuration: configuration)
            return nil
        } catch {
            return error
        }
    }

    @Test func serverTrustsBothBundlesAndClientOnlyTheFederation() throws {
        let server = try TLSContext(role: .server, configuration: pki.configuration())
        let client = try TLSContext(role: .client, configuration: pki.configuration())
        #expect(server.federationRootFingerprints.count == 1)
        #expect(server.localRootFingerprints.count == 1)
        #expect(client.federationRootFingerprints == server.federationRootFingerprints)
        #expect(client.localRootFingerprints.isEmpty)
        #expect(!server.checksRevocation)
        let local = try #require(server.localRootFingerprints.first)
        #expect(server.trustBundle(forRootSHA256: local) == .local)
        #expect(client.trustBundle(forRootSHA256: local) == nil)
    }

    @Test func pemTextWorksLikeFiles() throws {
        let text = { (path: String) in try String(contentsOfFile: path, encoding: .utf8) }
        let configuration = TLSConfiguration(
            certificateChain: .pem(try text(pki.arnhemNode.certificate)),
            privateKey: .pem(try text(pki.arnhemNode.key)),
            federationRoots: .pem(try text(pki.federationRoot.identity.certificate)),
            localRoots: .pem(try text(pki.localRoot.identity.certificate)),
            crls: [.pem(try text(pki.federationRoot.crl) + text(pki.localRoot.crl))]
        )
        let context = try TLSContext(role: .server, configuration: configuration)
        #expect(context.checksRevocation)
    }

    @Test func keyOfAnotherCertificateIsRefused() {
        var configuration = pki.configuration()
        configuration.privateKey = .file(pki.zwolleNode.key)
        let error = configurationError(configuration)
        #expect(error?.code == .tlsConfiguration)
        #expect(error?.message.contains("private_key") == true)
    }

    @Test func missingFileNamesItsKey() {
        var configuration = pki.configuration()
        configuration.federationRoots = .file(pki.directory + "/nope.pem")
        let error = configurationError(configuration)
        #expect(error?.code == .tlsConfiguration)
        #expect(error?.message.contains("federation_roots") == true)
    }

    @Test func rootThatIsNotSelfSignedIsRefused() {
        var configuration = pki.configuration()
        configuration.localRoots = .file(pki.zwolleNode.certificate)
        let error = configurationError(configuration)
        #expect(error?.code == .tlsConfiguration)
        #expect(error?.message.contains("not a self-signed root") == true)
    }

    @Test func rootInBothBundlesIsRefused() {
        var configuration = pki.configuration()
        configuration.localRoots = configuration.federationRoots
        #expect(configurationError(configuration)?.code == .tlsConfiguration)
    }

    @Test func crlCheckingNeedsACRLForEveryRoot() throws {
        var configuration = pki.configuration()
        configuration.crls = [.file(pki.federationRoot.crl)]
        let error = configurationError(configuration)
        #expect(error?.code == .tlsConfiguration)
        #expect(error?.message.contains("Gemeente Arnhem Local CA") == true)
        // A client trusts only the federation root, so its CRL is enough there.
        #expect(configurationError(configuration, role: .client) == nil)
        // A CRL from a root outside the bundles covers nothing.
        configuration.crls = [.file(pki.federationRoot.crl), .file(pki.unknownRoot.crl)]
        #expect(configurationError(configuration)?.code == .tlsConfiguration)
    }

    @Test func handlerRoleMustMatchContextRole() throws {
        let client = try TLSContext(role: .client, configuration: pki.configuration())
        let server = try TLSContext(role: .server, configuration: pki.configuration())
        #expect(throws: HubNodeError.self) { try OpenSSLTLSHandler(server: client) }
        #expect(throws: HubNodeError.self) {
            try OpenSSLTLSHandler(client: server, serverHostname: "localhost", expectedOIN: nil)
        }
        #expect(throws: HubNodeError.self) {
            try OpenSSLTLSHandler(client: client, serverHostname: "", expectedOIN: nil)
        }
    }
}
