import HubNode
import NIOCore
import NIOPosix

/// One event loop thread, a `TestHTTPServer` (Zwolle) and a `HubHTTPClient`
/// (Arnhem) on it, for one test; `run` stops all three whatever happens.
struct ClientHarness {
    let group: MultiThreadedEventLoopGroup
    let server: TestHTTPServer
    let client: HubHTTPClient

    /// The server, dialled as 127.0.0.1 and expected to be Zwolle.
    var endpoint: ClientEndpoint {
        ClientEndpoint(host: "127.0.0.1", port: server.port, expectedOIN: ClientTestPKI.zwolleOIN)
    }

    /// Starts everything, runs `body`, then shuts the client, the server and
    /// the event loop group down.
    /// Defaults with room for a loaded CI machine; tests of the timeouts pass their own.
    static var generous: HubHTTPClientConfiguration {
        var configuration = HubHTTPClientConfiguration()
        configuration.connectTimeout = .seconds(60)
        configuration.requestTimeout = .seconds(120)
        return configuration
    }

    static func run(
        serverIdentity: ClientTestPKI.Identity = ClientTestPKI.shared.zwolle,
        configuration: HubHTTPClientConfiguration = generous,
        _ body: (ClientHarness) async throws -> Void
    ) async throws {
        let pki = ClientTestPKI.shared
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var server: TestHTTPServer?
        var client: HubHTTPClient?
        do {
            server = try await TestHTTPServer.start(group: group, context: try pki.context(.server, serverIdentity))
            client = try HubHTTPClient(
                tlsContext: try pki.context(.client, pki.arnhemA),
                configuration: configuration,
                eventLoopGroup: group
            )
            try await body(ClientHarness(group: group, server: server!, client: client!))
        } catch {
            try? await client?.shutdown()
            await server?.stop()
            try? await group.shutdownGracefully()
            throw error
        }
        try await client?.shutdown()
        await server?.stop()
        try await group.shutdownGracefully()
    }

    /// Waits until the client's pool for `endpoint` satisfies `condition`.
    func waitForPool(
        _ condition: (ConnectionPoolStatistics) -> Bool
    ) async throws -> ConnectionPoolStatistics {
        let endpoint = endpoint
        return try await poll {
            client.poolStatistics(for: endpoint)
        } until: {
            condition($0)
        }
    }
}

/// The client error `body` throws, or `nil` when it throws none (or another error).
func clientError(_ body: () async throws -> Void) async -> HubNodeError? {
    do {
        try await body()
        return nil
    } catch let error as HubNodeError where error.detail == .client {
        return error
    } catch {
        return nil
    }
}
