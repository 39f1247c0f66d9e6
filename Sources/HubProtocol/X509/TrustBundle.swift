internal import COpenSSL

extension HubProtocolError.Code {
    /// A certificate chain does not verify against a trust bundle (expired, not yet
    /// valid, revoked, unknown issuer, bad signature, CRL expired…), or a bundle is
    /// configured wrongly.
    public static let untrustedCertificate = Self("untrusted_certificate")
}

/// A set of self-signed root CAs and the CRLs configured for them and their
/// intermediates: one of a node's two trust stores (PROTOCOL §1).
///
/// Chains are verified by OpenSSL (`X509_verify_cert`) with
/// `X509_V_FLAG_X509_STRICT`, an explicit check time and no partial chains: the
/// chain must end at one of these roots. See ``verify(leaf:intermediates:at:crlGraceSeconds:purpose:)``
/// for how CRLs are used.
public struct TrustBundle: Sendable {
    /// What a chain is verified for; OpenSSL then also checks extendedKeyUsage.
    public enum Purpose: Sendable {
        /// Any use: no extendedKeyUsage requirement.
        case any
        /// A TLS client (`clientAuth`), as for a peer connecting to a listener.
        case tlsClient
        /// A TLS server (`serverAuth`), as for the node a client dialled.
        case tlsServer
    }

    /// The self-signed root CAs, without duplicates, in the order given.
    public let roots: [Certificate]
    /// The CRLs, in the order given. A CRL whose issuer is a root has had its
    /// signature checked against that root; the others are for intermediates and
    /// are checked when a chain goes through their issuer.
    public let crls: [CRL]
    let store: TrustStore

    /// Makes a bundle; refuses an empty bundle, a root that is not a self-signed
    /// CA certificate, and a CRL that names a root as issuer but is not signed
    /// by it.
    public init(roots: [Certificate], crls: [CRL] = []) throws {
        guard !roots.isEmpty else {
            throw HubProtocolError(.untrustedCertificate, "a trust bundle needs at least one root CA certificate")
        }
        var unique: [Certificate] = []
        for (index, root) in roots.enumerated() {
            guard root.isSelfSigned else {
                throw HubProtocolError(
                    .untrustedCertificate,
                    "bundle certificate \(index + 1) (\(root.subjectDN)) is not self-signed; a trust bundle holds root CAs only"
                )
            }
            guard root.isCA else {
                throw HubProtocolError(
                    .untrustedCertificate,
                    "bundle certificate \(index + 1) (\(root.subjectDN)) is not a CA certificate (basicConstraints CA:TRUE)"
                )
            }
            if !unique.contains(root) { unique.append(root) }
        }
        for (index, crl) in crls.enumerated() {
            let namedRoots = unique.filter { crl.names($0) }
            if !namedRoots.isEmpty && !namedRoots.contains(where: { crl.isSigned(by: $0) }) {
                throw HubProtocolError(
                    .untrustedCertificate,
                    "CRL \(index + 1) names \(crl.issuerDN) as issuer but its signature does not verify with that root's key"
                )
            }
        }
        self.roots = unique
        self.crls = crls
        self.store = try TrustStore(roots: unique, crls: crls)
    }

    /// Loads a bundle from PEM: one or more root certificates, and zero or more CRLs (one PEM text each).
    public init(rootsPEM: String, crlPEMs: [String] = []) throws {
        try self.init(roots: Certificate.loadPEMBundle(rootsPEM), crls: crlPEMs.map { try CRL(pem: $0) })
    }

    /// The roots for which no CRL is configured. PROTOCOL §1: when any root has a
    /// CRL, every root should; a non-empty answer while ``crls`` is not empty is
    /// worth an operator warning at load.
    public var rootsWithoutCRL: [Certificate] {
        roots.filter { root in !crls.contains { $0.names(root) } }
    }

    /// The CRLs past their `nextUpdate` at `time` (each one an operator alert;
    /// they fail closed `crlGraceSeconds` later).
    public func staleCRLs(at time: Int64) -> [CRL] {
        crls.filter { crl in crl.nextUpdate.map { time > $0 } ?? false }
    }

    /// Whether `certificate` is one of the roots.
    public func contains(_ certificate: Certificate) -> Bool {
        roots.contains(certificate)
    }
}

/// The OpenSSL `X509_STORE` behind a ``TrustBundle``: the roots and CRLs, read-only
/// after init (OpenSSL locks its own lookups, so verifications may share it).
final class TrustStore: @unchecked Sendable {
    let store: OpaquePointer

    init(roots: [Certificate], crls: [CRL]) throws {
        let store = try OpenSSL.make("X509_STORE_new") { X509_STORE_new() }
        self.store = store
        for root in roots {
            // X509_STORE_add_cert takes its own reference.
            try OpenSSL.check("adding a root to the store") { X509_STORE_add_cert(store, root.x509) }
        }
        for crl in crls {
            try OpenSSL.check("adding a CRL to the store") { X509_STORE_add_crl(store, crl.crl) }
        }
    }

    deinit { X509_STORE_free(store) }
}
