extension NodeConfiguration {
    /// The Prometheus `/metrics` listener (plain HTTP: keep it on a private
    /// address).
    public struct Metrics: Sendable, Hashable {
        /// Whether the metrics listener runs.
        ///
        /// The default is true.
        public var enabled = true

        /// The address to bind.
        ///
        /// The default is `127.0.0.1`.
        public var address = "127.0.0.1"

        /// The TCP port to bind; 0 lets the operating system choose.
        ///
        /// The default is 9464.
        public var port = 9464

        /// Makes a metrics configuration with every default.
        public init() {}
    }
}
