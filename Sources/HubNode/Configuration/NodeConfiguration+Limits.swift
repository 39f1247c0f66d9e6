extension NodeConfiguration {
    /// DoS limits and per-peer quotas; the defaults are PROTOCOL.md's
    /// (§2, §3, §6).
    public struct Limits: Sendable, Hashable {
        /// The largest request body accepted, in bytes; a larger one gets `413`.
        ///
        /// The default is 8388608 (8 MiB).
        public var maxBodyBytes = 8 << 20

        /// The largest request header block accepted, in bytes; a larger one
        /// gets `431`.
        ///
        /// The default is 16384 (16 KiB).
        public var maxHeaderBytes = 16 << 10

        /// Seconds an idle keep-alive connection stays open.
        ///
        /// The default is 60.
        public var idleTimeoutSeconds = 60

        /// Seconds a request may take to arrive completely before it gets `408`.
        ///
        /// The default is 30.
        public var requestTimeoutSeconds = 30

        /// Seconds a TLS handshake may take.
        ///
        /// The default is 10.
        public var handshakeTimeoutSeconds = 10

        /// Handshakes in progress allowed per source address; the next
        /// connection is closed unread.
        ///
        /// The default is 32.
        public var maxHandshakesPerAddress = 32

        /// Connections allowed per federation OIN and per local certificate;
        /// the excess one gets `429 too_many_connections`.
        ///
        /// The default is 8.
        public var maxConnectionsPerIdentity = 8

        /// Messages accepted per peer per calendar day (Europe/Amsterdam);
        /// more get `429` with `Retry-After`.
        ///
        /// The default is 100000.
        public var dailyMessageQuota = 100_000

        /// Bytes of messages stored per peer; more get `429`.
        ///
        /// The default is 1073741824 (1 GiB).
        public var storedBytesQuota = 1 << 30

        /// The most messages this node puts in one batch it sends; at most
        /// 100, the protocol's limit.
        ///
        /// The default is 100.
        public var maxBatchMessages = 100

        /// The most bytes of messages this node puts in one batch it sends.
        ///
        /// The default is 4194304 (4 MiB).
        public var maxBatchBytes = 4 << 20

        /// Makes limits with every default.
        public init() {}
    }
}
