import NIOHTTP1

extension HubHTTPClient: PeerTransport {
    /// `POST /v1/messages` to `peer`, whose certificate must carry `peer.oin`.
    ///
    /// Sent as idempotent: a batch that reaches the peer twice is answered
    /// with the same receipts, because receipts are idempotent by message
    /// hash (PROTOCOL.md §5). `Retry-After` is read with `RetryAfter`.
    public func postMessages(_ body: [UInt8], to peer: PeerEndpoint) async throws -> PeerAnswer {
        let response = try await request(
            .POST,
            path: "/v1/messages",
            headers: [("Accept", "application/json")],
            body: body,
            to: ClientEndpoint(peer),
            idempotent: true
        )
        return PeerAnswer(response)
    }

    /// `GET /v1/descriptor` from `peer`, whose certificate must carry `peer.oin`.
    public func getDescriptor(from peer: PeerEndpoint) async throws -> PeerAnswer {
        let response = try await request(
            .GET,
            path: "/v1/descriptor",
            headers: [("Accept", "application/json")],
            to: ClientEndpoint(peer),
            idempotent: true
        )
        return PeerAnswer(response)
    }
}

extension ClientEndpoint {
    /// The endpoint of a configured peer: its host and port, and its OIN as
    /// the one its certificate must carry.
    public init(_ peer: PeerEndpoint) {
        self.init(host: peer.host, port: peer.port, expectedOIN: peer.oin)
    }
}

extension PeerAnswer {
    /// The answer for a client response, with `Retry-After` read by `RetryAfter`.
    public init(_ response: ClientResponse) {
        self.init(
            status: response.status,
            retryAfterSeconds: response.header("Retry-After").flatMap { RetryAfter.seconds($0) },
            body: response.body
        )
    }
}
