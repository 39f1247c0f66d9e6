/// A configured peer: where to reach it and who must answer (PROTOCOL §1).
public struct PeerEndpoint: Sendable, Hashable {
    /// The display name, e.g. `Gemeente Zwolle`.
    public var name: String
    /// The OIN the peer's certificates must carry.
    public var oin: String
    /// The host to dial; also the name its certificate must match.
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Makes an endpoint.
    public init(name: String, oin: String, host: String, port: Int) {
        self.name = name
        self.oin = oin
        self.host = host
        self.port = port
    }

    /// Parses `https://host:port` (brackets around an IPv6 literal).
    public init?(name: String, oin: String, url: String) {
        guard url.hasPrefix("https://") else { return nil }
        var rest = Substring(url.dropFirst("https://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("@"), !rest.contains("?") else { return nil }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { return nil }
        let port = portText.map { Int($0) } ?? 443
        guard let port, (1...65_535).contains(port) else { return nil }
        self.init(name: name, oin: oin, host: String(host), port: port)
    }

    /// `https://host:port`.
    public var url: String { host.contains(":") ? "https://[\(host)]:\(port)" : "https://\(host):\(port)" }
}

/// An HTTP answer from a peer, as delivery needs it.
public struct PeerAnswer: Sendable {
    /// The status code.
    public var status: Int
    /// `Retry-After` in seconds, when given.
    public var retryAfterSeconds: Double?
    /// The body.
    public var body: [UInt8]

    /// Makes an answer.
    public init(status: Int, retryAfterSeconds: Double? = nil, body: [UInt8]) {
        self.status = status
        self.retryAfterSeconds = retryAfterSeconds
        self.body = body
    }
}

/// How delivery talks to peers: the real client is mutual TLS over NIO; tests
/// may substitute their own.
public protocol PeerTransport: Sendable {
    /// `POST /v1/messages` with `{"messages":[…]}`.
    func postMessages(_ body: [UInt8], to peer: PeerEndpoint) async throws -> PeerAnswer
    /// `GET /v1/descriptor`.
    func getDescriptor(from peer: PeerEndpoint) async throws -> PeerAnswer
}
