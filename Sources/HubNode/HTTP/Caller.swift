public import HubProtocol

/// Who is on the other end of a connection, decided once per connection from
/// the verified TLS chain and the node's rules (PROTOCOL §1).
public enum Caller: Sendable, Hashable, CustomStringConvertible {
    /// A node whose OIN is a configured peer.
    case peer(oin: String)
    /// A node certificate from the federation bundle whose OIN is not a peer: `403 unknown_peer`.
    case unknownPeer(oin: String)
    /// One of the municipality's own people or tools.
    case person(role: Role, commonName: String)
    /// A certificate that chains but breaks its bundle's rules: `403 certificate_not_allowed`.
    case notAllowed(reason: String)

    public var description: String {
        switch self {
        case .peer(let oin): "peer \(oin)"
        case .unknownPeer(let oin): "unknown peer \(oin)"
        case .person(let role, let cn): "\(role.rawValue) \(cn)"
        case .notAllowed: "certificate not allowed"
        }
    }

    /// The stable name audit entries use: a peer's OIN or a person's CN.
    public var auditName: String {
        switch self {
        case .peer(let oin), .unknownPeer(let oin): oin
        case .person(_, let cn): cn
        case .notAllowed: "unknown"
        }
    }

    /// The identity that per-identity connection limits count.
    var limitKey: String? {
        switch self {
        case .peer(let oin): "node:\(oin)"
        case .person(let role, let cn): "local:\(role.rawValue):\(cn)"
        case .unknownPeer, .notAllowed: nil
        }
    }
}

/// What a request handler knows about its connection.
public struct ConnectionInfo: Sendable {
    /// The caller.
    public var caller: Caller
    /// Over the per-identity connection limit: the first request gets `429 too_many_connections`.
    public var excess: Bool
    /// SHA-256 of the client certificate's public key.
    public var spkiSHA256: [UInt8]

    /// The connection of the current task (set by the child channel per connection).
    @TaskLocal public static var current: ConnectionInfo?
}
