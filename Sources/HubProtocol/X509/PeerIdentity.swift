/// Who a verified peer certificate says it is, after its bundle's rules (PROTOCOL §1).
public struct PeerIdentity: Sendable, Hashable {
    /// Which of the node's two trust stores authenticated the peer.
    public enum Bundle: String, Sendable, Hashable {
        /// The federation bundle: the peer is a node.
        case federation
        /// The local bundle: the peer is one of the municipality's own people or tools.
        case local
    }

    /// The bundle the certificate chained to.
    public let bundle: Bundle
    /// For a node, its own OIN; for a local person, the node's OIN it carries.
    public let oin: String
    /// ``Role/node`` for a federation peer; the person's role for a local one.
    public let role: Role
    /// The subject CN: a node's display name (may be absent), a person's audit name (always present).
    public let commonName: String?
    /// SHA-256 of the certificate's SubjectPublicKeyInfo.
    public let spkiSHA256: [UInt8]
}
