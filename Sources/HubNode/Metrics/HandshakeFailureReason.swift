import NIOCore

/// Why a TLS handshake on the main listener did not complete: the fixed
/// values of the `reason` label of `hub_tls_handshake_failures_total`.
public enum HandshakeFailureReason: String, Sendable, Hashable, CaseIterable {
    /// The client sent no certificate.
    case noCertificate = "no_certificate"
    /// The client's chain does not lead to a trusted root.
    case untrusted
    /// The client's certificate is revoked.
    case revoked
    /// The client's certificate has expired.
    case expired
    /// The client's certificate is not valid yet.
    case notYetValid = "not_yet_valid"
    /// A CRL needed to check the client is missing or out of date.
    case crlUnavailable = "crl_unavailable"
    /// The client's certificate is refused for another reason (signature, usage, strict X.509).
    case invalidCertificate = "invalid_certificate"
    /// The client sent a TLS alert (it refused our certificate, or gave up).
    case alert
    /// The client closed or reset the connection before the handshake finished.
    case closed
    /// The handshake broke the protocol (version, cipher, malformed message).
    case `protocol`
    /// The handshake did not finish within the handshake timeout.
    case timeout
    /// The connection was refused unread: too many handshakes from its address.
    case rateLimited = "rate_limited"

    /// The reason for a failed handshake's error, or nil for an error that
    /// is not a handshake failure (the limiter counts its own refusals).
    public init?(_ error: any Error) {
        if let error = error as? HubNodeError, error.isTLS {
            self.init(error)
        } else if error is IOError {
            self = .closed
        } else {
            return nil
        }
    }

    /// The reason for an error of the TLS layer
    /// (``HubNodeError/Detail/tls(openSSLErrors:certificateFailure:)``).
    public init(_ error: HubNodeError) {
        if let failure = error.certificateFailure {
            switch failure {
            case .missing: self = .noCertificate
            case .untrusted: self = .untrusted
            case .revoked: self = .revoked
            case .expired: self = .expired
            case .notYetValid: self = .notYetValid
            case .crlUnavailable: self = .crlUnavailable
            case .invalid: self = .invalidCertificate
            }
            return
        }
        switch error.code {
        case .peerCertificateRejected, .hostnameMismatch, .unexpectedOIN: self = .untrusted
        case .handshakeTimeout: self = .timeout
        case .alertReceived: self = .alert
        // Without OpenSSL errors, the peer simply went away.
        case .handshakeFailed where error.openSSLErrors.isEmpty: self = .closed
        case .closedWithoutCloseNotify: self = .closed
        default: self = .protocol
        }
    }
}
