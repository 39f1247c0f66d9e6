/// Where `HubHTTPClient` sends a request, and who must answer there.
///
/// Connections are pooled per endpoint: two endpoints that differ only in
/// `expectedOIN` never share a connection.
public struct ClientEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The DNS name or IP literal to dial; the server certificate must name it
    /// (SAN DNS name or IP address), and a DNS name is sent as SNI.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// The OIN the server certificate must carry, or `nil` to accept any
    /// certificate that verifies against the federation bundle (never for
    /// node-to-node traffic).
    public var expectedOIN: String?

    /// Makes an endpoint.
    public init(host: String, port: Int, expectedOIN: String?) {
        self.host = host
        self.port = port
        self.expectedOIN = expectedOIN
    }

    /// `host:port`, with brackets around an IPv6 literal: the `Host` header
    /// and the name in error messages.
    public var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { authority }
}
