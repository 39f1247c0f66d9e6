/// A chain that verified against a ``TrustBundle``.
public struct VerifiedChain: Sendable {
    /// The certificates from the leaf (first) to the root of the bundle (last).
    public let chain: [Certificate]
    /// A CRL used for this chain was past its `nextUpdate` but within the grace
    /// period: the chain is accepted (its revoked list was still enforced), and
    /// the operator should be alerted to refresh the CRL.
    public let staleCRL: Bool
    /// Whether every certificate below the root was checked against a CRL of its
    /// issuer. False when the bundle has no CRLs or a CA in the chain has none.
    public let revocationChecked: Bool

    /// The certificate that was verified.
    public var leaf: Certificate { chain[0] }
    /// The root CA of the bundle the chain ends at.
    public var root: Certificate { chain[chain.count - 1] }
}
