internal import COpenSSL

/// Why a peer's certificate was refused during a handshake, in a few kinds an
/// operator can act on (the metrics label `reason` of
/// `hub_tls_handshake_failures_total`).
public enum PeerCertificateFailure: String, Sendable, Hashable, CaseIterable {
    /// The client sent no certificate.
    case missing
    /// The chain does not lead to a trusted root (unknown or self-signed CA).
    case untrusted
    /// A certificate of the chain is on its issuer's CRL.
    case revoked
    /// A certificate of the chain is past its `notAfter`.
    case expired
    /// A certificate of the chain is before its `notBefore`.
    case notYetValid = "not_yet_valid"
    /// A CRL needed for the chain is missing, expired, not yet valid or badly signed.
    case crlUnavailable = "crl_unavailable"
    /// Anything else: a bad signature, a usage or strict-X.509 violation, a name mismatch.
    case invalid

    /// The kind for an OpenSSL `X509_V_ERR_*` verify result (not `X509_V_OK`).
    init(verifyResult: Int) {
        switch Int32(truncatingIfNeeded: verifyResult) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED, X509_V_ERR_CERT_REJECTED:
            self = .untrusted
        case X509_V_ERR_CERT_REVOKED:
            self = .revoked
        case X509_V_ERR_CERT_HAS_EXPIRED:
            self = .expired
        case X509_V_ERR_CERT_NOT_YET_VALID:
            self = .notYetValid
        case X509_V_ERR_UNABLE_TO_GET_CRL, X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER, X509_V_ERR_CRL_HAS_EXPIRED,
            X509_V_ERR_CRL_NOT_YET_VALID, X509_V_ERR_CRL_SIGNATURE_FAILURE, X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE,
            X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD, X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD,
            X509_V_ERR_DIFFERENT_CRL_SCOPE, X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
            self = .crlUnavailable
        default:
            self = .invalid
        }
    }
}
