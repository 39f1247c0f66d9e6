internal import GRDB
public import HubProtocol

/// Peers' signed descriptors (PROTOCOL §7): fetched, verified and kept until
/// their `exp`, in the database so a restart needs no refetch.
public final class DescriptorCache: Sendable {
    private let store: NodeStore
    private let transport: any PeerTransport
    private let clock: @Sendable () -> Int64

    /// Makes a cache.
    public init(store: NodeStore, transport: any PeerTransport, clock: @escaping @Sendable () -> Int64 = NodeClock.now)
    {
        self.store = store
        self.transport = transport
        self.clock = clock
    }

    /// The peer's current descriptor, fetched when none is cached or it expired.
    public func descriptor(for peer: PeerEndpoint, snapshot: NodeState.Snapshot) async throws -> DescriptorPayload {
        let now = clock()
        if let row = try await store.read({ db in try Descriptors.current(peer: peer.oin, now: now, in: db) }),
            let cached = try? Self.check(row.jws, peer: peer, verifier: snapshot.verifier, now: now)
        {
            return cached
        }
        return try await refresh(peer, snapshot: snapshot)
    }

    /// Fetches, verifies and stores the peer's descriptor now.
    @discardableResult
    public func refresh(_ peer: PeerEndpoint, snapshot: NodeState.Snapshot) async throws -> DescriptorPayload {
        let answer: PeerAnswer
        do {
            answer = try await transport.getDescriptor(from: peer)
        } catch {
            throw HubNodeError(
                .descriptorUnreachable,
                "cannot reach \(peer.url): \(error)",
                detail: .descriptor(),
                cause: error
            )
        }
        guard answer.status == 200 else {
            throw HubNodeError(
                .descriptorRefused,
                "GET /v1/descriptor was refused",
                detail: .descriptor(peerStatus: answer.status)
            )
        }
        guard let value = try? JSONParser.parse(answer.body), value.objectValue?.count == 1,
            let jws = value["descriptor"]?.stringValue
        else {
            throw HubNodeError(.descriptorMalformed, "the answer is not {\"descriptor\":\"…\"}", detail: .descriptor())
        }
        let now = clock()
        let payload = try Self.check(jws, peer: peer, verifier: snapshot.verifier, now: now)
        try await store.write { db in
            try Descriptors.save(DescriptorRow(peerOIN: peer.oin, jws: jws, fetchedAt: now, exp: payload.exp), in: db)
        }
        return payload
    }

    /// Verifies a descriptor JWS for `peer`: steps 1–5, its members, `iss` the
    /// configured OIN (the client already checked the TLS server's), lifetime.
    static func check(_ jws: String, peer: PeerEndpoint, verifier: JWSVerifier, now: Int64) throws -> DescriptorPayload
    {
        do {
            let verified = try verifier.verify(jws, typ: .descriptor, at: now)
            try JWSVerifier.requireMembers(verified.payload, typ: .descriptor)
            let payload = try verified.decode(DescriptorPayload.self)
            guard payload.iss == peer.oin, verified.signer.oin == peer.oin else {
                throw JWSFailure(.identityMismatch, "the descriptor's iss is not the configured OIN of \(peer.name)")
            }
            try JWSVerifier.checkTimes(
                iat: payload.iat,
                exp: payload.exp,
                typ: .descriptor,
                now: now,
                skew: verifier.skew
            )
            return payload
        } catch {
            throw HubNodeError(
                .descriptorInvalid,
                "the descriptor of \(peer.name) is not valid: \(error)",
                detail: .descriptor(),
                cause: error
            )
        }
    }
}
