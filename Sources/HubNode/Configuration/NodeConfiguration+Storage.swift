extension NodeConfiguration {
    /// Where the node keeps its state. Every path is absolute once loaded.
    ///
    /// These files and folders may not exist yet: the node creates them at
    /// first start. Their parent folders must exist, and a secret that does
    /// exist must not be accessible by group or others.
    public struct Storage: Sendable, Hashable {
        /// SQLite's `synchronous` setting for the database.
        public enum Synchronous: String, Sendable, Hashable, CaseIterable {
            /// Sync at every commit: nothing acknowledged is lost on power failure.
            case full
            /// Sync at WAL checkpoints only: faster, but a power failure may
            /// lose the last commits, including messages already acknowledged.
            case normal
        }

        /// The SQLite database file.
        ///
        /// The default is `hub.sqlite` in the configuration file's folder.
        public var database: String

        /// SQLite's `synchronous` setting.
        ///
        /// The default is ``Synchronous/full``.
        public var synchronous: Synchronous

        /// The file the daily signed audit checkpoints are appended to, one
        /// compact JWS a line (PROTOCOL.md §12). Keep it outside the
        /// database's backups.
        ///
        /// The default is `audit-checkpoints.jwsl` in the configuration
        /// file's folder.
        public var auditCheckpoints: String

        /// The file holding the pseudonym HMAC key (PROTOCOL.md §8); created
        /// with mode 0600 at first start when missing.
        ///
        /// The default is `pseudonym.key` in the configuration file's folder.
        public var pseudonymKey: String

        /// The folder holding the node's sealing (encryption) keys, current
        /// and retired (PROTOCOL.md §7); created with mode 0700 when missing.
        ///
        /// The default is `enc-keys` in the configuration file's folder.
        public var encryptionKeys: String

        /// The default database file name.
        public static let defaultDatabase = "hub.sqlite"
        /// The default audit checkpoint file name.
        public static let defaultAuditCheckpoints = "audit-checkpoints.jwsl"
        /// The default pseudonym key file name.
        public static let defaultPseudonymKey = "pseudonym.key"
        /// The default encryption key folder name.
        public static let defaultEncryptionKeys = "enc-keys"

        /// Makes a storage configuration whose defaulted paths lie in
        /// `directory` (the configuration file's folder).
        public init(
            directory: String,
            database: String? = nil,
            synchronous: Synchronous = .full,
            auditCheckpoints: String? = nil,
            pseudonymKey: String? = nil,
            encryptionKeys: String? = nil
        ) {
            func inDirectory(_ name: String) -> String {
                directory.hasSuffix("/") ? directory + name : directory + "/" + name
            }
            self.database = database ?? inDirectory(Self.defaultDatabase)
            self.synchronous = synchronous
            self.auditCheckpoints = auditCheckpoints ?? inDirectory(Self.defaultAuditCheckpoints)
            self.pseudonymKey = pseudonymKey ?? inDirectory(Self.defaultPseudonymKey)
            self.encryptionKeys = encryptionKeys ?? inDirectory(Self.defaultEncryptionKeys)
        }
    }
}
