extension NodeConfiguration {
    /// How the node delivers its outbox and signs what it sends
    /// (PROTOCOL.md §6, §7).
    public struct Delivery: Sendable, Hashable {
        /// The first retry delay, in seconds, of the exponential backoff with
        /// full jitter.
        ///
        /// The default is 1.
        public var backoffInitialSeconds = 1

        /// The cap, in seconds, of the retry delay.
        ///
        /// The default is 900 (15 minutes).
        public var backoffMaxSeconds = 900

        /// Seconds a message may stay undelivered before it is parked.
        ///
        /// The default is 432000 (5 days).
        public var parkingAgeSeconds = 5 * 86_400

        /// Lifetime, in seconds, of the node descriptor this node signs; at
        /// most 604800 (7 days).
        ///
        /// The default is 86400 (1 day).
        public var descriptorLifetimeSeconds = 86_400

        /// `exp − iat`, in seconds, of the messages this node sends; at most
        /// 2592000 (30 days).
        ///
        /// The default is 604800 (7 days).
        public var messageLifetimeSeconds = 7 * 86_400

        /// Seconds to wait for a TCP connection and TLS handshake to a peer.
        ///
        /// The default is 10.
        public var connectTimeoutSeconds = 10

        /// Seconds to wait for a peer's complete response.
        ///
        /// The default is 30.
        public var requestTimeoutSeconds = 30

        /// The longest descriptor lifetime the protocol allows, in seconds.
        public static let maxDescriptorLifetimeSeconds = 7 * 86_400
        /// The longest message lifetime the protocol allows, in seconds.
        public static let maxMessageLifetimeSeconds = 30 * 86_400

        /// Makes a delivery configuration with every default.
        public init() {}
    }
}
