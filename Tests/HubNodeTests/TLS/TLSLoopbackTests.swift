import Foundation
import HubNode
import NIOCore
import NIOPosix
import Testing

/// A TLS server on 127.0.0.1, port 0, with one event loop thread.
final class LoopbackServer: Sendable {
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    let port: Int
    let log: RecordingLog

    static func start(
        context: TLSContext,
        limiter: HandshakeLimiter? = nil,
        behaviour: RecordingHandler.Behaviour = .echo
    ) async throws -> LoopbackServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = RecordingLog()
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let limiter { try pipeline.addHandler(limiter.makeHandler()) }
                        try pipeline.addHandler(try OpenSSLTLSHandler(server: context))
                        try pipeline.addHandler(RecordingHandler(log: log, behaviour: behaviour))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = try #require(channel.localAddress?.port)
            return LoopbackServer(group: group, channel: channel, port: port, log: log)
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel, port: Int, log: RecordingLog) {
        self.group = group
        self.channel = channel
        self.port = port
        self.log = log
    }

    /// Connects a client on this server's loop: with TLS if `context` is given, plain TCP otherwise.
    func connect(
        context: TLSContext?,
        host: String = "127.0.0.1",
        expectedOIN: String? = TestPKI.arnhemOIN,
        log: RecordingLog
    ) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let context {
                        try pipeline.addHandler(
                            try OpenSSLTLSHandler(client: context, serverHostname: host, expectedOIN: expectedOIN)
                        )
                    }
                    try pipeline.addHandler(RecordingHandler(log: log))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
    }

    /// Stops the server and its event loop (and with it every connection on it).
    func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}

/// The TLS handler on real sockets, against itself and against `openssl s_client`.
@Suite struct TLSLoopbackTests {
    let pki = TestPKI.shared

    // Generous by default: a loaded CI machine must not time out handshakes the test holds open on purpose.
    func serverContext(timeout: Duration = .seconds(120)) throws -> TLSContext {
        try TLSContext(role: .server, configuration: pki.configuration(handshakeTimeout: timeout))
    }

    func clientContext() throws -> TLSContext {
        try TLSContext(role: .client, configuration: pki.configuration(identity: pki.zwolleNode, localRoots: false))
    }

