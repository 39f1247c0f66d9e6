import HubNode
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

/// `HubHTTPClient` against a real HTTP/1.1 server over the node's TLS handler
/// on 127.0.0.1.
@Suite(.serialized) struct HubHTTPClientTests {
    let pki = ClientTestPKI.shared

    // MARK: Round trips and keep-alive

    @Test func getAndPostRoundTripWithBodiesOfSeveralMiB() async throws {
        try await ClientHarness.run { harness in
            let get = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            #expect(get.status == 200)
            #expect(get.body.isEmpty)
            #expect(get.header("x-method") == "GET")
            #expect(get.header("X-Host") == "127.0.0.1:\(harness.server.port)")
            #expect(get.header("X-Content-Length") == "none")

            var generator = SystemRandomNumberGenerator()
            let big = (0..<(3 * 1024 * 1024 + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let post = try await harness.client.request(
                .POST,
                path: "/echo?x=1",
                body: big,
                to: harness.endpoint,
                idempotent: false
            )
            #expect(post.status == 200)
            #expect(post.body == big)
            #expect(post.header("X-Method") == "POST")
            #expect(post.header("X-Content-Type") == "application/json; charset=utf-8")
            #expect(post.header("X-Content-Length") == String(big.count))

            let typed = try await harness.client.request(
                .PUT,
                path: "/echo",
                headers: [("Content-Type", "text/plain")],
                body: Array("hallo".utf8),
                to: harness.endpoint,
                idempotent: true
            )
            #expect(typed.body == Array("hallo".utf8))
            #expect(typed.header("X-Content-Type") == "text/plain")

            let empty = try await harness.client.request(.POST, path: "/echo", to: harness.endpoint, idempotent: false)
            #expect(empty.header("X-Content-Length") == "0")
            #expect(harness.server.stats.snapshot.clientNames[1] == "Gemeente Arnhem A")
        }
    }

    @Test func sequentialRequestsReuseOneConnection() async throws {
        try await ClientHarness.run { harness in
            for index in 0..<5 {
                let body = Array("request \(index)".utf8)
                let response = try await harness.client.request(
                    .POST,
                    path: "/echo",
                    body: body,
                    to: harness.endpoint,
                    idempotent: false
                )
                #expect(response.body == body)
                #expect(response.header("X-Connection") == "1")
            }
            let stats = harness.server.stats.snapshot
            #expect(stats.accepted == 1)
            #expect(stats.requests == 5)
            #expect(
                harness.client.poolStatistics(for: harness.endpoint) == .init(open: 1, idle: 1, leased: 0, waiting: 0)
            )
        }
    }

    @Test func concurrentRequestsOpenConnectionsUpToTheDefaultLimitOfEight() async throws {
        try await ClientHarness.run { harness in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await harness.client.request(
                            .GET,
                            path: "/slow?ms=150",
                            to: harness.endpoint,
                            idempotent: true
                        )
                        .status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20))
            let stats = harness.server.stats.snapshot
            #expect(stats.accepted == 8)
            #expect(stats.maximumInFlight == 8)
            // Four stay idle (the default), the other four are closed.
            let pool = try await harness.waitForPool { $0.open == 4 }
            #expect(pool == .init(open: 4, idle: 4, leased: 0, waiting: 0))
            let server = try await harness.server.stats.wait { $0.open == 4 }
            #expect(server.open == 4)
        }
    }

    @Test func aConfiguredLimitHoldsAndWaitersAreServedInTurn() async throws {
        let configuration = HubHTTPClientConfiguration(
            maximumIdleConnectionsPerEndpoint: 1,
            maximumConnectionsPerEndpoint: 2
        )
        try await ClientHarness.run(configuration: configuration) { harness in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let response = try await harness.client.request(
                            .GET,
                            path: "/slow?ms=100",
                            to: harness.endpoint,
                            idempotent: true
                        )
                        #expect(response.body == Array("slow".utf8))
                    }
                }
                try await group.waitForAll()
            }
            #expect(harness.server.stats.snapshot.accepted == 2)
            #expect(harness.server.stats.snapshot.maximumInFlight == 2)
            #expect(try await harness.waitForPool { $0.open == 1 }.idle == 1)
        }
    }

    @Test func aRequestWaitingForAFullPoolTimesOut() async throws {
        let configuration = HubHTTPClientConfiguration(maximumConnectionsPerEndpoint: 1)
        try await ClientHarness.run(configuration: configuration) { harness in
            let hanging = Task {
                await clientError {
                    _ = try await harness.client.request(
                        .GET,
                        path: "/hang",
                        to: harness.endpoint,
                        idempotent: true,
                        timeout: .seconds(2)
                    )
                }
            }
            _ = try await harness.waitForPool { $0.leased == 1 }
            let clock = ContinuousClock()
            let start = clock.now
            let waiting = await clientError {
                _ = try await harness.client.request(
                    .GET,
                    path: "/echo",
                    to: harness.endpoint,
                    idempotent: true,
                    timeout: .milliseconds(300)
                )
            }
            #expect(waiting?.code == .requestTimeout)
            #expect(waiting?.message.contains("no connection became free") == true)
            #expect(clock.now - start < .seconds(2))
            #expect(await hanging.value?.code == .requestTimeout)
        }
    }

    // MARK: Connections that go away

    @Test func aPooledConnectionClosedByTheServerIsReplacedTransparently() async throws {
        try await ClientHarness.run { harness in
            _ = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            harness.server.stats.closeAll()
            let pool = try await harness.waitForPool { $0.open == 0 }
            #expect(pool.open == 0)
            let response = try await harness.client.request(
                .POST,
                path: "/echo",
                body: Array("{}".utf8),
                to: harness.endpoint,
                idempotent: false
            )
            #expect(response.status == 200)
            #expect(response.header("X-Connection") == "2")
            #expect(harness.server.stats.snapshot.accepted == 2)
        }
    }

    @Test func aConnectionLostUnderARequestIsRetriedOnceOnlyWhenIdempotent() async throws {
        try await ClientHarness.run { harness in
            let first = try await harness.client.request(
                .GET,
                path: "/drop-on-reuse",
                to: harness.endpoint,
                idempotent: true
            )
            #expect(first.header("X-Connection") == "1")
            // Reused connection 1 is dropped under the request: an idempotent request goes again on connection 2.
            let retried = try await harness.client.request(
                .GET,
                path: "/drop-on-reuse",
                to: harness.endpoint,
                idempotent: true
            )
            #expect(retried.header("X-Connection") == "2")
            #expect(harness.server.stats.snapshot.accepted == 2)

            // A request that is not idempotent and may have arrived is not sent again.
            let refused = await clientError {
                _ = try await harness.client.request(
                    .POST,
                    path: "/drop-on-reuse",
                    body: [1, 2, 3],
                    to: harness.endpoint,
                    idempotent: false
                )
            }
            #expect(refused?.code == .connectionClosed)
            #expect(refused?.message.contains("POST /drop-on-reuse to 127.0.0.1:\(harness.server.port)") == true)
            #expect(harness.server.stats.snapshot.accepted == 2)
            #expect(harness.server.stats.snapshot.requests == 4)
        }
    }

    @Test func connectionCloseResponsesAreNotReused() async throws {
        try await ClientHarness.run { harness in
            let bye = try await harness.client.request(.GET, path: "/close", to: harness.endpoint, idempotent: true)
            #expect(bye.body == Array("bye".utf8))
            let next = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            #expect(next.header("X-Connection") == "2")
        }
    }

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let configuration = HubHTTPClientConfiguration(idleTimeout: .milliseconds(200))
        try await ClientHarness.run(configuration: configuration) { harness in
            _ = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            #expect(harness.client.poolStatistics(for: harness.endpoint).idle == 1)
            let server = try await harness.server.stats.wait(timeout: .seconds(5)) { $0.closed == 1 }
            #expect(server.closed == 1)
            #expect(try await harness.waitForPool { $0.open == 0 }.open == 0)
        }
    }

    @Test func replacingTheTLSContextClosesPooledConnectionsAndUsesTheNewCertificate() async throws {
        try await ClientHarness.run { harness in
            _ = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            #expect(harness.server.stats.snapshot.clientNames[1] == "Gemeente Arnhem A")
            try harness.client.replaceTLSContext(try pki.context(.client, pki.arnhemB))
            let closed = try await harness.server.stats.wait { $0.closed == 1 }
            #expect(closed.closed == 1)
            let next = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            #expect(next.header("X-Connection") == "2")
            #expect(harness.server.stats.snapshot.clientNames[2] == "Gemeente Arnhem B")

            let wrongRole = await clientError {
                try harness.client.replaceTLSContext(try pki.context(.server, pki.arnhemB))
            }
            #expect(wrongRole?.code == .tls)
        }
    }

    // MARK: Timeouts and connect failures

    @Test func aServerThatNeverAnswersGivesRequestTimeoutWithinTheBound() async throws {
        try await ClientHarness.run { harness in
            let clock = ContinuousClock()
            let start = clock.now
            let error = await clientError {
                _ = try await harness.client.request(
                    .GET,
                    path: "/hang",
                    to: harness.endpoint,
                    idempotent: true,
                    timeout: .milliseconds(400)
                )
            }
            let elapsed = clock.now - start
            #expect(error?.code == .requestTimeout)
            #expect(
                error?.message
                    == "GET /hang to 127.0.0.1:\(harness.server.port): no complete response within 0.4 seconds"
            )
            #expect(elapsed >= .milliseconds(400))
            #expect(elapsed < .seconds(3))
            // The timed-out connection is not reused.
            let pool = try await harness.waitForPool { $0.open == 0 }
            #expect(pool.open == 0)
        }
    }

    @Test func aClosedPortGivesConnectFailed() async throws {
        try await ClientHarness.run { harness in
            let port = try await TestPorts.closed(group: harness.group)
            let endpoint = ClientEndpoint(host: "127.0.0.1", port: port, expectedOIN: ClientTestPKI.zwolleOIN)
            let error = await clientError {
                _ = try await harness.client.request(.GET, path: "/echo", to: endpoint, idempotent: true)
            }
            #expect(error?.code == .connectFailed)
            #expect(error?.message.hasPrefix("cannot connect to 127.0.0.1:\(port)") == true)
            #expect(harness.client.poolStatistics(for: endpoint).open == 0)
        }
    }

    @Test func aServerThatNeverCompletesTheHandshakeGivesConnectTimeout() async throws {
        let configuration = HubHTTPClientConfiguration(connectTimeout: .milliseconds(300))
        try await ClientHarness.run(configuration: configuration) { harness in
            let (silent, port) = try await TestPorts.silent(group: harness.group)
            let endpoint = ClientEndpoint(host: "127.0.0.1", port: port, expectedOIN: ClientTestPKI.zwolleOIN)
            let clock = ContinuousClock()
            let start = clock.now
            let error = await clientError {
                _ = try await harness.client.request(.GET, path: "/echo", to: endpoint, idempotent: true)
            }
            #expect(error?.code == .connectTimeout)
            #expect(clock.now - start < .seconds(3))
            #expect(harness.client.poolStatistics(for: endpoint).open == 0)
            try await silent.close()
        }
    }

    // MARK: TLS checks

    @Test func aServerWithAnotherOINIsRefused() async throws {
        try await ClientHarness.run { harness in
            let endpoint = ClientEndpoint(
                host: "127.0.0.1",
                port: harness.server.port,
                expectedOIN: ClientTestPKI.arnhemOIN
            )
            let error = await clientError {
                _ = try await harness.client.request(.GET, path: "/echo", to: endpoint, idempotent: true)
            }
            #expect(error?.code == .tls)
            #expect((error?.cause as? HubNodeError)?.code == .unexpectedOIN)
            #expect(harness.server.stats.snapshot.requests == 0)
        }
    }

    @Test func aServerCertificateForAnotherHostIsRefused() async throws {
        try await ClientHarness.run(serverIdentity: pki.otherHost) { harness in
            let error = await clientError {
                _ = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            }
            #expect(error?.code == .tls)
            #expect((error?.cause as? HubNodeError)?.code == .hostnameMismatch)
            #expect(harness.server.stats.snapshot.requests == 0)
        }
    }

    @Test func aServerRefusingOurCertificateGivesTheTLSAlert() async throws {
        try await ClientHarness.run { harness in
            // TLS 1.3: the client's handshake completes before the server refuses its certificate.
            let client = try HubHTTPClient(
                tlsContext: try pki.context(.client, pki.stranger),
                eventLoopGroup: harness.group
            )
            let error = await clientError {
                _ = try await client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            }
            try await client.shutdown()
            #expect(error?.code == .tls)
            #expect((error?.cause as? HubNodeError)?.code == .alertReceived)
            #expect(harness.server.stats.snapshot.requests == 0)
        }
    }

    @Test func aDNSNameInTheCertificateIsAccepted() async throws {
        try await ClientHarness.run { harness in
            let endpoint = ClientEndpoint(
                host: "localhost",
                port: harness.server.port,
                expectedOIN: ClientTestPKI.zwolleOIN
            )
            let response = try await harness.client.request(.GET, path: "/echo", to: endpoint, idempotent: true)
            #expect(response.header("X-Host") == "localhost:\(harness.server.port)")
        }
    }

    // MARK: Limits and bad input

    @Test func responsesLargerThanTheCapAreRefused() async throws {
        let limit = 1024 * 1024
        let configuration = HubHTTPClientConfiguration(maximumResponseBodyBytes: limit)
        try await ClientHarness.run(configuration: configuration) { harness in
            let exact = try await harness.client.request(
                .GET,
                path: "/big?size=\(limit)",
                to: harness.endpoint,
                idempotent: true
            )
            #expect(exact.body.count == limit)

            let announced = await clientError {
                _ = try await harness.client.request(
                    .GET,
                    path: "/big?size=\(limit + 1)",
                    to: harness.endpoint,
                    idempotent: true
                )
            }
            #expect(announced?.code == .responseTooLarge)
            #expect(announced?.message.contains("\(limit + 1)-byte body") == true)

            let streamed = await clientError {
                _ = try await harness.client.request(
                    .GET,
                    path: "/big-chunked?size=\(2 * limit)",
                    to: harness.endpoint,
                    idempotent: true
                )
            }
            #expect(streamed?.code == .responseTooLarge)
            let chunked = try await harness.client.request(
                .GET,
                path: "/big-chunked?size=\(limit - 5)",
                to: harness.endpoint,
                idempotent: true
            )
            #expect(chunked.body == Array(repeating: 0x62, count: limit - 5))
        }
    }

    @Test func requestsThatWouldBreakFramingAreRefusedBeforeSending() async throws {
        try await ClientHarness.run { harness in
            let cases: [(String, [(String, String)])] = [
                ("v1/messages", []),
                ("/echo two", []),
                ("/echo", [("X-Evil", "a\r\nHost: elsewhere")]),
                ("/echo", [("Bad Name", "x")]),
                ("/echo", [("Host", "elsewhere")]),
                ("/echo", [("transfer-encoding", "chunked")]),
            ]
            for (path, headers) in cases {
                let error = await clientError {
                    _ = try await harness.client.request(
                        .GET,
                        path: path,
                        headers: headers,
                        to: harness.endpoint,
                        idempotent: true
                    )
                }
                #expect(error?.code == .invalidRequest, "\(path) \(headers)")
            }
            #expect(harness.server.stats.snapshot.accepted == 0)
        }
    }

    @Test func aShutDownClientRefusesRequests() async throws {
        try await ClientHarness.run { harness in
            _ = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            try await harness.client.shutdown()
            let error = await clientError {
                _ = try await harness.client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            }
            #expect(error?.code == .shutDown)
            #expect(try await harness.server.stats.wait { $0.closed == 1 }.closed == 1)
        }
    }

    @Test func aClientWithItsOwnEventLoopGroupWorksAndShutsItDown() async throws {
        try await ClientHarness.run { harness in
            let client = try HubHTTPClient(tlsContext: try pki.context(.client, pki.arnhemB))
            let response = try await client.request(.GET, path: "/echo", to: harness.endpoint, idempotent: true)
            #expect(response.status == 200)
            try await client.shutdown()
            // A second shutdown does nothing (its group is not shut down twice).
            try await client.shutdown()
            #expect(try await harness.server.stats.wait { $0.closed == 1 }.closed == 1)
        }
    }

    // MARK: PeerTransport

    @Test func peerTransportPostsMessagesAndReadsRetryAfter() async throws {
        try await ClientHarness.run { harness in
            let peer = PeerEndpoint(
                name: "Gemeente Zwolle",
                oin: ClientTestPKI.zwolleOIN,
                host: "127.0.0.1",
                port: harness.server.port
            )
            let batch = Array(#"{"messages":["a.b.c"]}"#.utf8)
            let posted = try await harness.client.postMessages(batch, to: peer)
            #expect(posted.status == 200)
            #expect(posted.body == batch)
            #expect(posted.retryAfterSeconds == nil)

            let descriptor = try await harness.client.getDescriptor(from: peer)
            #expect(descriptor.status == 503)
            #expect(descriptor.retryAfterSeconds == 120)
            #expect(String(decoding: descriptor.body, as: UTF8.self).contains("storage_unavailable"))

            let dated = PeerAnswer(
                try await harness.client.request(
                    .GET,
                    path: "/retry-after-date",
                    to: harness.endpoint,
                    idempotent: true
                )
            )
            #expect(dated.status == 429)
            let seconds = try #require(dated.retryAfterSeconds)
            #expect(seconds >= 55 && seconds <= 61)

            let impostor = PeerEndpoint(
                name: "Arnhem?",
                oin: ClientTestPKI.arnhemOIN,
                host: "127.0.0.1",
                port: harness.server.port
            )
            let error = await clientError { _ = try await harness.client.getDescriptor(from: impostor) }
            #expect((error?.cause as? HubNodeError)?.code == .unexpectedOIN)
        }
    }
}
