/// The role a certificate grants, from its SAN URI `urn:hub:role:<role>` (PROTOCOL §1).
public enum Role: String, Sendable, CaseIterable, Hashable {
    /// A hub node (federation bundle); the only role a node certificate may carry.
    case node
    /// A municipality caseworker (local bundle).
    case caseworker
    /// A researcher running statistics (local bundle).
    case researcher
    /// The municipality's IT operator (local bundle).
    case `operator`

    /// The SAN URI prefix that marks a role.
    public static let uriPrefix = "urn:hub:role:"

    /// The SAN URI naming this role, `urn:hub:role:<role>`.
    public var uri: String { Self.uriPrefix + rawValue }
}