    /// Runs `openssl s_client` against the server on a thread of its own.
    func sClient(_ server: LoopbackServer, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let all =
            [
                "s_client", "-connect", "127.0.0.1:\(server.port)", "-CAfile", pki.federationRoot.identity.certificate,
                "-verify_return_error", "-servername", "localhost",
            ] + arguments
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try TestPKI.run("/usr/bin/openssl", all, timeout: 20) })
            }.start()
        }
    }

    @Test func nodesHandshakeExchangeDataAndCloseCleanlyOverLoopback() async throws {
        let server = try await LoopbackServer.start(context: try serverContext())
        let clientLog = RecordingLog()
        do {
            let client = try await server.connect(context: try clientContext(), log: clientLog)
            try await client.writeAndFlush(client.allocator.buffer(string: "hello over loopback")).get()
            let echoed = try await clientLog.wait { $0.receivedText == "hello over loopback" }
            #expect(echoed.receivedText == "hello over loopback")
            #expect(echoed.handshakes.first?.peer.oin == TestPKI.arnhemOIN)
            #expect(echoed.handshakes.first?.negotiatedProtocol == "http/1.1")
            #expect(try await client.tlsPeer().get()?.oin == TestPKI.arnhemOIN)
            let seen = server.log.snapshot.handshakes.first
            #expect(seen?.peer.oin == TestPKI.zwolleOIN)
            #expect(seen?.peer.commonName == "hub.zwolle.test")

            try await client.close()
            let closed = try await server.log.wait { $0.isInactive }
            #expect(closed.isInactive)
            // The server got our close_notify before the TCP close.
            #expect(closed.tlsErrors.isEmpty)
            #expect(clientLog.snapshot.tlsErrors.isEmpty)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func tls12OnlyClientIsRefused() async throws {
        let server = try await LoopbackServer.start(context: try serverContext())
        let result = try await sClient(
            server,
            ["-tls1_2", "-cert", pki.zwolleNode.certificate, "-key", pki.zwolleNode.key]
        )
        let refused = try await server.log.wait { !$0.tlsErrors.isEmpty }
        try await server.stop()
        #expect(result.status != 0)
        #expect(result.output.contains("alert protocol version"))
        #expect(refused.handshakes.isEmpty)
        #expect(refused.errorCodes == [.handshakeFailed])
        #expect(refused.tlsErrors.first?.openSSLErrors.contains { $0.contains("unsupported protocol") } == true)
    }

    @Test func tls13ClientWithCertificateSucceedsWithoutSessionTicket() async throws {
        let server = try await LoopbackServer.start(context: try serverContext(), behaviour: .greetAndClose)
        let session = pki.directory + "/session-\(UUID().uuidString).pem"
        let result = try await sClient(
            server,
            [
                "-tls1_3", "-cert", pki.zwolleNode.certificate, "-key", pki.zwolleNode.key,
                "-alpn", "http/1.1", "-sess_out", session, "-ign_eof",
            ]
        )
        try await server.stop()
        #expect(result.status == 0)
        #expect(result.output.contains("hello \(TestPKI.zwolleOIN) hub.zwolle.test"))
        #expect(result.output.contains("New, TLSv1.3, Cipher is"))
        // s_client prints "closed" when the server's close_notify arrives (a bare TCP close prints read:errno).
        #expect(result.output.contains("\nclosed\n"))
        #expect(result.output.contains("ALPN protocol: http/1.1"))
        #expect(result.output.contains("Verify return code: 0 (ok)"))
        #expect(!result.output.contains("New Session Ticket"))
        // Whatever session s_client kept holds no ticket to resume with.
        if FileManager.default.fileExists(atPath: session) {
            let text = try TestPKI.openssl(["sess_id", "-in", session, "-text", "-noout"])
            #expect(!text.contains("TLS session ticket:"))
            #expect(!text.contains("ticket lifetime hint"))
        }
        #expect(server.log.snapshot.handshakes.first?.peer.oin == TestPKI.zwolleOIN)
    }

    @Test func clientOfferingOnlyAnotherApplicationProtocolIsRefused() async throws {
        let server = try await LoopbackServer.start(context: try serverContext())
        let result = try await sClient(
            server,
            ["-tls1_3", "-cert", pki.zwolleNode.certificate, "-key", pki.zwolleNode.key, "-alpn", "h2"]
        )
        let refused = try await server.log.wait { !$0.tlsErrors.isEmpty }
        try await server.stop()
        #expect(result.status != 0)
        #expect(result.output.contains("no application protocol"))
        #expect(refused.handshakes.isEmpty)
        #expect(refused.errorCodes == [.handshakeFailed])
    }

    @Test func clientWithoutCertificateIsRefusedAndToldWhy() async throws {
        let server = try await LoopbackServer.start(context: try serverContext())
        let result = try await sClient(server, ["-tls1_3", "-ign_eof"])
        let refused = try await server.log.wait { !$0.tlsErrors.isEmpty }
        try await server.stop()
        #expect(refused.handshakes.isEmpty)
        #expect(refused.errorCodes == [.peerCertificateRejected])
        // The alert was flushed before the close: the client saw why, not a bare reset.
        #expect(result.output.contains("certificate required"))
    }

    @Test func handshakesInProgressPerAddressAreLimited() async throws {
        let limiter = HandshakeLimiter(maximumPerAddress: 2)
        let server = try await LoopbackServer.start(context: try serverContext(), limiter: limiter)
        do {
            // Three silent connections: two hold a slot, the third is closed unread.
            let logs = [RecordingLog(), RecordingLog(), RecordingLog()]
            var silent: [any Channel] = []
            for log in logs { silent.append(try await server.connect(context: nil, log: log)) }
            let deadline = ContinuousClock.now + .seconds(10)
            while logs.filter({ $0.snapshot.isInactive }).count < 1 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(logs.filter { $0.snapshot.isInactive }.count == 1)
            #expect(limiter.inProgress(from: "127.0.0.1") == 2)

            // While both slots are held, a TLS client is refused too.
            let refusedLog = RecordingLog()
            _ = try await server.connect(context: try clientContext(), log: refusedLog)
            let refused = try await refusedLog.wait { $0.isInactive }
            #expect(refused.isInactive && refused.handshakes.isEmpty)

            // Freed slots admit it, and a completed handshake gives its slot back.
            for channel in silent { try? await channel.close() }
            _ = try await waitFor { limiter.inProgress(from: "127.0.0.1") == 0 }
            let clientLog = RecordingLog()
            let client = try await server.connect(context: try clientContext(), log: clientLog)
            let admitted = try await clientLog.wait { !$0.handshakes.isEmpty }
            #expect(admitted.handshakes.count == 1)
            #expect(try await waitFor { limiter.inProgress(from: "127.0.0.1") == 0 })
            #expect(client.isActive)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    func waitFor(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
