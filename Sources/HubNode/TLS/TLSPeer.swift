/// The trust bundle a verified peer chain ends in (PROTOCOL.md §1).
public enum TLSTrustBundle: Sendable, Hashable {
    /// The federation bundle: the peer may be a node.
    case federation
    /// The node's local bundle: the peer may be one of its own people or tools.
    case local
}

/// What the TLS layer verified about the other end of a connection.
///
/// The chain has passed OpenSSL's verification against the context's trust
/// store (and CRLs, when configured); everything else here is read from it.
/// Whether the peer is allowed to do anything is the node's decision: a
/// federation peer must have a configured OIN, a local one exactly one role
/// URI and the node's own OIN.
public struct TLSPeer: Sendable, Hashable {
    /// The verified chain as DER, leaf first, the trusted root last.
    public var chain: [[UInt8]]
    /// The leaf's subject `serialNumber` (the OIN), or `nil` when it has none
    /// or more than one.
    public var oin: String?
    /// The leaf's subject `CN`, or `nil` when it has none or more than one.
    public var commonName: String?
    /// The leaf's SAN URIs, in certificate order (for example `urn:hub:role:caseworker`).
    public var uris: [String]
    /// The leaf's SAN DNS names, in certificate order.
    public var dnsNames: [String]
    /// SHA-256 of the leaf's DER SubjectPublicKeyInfo.
    public var spkiSHA256: [UInt8]
    /// SHA-256 of the DER of the root the chain ends in.
    public var rootSHA256: [UInt8]
    /// The bundle that root belongs to.
    public var trustBundle: TLSTrustBundle

    /// Makes a peer description; the TLS handler builds these after a handshake.
    public init(
        chain: [[UInt8]],
        oin: String?,
        commonName: String?,
        uris: [String],
        dnsNames: [String],
        spkiSHA256: [UInt8],
        rootSHA256: [UInt8],
        trustBundle: TLSTrustBundle
    ) {
        self.chain = chain
        self.oin = oin
        self.commonName = commonName
        self.uris = uris
        self.dnsNames = dnsNames
        self.spkiSHA256 = spkiSHA256
        self.rootSHA256 = rootSHA256
        self.trustBundle = trustBundle
    }
}

/// The inbound user event the TLS handler fires once the handshake has
/// completed and every check passed; application data follows it.
public struct TLSHandshakeCompleted: Sendable, Hashable {
    /// The verified peer.
    public var peer: TLSPeer
    /// The ALPN protocol both ends agreed on (`http/1.1`), or `nil` when the
    /// client offered none.
    public var negotiatedProtocol: String?

    /// Makes the event.
    public init(peer: TLSPeer, negotiatedProtocol: String?) {
        self.peer = peer
        self.negotiatedProtocol = negotiatedProtocol
    }
}
