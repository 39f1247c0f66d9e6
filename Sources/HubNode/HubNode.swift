import HubProtocol

/// The node library: everything `hub-node` runs.
public enum HubNodeInfo {
    /// The protocol version this node speaks.
    public static let protocolVersion = 1
}
