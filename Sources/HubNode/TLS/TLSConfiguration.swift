/// What a `TLSContext` is built from: the node's own certificate and key, the
/// trust anchors for its peers, and the CRLs that revoke certificates.
///
/// The TLS policy itself (TLS 1.3 only, no tickets, no resumption, no 0-RTT,
/// ALPN `http/1.1`, client certificates required by servers) is fixed by
/// PROTOCOL.md §2 and not configurable.
///
/// Revocation: when `crls` is not empty, every certificate of every peer chain
/// is checked against a CRL from its issuer (OpenSSL's `CRL_CHECK` and
/// `CRL_CHECK_ALL`). A CA without a CRL then fails every chain through it
/// ("unable to get certificate CRL"): the check fails closed. So that an
/// operator learns this at start rather than at each handshake, building a
/// context throws when CRL checking is on and one of the roots in its trust
/// store has no CRL signed by it (PROTOCOL.md §1: when any root has a CRL,
/// every root should). CRLs of intermediate CAs cannot be checked before a
/// peer presents its chain. A CRL past its `nextUpdate` is still used (so
/// revoked certificates stay refused) for `TLSContext.crlGracePeriodSeconds`
/// (24 hours, PROTOCOL.md §1); after that every chain it covers fails.
public struct TLSConfiguration: Sendable, Hashable {
    /// Where PEM text comes from.
    public enum PEMSource: Sendable, Hashable {
        /// A file path, read when the context is built.
        case file(String)
        /// PEM text already in memory.
        case pem(String)
    }

    /// The node's own certificate chain: the leaf first, then any intermediates
    /// (the root may be left out).
    public var certificateChain: PEMSource
    /// The private key of the leaf certificate (PEM, unencrypted).
    public var privateKey: PEMSource
    /// The federation bundle: self-signed roots that authenticate nodes. A
    /// server trusts it for clients; a client trusts only it for servers.
    public var federationRoots: PEMSource
    /// The local bundle: the municipality's own self-signed root(s) that
    /// authenticate its people and tools. Only servers trust it. The default
    /// is `nil` (no local clients).
    public var localRoots: PEMSource?
    /// CRLs (PEM, one or more per source). The default is empty: no revocation
    /// checking. See the type's documentation for what turning it on requires.
    public var crls: [PEMSource]
    /// How long a handshake may take before the connection is closed. The
    /// default is 10 seconds (PROTOCOL.md §2).
    public var handshakeTimeout: Duration

    /// Makes a configuration.
    public init(
        certificateChain: PEMSource,
        privateKey: PEMSource,
        federationRoots: PEMSource,
        localRoots: PEMSource? = nil,
        crls: [PEMSource] = [],
        handshakeTimeout: Duration = .seconds(10)
    ) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.federationRoots = federationRoots
        self.localRoots = localRoots
        self.crls = crls
        self.handshakeTimeout = handshakeTimeout
    }
}
