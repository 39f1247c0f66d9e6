public import HubProtocol
internal import Synchronization

/// What the node currently trusts and who it talks to, swapped whole when
/// certificates, keys, CRLs or peers are reloaded (SIGHUP). Readers take a
/// snapshot and use it for one request or one batch.
public final class NodeState: Sendable {
    /// One consistent view.
    public struct Snapshot: Sendable {
        /// This node.
        public var identity: NodeIdentity
        /// Configured peers by OIN.
        public var peers: [String: PeerEndpoint]
        /// The federation bundle (nodes only).
        public var federation: TrustBundle
        /// The local bundle (this municipality's people and tools).
        public var local: TrustBundle
        /// Clock skew tolerated, in seconds.
        public var skew: Int64

        /// Makes a snapshot.
        public init(
            identity: NodeIdentity,
            peers: [PeerEndpoint],
            federation: TrustBundle,
            local: TrustBundle,
            skew: Int64 = 300
        ) {
            self.identity = identity
            self.peers = Dictionary(peers.map { ($0.oin, $0) }, uniquingKeysWith: { a, _ in a })
            self.federation = federation
            self.local = local
            self.skew = skew
        }

        /// The verifier for signed objects from peers.
        public var verifier: JWSVerifier {
            var v = JWSVerifier(federation: federation)
            v.skew = skew
            return v
        }
    }

    private let state: Mutex<Snapshot>

    /// Starts with `snapshot`.
    public init(_ snapshot: Snapshot) {
        state = Mutex(snapshot)
    }

    /// The current view.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Replaces the view (after a reload).
    public func replace(with snapshot: Snapshot) {
        state.withLock { $0 = snapshot }
    }
}
