extension NodeConfiguration {
    /// Log level and format. Logs never hold a citizen's personal data.
    public struct Logging: Sendable, Hashable {
        /// The lowest level logged, as swift-log names them.
        public enum Level: String, Sendable, Hashable, CaseIterable {
            /// Everything, for tracing a problem.
            case trace
            /// Diagnostic detail.
            case debug
            /// Normal operation.
            case info
            /// Notable but normal events.
            case notice
            /// Something unexpected that the node handled.
            case warning
            /// Something failed.
            case error
            /// The node cannot go on.
            case critical
        }

        /// How log lines are written.
        public enum Format: String, Sendable, Hashable, CaseIterable {
            /// Human-readable lines.
            case text
            /// One JSON object per line.
            case json
        }

        /// The lowest level logged.
        ///
        /// The default is ``Level/info``.
        public var level = Level.info

        /// How log lines are written.
        ///
        /// The default is ``Format/text``.
        public var format = Format.text

        /// Makes a logging configuration with every default.
        public init() {}
    }
}
