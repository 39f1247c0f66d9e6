extension NodeConfiguration {
    /// Where the node listens for peers and its own people (mutual TLS on
    /// every connection, PROTOCOL.md §2).
    public struct Listen: Sendable, Hashable {
        /// The address to bind: an IPv4 or IPv6 address (`0.0.0.0` and `::`
        /// bind every interface) or a host name.
        ///
        /// The default is `127.0.0.1`.
        public var address: String

        /// The TCP port to bind; 0 lets the operating system choose (tests),
        /// and the node logs the port it got.
        ///
        /// The default is 8443.
        public var port: Int

        /// The `https://` URL peers use to reach this node, as they configure
        /// it in their `peers` list; its host must be a SAN of the node's
        /// certificate. It may differ from `address`/`port` behind NAT.
        ///
        /// Required; there is no default.
        public var publicEndpoint: Endpoint

        /// The default bind address.
        public static let defaultAddress = "127.0.0.1"
        /// The default port.
        public static let defaultPort = 8443

        /// Makes a listener configuration.
        public init(
            address: String = Listen.defaultAddress,
            port: Int = Listen.defaultPort,
            publicEndpoint: Endpoint
        ) {
            self.address = address
            self.port = port
            self.publicEndpoint = publicEndpoint
        }
    }
}
