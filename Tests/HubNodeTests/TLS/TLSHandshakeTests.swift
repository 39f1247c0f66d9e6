import Foundation
import HubNode
import HubProtocol
import NIOCore
import NIOEmbedded
import Testing

/// Handshakes between two `OpenSSLTLSHandler`s on back-to-back embedded channels.
@Suite struct TLSHandshakeTests {
    let pki = TestPKI.shared

    func serverContext(crls: Bool = false, timeout: Duration = .seconds(10)) throws -> TLSContext {
        try TLSContext(role: .server, configuration: pki.configuration(crls: crls, handshakeTimeout: timeout))
    }

    func clientContext(_ identity: TestPKI.Identity) throws -> TLSContext {
        try TLSContext(role: .client, configuration: pki.configuration(identity: identity, localRoots: false))
    }

    /// The SHA-256 of a certificate's SubjectPublicKeyInfo, computed by the openssl CLI.
    func spkiSHA256(_ identity: TestPKI.Identity) throws -> [UInt8] {
        let pem = try TestPKI.openssl(["x509", "-in", identity.certificate, "-pubkey", "-noout"])
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: body))
        return SHA256.hash(Array(der))
    }

    @Test func nodesCompleteHandshakeAndExchangeDataBothWays() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.zwolleNode),
            serverBehaviour: .echo
        )
        // Written before the handshake: buffered, then sent in the same flight as the client's Finished.
        pair.client.writeAndFlush(pair.client.allocator.buffer(string: "early "), promise: nil)
        try pair.connect()
        // Read right after the handshake, not left in OpenSSL until more bytes arrive.
        #expect(pair.serverLog.snapshot.receivedText == "early ")
        #expect(pair.clientLog.snapshot.receivedText == "early ")
        try pair.send("ping", from: pair.client)

        let server = pair.serverLog.snapshot
        let client = pair.clientLog.snapshot
        #expect(server.tlsErrors.isEmpty && client.tlsErrors.isEmpty)
        let seen = try #require(server.handshakes.first)
        #expect(seen.peer.oin == TestPKI.zwolleOIN)
        #expect(seen.peer.commonName == "hub.zwolle.test")
        #expect(seen.peer.trustBundle == .federation)
        #expect(seen.peer.uris.isEmpty)
        #expect(seen.peer.dnsNames == ["localhost"])
        #expect(seen.peer.chain.count == 2)
        #expect(seen.peer.spkiSHA256 == (try spkiSHA256(pki.zwolleNode)))
        #expect(seen.negotiatedProtocol == "http/1.1")
        let rootDER = try #require(seen.peer.chain.last)
        #expect(seen.peer.rootSHA256 == SHA256.hash(rootDER))

        let dialled = try #require(client.handshakes.first)
        #expect(dialled.peer.oin == TestPKI.arnhemOIN)
        #expect(dialled.negotiatedProtocol == "http/1.1")
        #expect(server.receivedText == "early ping")
        #expect(client.receivedText == "early ping")
        #expect(try pair.server.pipeline.syncOperations.tlsPeer()?.oin == TestPKI.zwolleOIN)
    }

    @Test func caseworkerFromLocalBundleIsAcceptedWithRole() throws {
        let client = try TLSContext(
            role: .client,
            configuration: pki.configuration(identity: pki.caseworker, localRoots: false)
        )
        let pair = try BackToBackChannels(serverContext: try serverContext(), clientContext: client)
        try pair.connect()
        let seen = try #require(pair.serverLog.snapshot.handshakes.first)
        #expect(seen.peer.trustBundle == .local)
        #expect(seen.peer.uris == ["urn:hub:role:caseworker"])
        #expect(seen.peer.commonName == "caseworker-17")
        #expect(seen.peer.oin == TestPKI.arnhemOIN)
    }

    /// Runs a handshake that the server must refuse, and returns both recordings.
    func refusedByServer(
        _ identity: TestPKI.Identity,
        crls: Bool = false
    ) throws -> (server: Recording, client: Recording) {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(crls: crls),
            clientContext: try clientContext(identity)
        )
        try pair.connect()
        // The client learns of the refusal when it reads the alert after its own handshake finished.
        try pair.interact()
        #expect(!pair.server.isActive)
        #expect(!pair.client.isActive)
        return (pair.serverLog.snapshot, pair.clientLog.snapshot)
    }

    @Test func clientCertificateFromUnknownCAIsRefused() throws {
        let (server, client) = try refusedByServer(pki.unknownNode)
        #expect(server.handshakes.isEmpty)
        #expect(server.errorCodes == [.peerCertificateRejected])
        #expect(server.tlsErrors.first?.message.contains("unable to get local issuer certificate") == true)
        // TLS 1.3: the client's handshake "succeeded"; the flushed alert tells it why it was refused.
        #expect(client.errorCodes.contains(.alertReceived))
        #expect(client.tlsErrors.contains { $0.message.contains("unknown CA") })
    }

    @Test func expiredClientCertificateIsRefused() throws {
        let (server, client) = try refusedByServer(pki.expiredNode)
        #expect(server.errorCodes == [.peerCertificateRejected])
        #expect(server.tlsErrors.first?.message.contains("expired") == true)
        #expect(client.errorCodes.contains(.alertReceived))
    }

    @Test func revokedClientCertificateIsRefusedWithCRLs() throws {
        let (server, _) = try refusedByServer(pki.revokedNode, crls: true)
        #expect(server.errorCodes == [.peerCertificateRejected])
        #expect(server.tlsErrors.first?.message.contains("revoked") == true)

        // The same certificate passes without CRLs, so the CRL is what refused it.
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.revokedNode)
        )
        try pair.connect()
        #expect(pair.serverLog.snapshot.handshakes.count == 1)
    }

    @Test func unrevokedClientPassesCRLChecks() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(crls: true),
            clientContext: try clientContext(pki.zwolleNode)
        )
        try pair.connect()
        #expect(pair.serverLog.snapshot.handshakes.count == 1)
        #expect(pair.serverLog.snapshot.tlsErrors.isEmpty)
    }

    func handshake(_ identity: TestPKI.Identity, federationCRL: String) throws -> Recording {
        var configuration = pki.configuration()
        configuration.crls = [.file(federationCRL), .file(pki.localRoot.crl)]
        let server = try TLSContext(role: .server, configuration: configuration)
        let pair = try BackToBackChannels(serverContext: server, clientContext: try clientContext(identity))
        try pair.connect()
        return pair.serverLog.snapshot
    }

    @Test func staleCRLInsideTheGracePeriodStillRevokes() throws {
        let valid = try handshake(pki.zwolleNode, federationCRL: pki.staleFederationCRL)
        #expect(valid.handshakes.count == 1)
        #expect(valid.tlsErrors.isEmpty)
        let revoked = try handshake(pki.revokedNode, federationCRL: pki.staleFederationCRL)
        #expect(revoked.handshakes.isEmpty)
        #expect(revoked.tlsErrors.first?.message.contains("revoked") == true)
    }

    @Test func crlPastTheGracePeriodFailsClosed() throws {
        let refused = try handshake(pki.zwolleNode, federationCRL: pki.expiredFederationCRL)
        #expect(refused.handshakes.isEmpty)
        #expect(refused.errorCodes == [.peerCertificateRejected])
        #expect(refused.tlsErrors.first?.message.contains("CRL has expired") == true)
    }

    @Test func clientRefusesServerWhoseNamesDoNotMatchTheDialledHost() throws {
        let server = try TLSContext(role: .server, configuration: pki.configuration(identity: pki.otherHostNode))
        let pair = try BackToBackChannels(serverContext: server, clientContext: try clientContext(pki.zwolleNode))
        try pair.connect()
        #expect(pair.clientLog.snapshot.errorCodes == [.hostnameMismatch])
        #expect(pair.clientLog.snapshot.handshakes.isEmpty)
        #expect(pair.serverLog.snapshot.handshakes.isEmpty)
        #expect(!pair.client.isActive)
    }

    @Test(arguments: [("127.0.0.1", true), ("127.0.0.2", false), ("localhost", true), ("hub.arnhem.test", false)])
    func clientChecksDNSNamesAndIPAddresses(host: String, accepted: Bool) throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.zwolleNode),
            host: host
        )
        try pair.connect()
        let client = pair.clientLog.snapshot
        #expect(client.handshakes.count == (accepted ? 1 : 0))
        #expect(client.errorCodes == (accepted ? [] : [.hostnameMismatch]))
    }

    @Test func clientRefusesServerWithAnotherOIN() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.zwolleNode),
            expectedOIN: TestPKI.zwolleOIN
        )
        try pair.connect()
        let client = pair.clientLog.snapshot
        #expect(client.errorCodes == [.unexpectedOIN])
        #expect(client.handshakes.isEmpty)
        #expect(!pair.client.isActive)
    }

    @Test func clientRefusesServerFromUnknownCA() throws {
        let server = try TLSContext(role: .server, configuration: pki.configuration(identity: pki.unknownNode))
        let pair = try BackToBackChannels(serverContext: server, clientContext: try clientContext(pki.zwolleNode))
        try pair.connect()
        #expect(pair.clientLog.snapshot.errorCodes == [.peerCertificateRejected])
        #expect(pair.serverLog.snapshot.errorCodes == [.alertReceived])
    }

    @Test func closeSendsCloseNotifyAndThePeerAnswersAndCloses() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.zwolleNode)
        )
        try pair.connect()
        pair.client.close(promise: nil)
        pair.loop.run()
        // One encrypted TLS 1.3 record: type application_data, legacy version 3.3,
        // length 19 = alert (2) + inner content type (1) + AEAD tag (16).
        let record = try #require(try BackToBackChannels.drain(pair.client))
        #expect(Array(record.readableBytesView).prefix(5) == [0x17, 0x03, 0x03, 0x00, 0x13])
        #expect(record.readableBytes == 24)
        try pair.server.writeInbound(record)
        pair.loop.run()
        // The server answered with its own close_notify and closed, without complaint.
        let answer = try #require(try BackToBackChannels.drain(pair.server))
        #expect(answer.readableBytes == 24)
        #expect(!pair.server.isActive)
        #expect(pair.serverLog.snapshot.tlsErrors.isEmpty)
        #expect(pair.serverLog.snapshot.isInactive)
    }

    @Test func connectionEndingWithoutCloseNotifyIsReported() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.zwolleNode)
        )
        try pair.connect()
        pair.server.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        pair.loop.run()
        #expect(pair.serverLog.snapshot.errorCodes == [.closedWithoutCloseNotify])
        #expect(!pair.server.isActive)
    }

    @Test func silentConnectionIsClosedAtTheHandshakeTimeout() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let log = RecordingLog()
        try channel.pipeline.syncOperations.addHandlers([
            try OpenSSLTLSHandler(server: try serverContext(timeout: .milliseconds(300))),
            RecordingHandler(log: log),
        ])
        _ = channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 443))
        loop.advanceTime(by: .milliseconds(299))
        #expect(channel.isActive)
        loop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
        #expect(log.snapshot.errorCodes == [.handshakeTimeout])
    }

    @Test func completedHandshakeIsNotTimedOut() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(timeout: .milliseconds(300)),
            clientContext: try clientContext(pki.zwolleNode)
        )
        try pair.connect()
        pair.loop.advanceTime(by: .seconds(60))
        #expect(pair.server.isActive && pair.client.isActive)
        #expect(pair.serverLog.snapshot.tlsErrors.isEmpty)
    }

    @Test func reloadedContextRechecksAnOpenConnectionsChain() throws {
        let pair = try BackToBackChannels(
            serverContext: try serverContext(),
            clientContext: try clientContext(pki.revokedNode)
        )
        try pair.connect()
        let peer = try #require(pair.serverLog.snapshot.handshakes.first?.peer)
        #expect(try serverContext().verify(peerChain: peer.chain) == .federation)
        let reloaded = try serverContext(crls: true)
        #expect(throws: HubNodeError.self) { try reloaded.verify(peerChain: peer.chain) }
        let caseworker = try #require(
            try BackToBackChannels(
                serverContext: reloaded,
                clientContext: try TLSContext(
                    role: .client,
                    configuration: pki.configuration(identity: pki.caseworker, localRoots: false)
                )
            ).connectAndPeer()
        )
        #expect(try reloaded.verify(peerChain: caseworker.chain) == .local)
    }
}

extension BackToBackChannels {
    /// Connects and returns the peer the server saw.
    func connectAndPeer() throws -> TLSPeer? {
        try connect()
        return serverLog.snapshot.handshakes.first?.peer
    }
}
