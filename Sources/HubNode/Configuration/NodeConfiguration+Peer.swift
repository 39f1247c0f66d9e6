extension NodeConfiguration {
    /// Another node of the federation (PROTOCOL.md §1): a client
    /// authenticated through the federation bundle is a node if and only if
    /// its OIN is one of the configured peers.
    public struct Peer: Sendable, Hashable {
        /// The peer's display name, e.g. `Gemeente Zwolle`; distinct among peers.
        ///
        /// Required; there is no default.
        public var name: String

        /// The peer's OIN (20 digits); distinct among peers and not this
        /// node's own.
        ///
        /// Required; there is no default.
        public var oin: String

        /// Where to reach the peer: an `https://` URL with a host and an
        /// optional port (443 when absent).
        ///
        /// Required; there is no default.
        public var endpoint: Endpoint

        /// Makes a peer.
        public init(name: String, oin: String, endpoint: Endpoint) {
            self.name = name
            self.oin = oin
            self.endpoint = endpoint
        }
    }
}
