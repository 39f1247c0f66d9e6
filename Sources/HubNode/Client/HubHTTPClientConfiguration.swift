/// Limits and timeouts of a `HubHTTPClient`.
///
/// The defaults fit a peer node running with PROTOCOL.md's defaults: at most
/// 8 connections per client OIN, idle connections closed by the server after
/// 60 s, requests that take over 30 s answered with `408`.
public struct HubHTTPClientConfiguration: Sendable, Hashable {
    /// The most idle (keep-alive) connections kept per endpoint; a connection
    /// released when this many are idle is closed. The default is 4.
    public var maximumIdleConnectionsPerEndpoint: Int
    /// The most connections open per endpoint at once, idle ones included;
    /// requests beyond it wait for a connection. The default is 8, the
    /// server's per-OIN connection limit (PROTOCOL.md §2).
    public var maximumConnectionsPerEndpoint: Int
    /// How long a connection may stay idle in the pool before it is closed.
    /// The default is 50 seconds: below the server's 60 s idle timeout, so the
    /// client, not the server, usually ends an idle connection.
    public var idleTimeout: Duration
    /// How long the TCP connect and TLS handshake of a new connection may
    /// take. The default is 10 seconds.
    public var connectTimeout: Duration
    /// How long a request may take, from the call until its response is
    /// complete (waiting for a connection and connecting included), unless the
    /// call gives its own. The default is 30 seconds.
    public var requestTimeout: Duration
    /// The largest response body accepted; a larger one fails with
    /// `.responseTooLarge` and its connection is closed. The default is
    /// 16 MiB.
    public var maximumResponseBodyBytes: Int

    /// Makes a configuration; every argument has the documented default.
    public init(
        maximumIdleConnectionsPerEndpoint: Int = 4,
        maximumConnectionsPerEndpoint: Int = 8,
        idleTimeout: Duration = .seconds(50),
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(30),
        maximumResponseBodyBytes: Int = 16 * 1024 * 1024
    ) {
        self.maximumIdleConnectionsPerEndpoint = maximumIdleConnectionsPerEndpoint
        self.maximumConnectionsPerEndpoint = maximumConnectionsPerEndpoint
        self.idleTimeout = idleTimeout
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maximumResponseBodyBytes = maximumResponseBodyBytes
    }
}
