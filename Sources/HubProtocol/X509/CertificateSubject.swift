/// The subject (or issuer) name of a certificate to issue.
///
/// Attributes are written in the order C, O, OU, serialNumber, CN; nil ones are
/// left out. Strings are UTF-8; `country` and `serialNumber` must fit a
/// PrintableString (OpenSSL refuses them otherwise).
public struct CertificateSubject: Sendable, Hashable {
    /// `CN`: a node's display name, a person's audit name, a CA's name.
    public var commonName: String?
    /// `O`: the organisation.
    public var organization: String?
    /// `OU`: the organisational unit.
    public var organizationalUnit: String?
    /// `serialNumber` (OID 2.5.4.5): a node's OIN, or for a person the node's OIN.
    public var serialNumber: String?
    /// `C`: two-letter country code.
    public var country: String?

    /// Makes a subject; every attribute is optional.
    public init(
        commonName: String? = nil,
        organization: String? = nil,
        organizationalUnit: String? = nil,
        serialNumber: String? = nil,
        country: String? = nil
    ) {
        self.commonName = commonName
        self.organization = organization
        self.organizationalUnit = organizationalUnit
        self.serialNumber = serialNumber
        self.country = country
    }
}
