extension NodeConfiguration {
    /// The node's certificates, keys and trust material (PROTOCOL.md §1, §2).
    ///
    /// Every path is absolute once loaded; relative paths in the file are
    /// resolved against the configuration file's folder. Every file named
    /// here must exist when the node starts.
    public struct TLS: Sendable, Hashable {
        /// PEM file: the node's certificate, optionally followed by
        /// intermediate CA certificates.
        ///
        /// Required; there is no default.
        public var certificate: String

        /// PEM file: the private key of `certificate`. Its mode must be 0600
        /// or stricter (no access for group or others).
        ///
        /// Required; there is no default.
        public var key: String

        /// PEM file: a separate EC P-256 signing certificate with the same
        /// OIN, needed only when the TLS certificate is RSA (PROTOCOL.md §1).
        /// Set together with `signingKey`.
        ///
        /// The default is nil: the TLS certificate also signs.
        public var signingCertificate: String?

        /// PEM file: the private key of `signingCertificate`, mode 0600 or
        /// stricter. Set together with `signingCertificate`.
        ///
        /// The default is nil.
        public var signingKey: String?

        /// PEM bundle of self-signed root CAs that authenticate nodes only
        /// (the federation bundle).
        ///
        /// Required; there is no default.
        public var federationCA: String

        /// PEM bundle of the municipality's own CA roots, which authenticate
        /// its case workers, researchers and operators (the local bundle).
        ///
        /// Required; there is no default.
        public var localCA: String

        /// PEM files holding CRLs for the CAs of either bundle.
        ///
        /// The default is empty: no revocation lists.
        public var crls: [String]

        /// Makes a TLS configuration.
        public init(
            certificate: String,
            key: String,
            signingCertificate: String? = nil,
            signingKey: String? = nil,
            federationCA: String,
            localCA: String,
            crls: [String] = []
        ) {
            self.certificate = certificate
            self.key = key
            self.signingCertificate = signingCertificate
            self.signingKey = signingKey
            self.federationCA = federationCA
            self.localCA = localCA
            self.crls = crls
        }
    }
}
