/// What goes into an end-entity certificate a ``CertificateAuthority`` issues.
///
/// Every issued end-entity certificate also gets basicConstraints `CA:FALSE`
/// (critical), keyUsage `digitalSignature` (critical), subjectKeyIdentifier and
/// authorityKeyIdentifier.
public struct CertificateProfile: Sendable {
    /// An extendedKeyUsage purpose.
    public enum ExtendedKeyUsage: String, Sendable, Hashable {
        /// TLS server (`id-kp-serverAuth`).
        case serverAuth
        /// TLS client (`id-kp-clientAuth`).
        case clientAuth
    }

    /// The subject name.
    public var subject: CertificateSubject
    /// dNSName SANs (ASCII; a leftmost `*.` label is allowed).
    public var dnsNames: [String]
    /// iPAddress SANs, as IPv4 or IPv6 text.
    public var ipAddresses: [String]
    /// uniformResourceIdentifier SANs, e.g. `urn:hub:role:caseworker`.
    public var uris: [String]
    /// extendedKeyUsage purposes; none leaves the extension out.
    public var extendedKeyUsage: [ExtendedKeyUsage]
    /// Start of validity, Unix seconds. The default (nil) is one hour before issuing.
    public var notBefore: Int64?
    /// End of validity, Unix seconds.
    public var notAfter: Int64

    /// Makes a profile from its parts.
    public init(
        subject: CertificateSubject,
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        uris: [String] = [],
        extendedKeyUsage: [ExtendedKeyUsage] = [.serverAuth, .clientAuth],
        notBefore: Int64? = nil,
        notAfter: Int64
    ) {
        self.subject = subject
        self.dnsNames = dnsNames
        self.ipAddresses = ipAddresses
        self.uris = uris
        self.extendedKeyUsage = extendedKeyUsage
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// A node certificate (PROTOCOL §1): `CN` = display name, `O`, `serialNumber` =
    /// OIN, SAN DNS names and IP addresses of the host it serves on, TLS server and
    /// client use. `uris` is empty by default (no role marker); tests may put
    /// `urn:hub:role:node` or illegal roles there.
    public static func node(
        oin: String,
        displayName: String,
        organization: String? = nil,
        dnsNames: [String],
        ipAddresses: [String] = [],
        uris: [String] = [],
        notBefore: Int64? = nil,
        notAfter: Int64
    ) -> CertificateProfile {
        CertificateProfile(
            subject: CertificateSubject(
                commonName: displayName,
                organization: organization ?? displayName,
                serialNumber: oin
            ),
            dnsNames: dnsNames,
            ipAddresses: ipAddresses,
            uris: uris,
            extendedKeyUsage: [.serverAuth, .clientAuth],
            notBefore: notBefore,
            notAfter: notAfter
        )
    }

    /// A person's or tool's certificate from the local CA (PROTOCOL §1): `CN` =
    /// the stable audit name, `serialNumber` = the node's OIN, SAN URI
    /// `urn:hub:role:<role>`, TLS client use only.
    public static func person(
        commonName: String,
        nodeOIN: String,
        role: Role,
        organization: String? = nil,
        notBefore: Int64? = nil,
        notAfter: Int64
    ) -> CertificateProfile {
        CertificateProfile(
            subject: CertificateSubject(commonName: commonName, organization: organization, serialNumber: nodeOIN),
            uris: [role.uri],
            extendedKeyUsage: [.clientAuth],
            notBefore: notBefore,
            notAfter: notAfter
        )
    }
}
