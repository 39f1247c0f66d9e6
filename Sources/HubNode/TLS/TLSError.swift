/// An error of the node's TLS layer: building a context, or a connection's
/// handshake, records or shutdown.
///
/// A `Code` names the kind of failure (extensible without a breaking change);
/// `message` says what went wrong in words an operator can act on; and
/// `openSSLErrors` holds OpenSSL's error queue at the time, oldest first.
/// Messages never contain personal data: at most a certificate's CN or a
/// configuration key.
public struct TLSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let rawValue: String

        /// Makes a code from its snake_case name.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// Human text naming the problem.
    public var message: String
    /// OpenSSL's error queue at the time of failure, oldest first, if any.
    public var openSSLErrors: [String]
    /// For a refused peer certificate, the kind of problem when it is known.
    public var certificateFailure: PeerCertificateFailure?

    /// Makes an error with a code, a message and the OpenSSL errors behind it.
    public init(
        _ code: Code,
        _ message: String,
        openSSLErrors: [String] = [],
        certificateFailure: PeerCertificateFailure? = nil
    ) {
        self.code = code
        self.message = message
        self.openSSLErrors = openSSLErrors
        self.certificateFailure = certificateFailure
    }

    public var description: String {
        if openSSLErrors.isEmpty { return "\(code): \(message)" }
        return "\(code): \(message) (OpenSSL: \(openSSLErrors.joined(separator: "; ")))"
    }
}

extension TLSError.Code {
    /// The TLS configuration is unusable: a file is missing, a PEM does not parse,
    /// the key does not match the certificate, a root is not self-signed, a root
    /// has no CRL while CRL checking is on.
    public static let configuration = Self("configuration")
    /// The handshake failed for a reason other than the peer's certificate
    /// (protocol version, cipher, ALPN, malformed message, connection lost).
    public static let handshakeFailed = Self("handshake_failed")
    /// The peer sent no certificate, or its chain did not verify (unknown CA,
    /// expired, not yet valid, revoked, no CRL, not strict X.509).
    public static let peerCertificateRejected = Self("peer_certificate_rejected")
    /// The server's certificate names neither the DNS name nor the IP address
    /// the client dialled.
    public static let hostnameMismatch = Self("hostname_mismatch")
    /// The server's certificate verified but carries another OIN than the one
    /// the client expects there.
    public static let unexpectedOIN = Self("unexpected_oin")
    /// The handshake did not complete within the handshake timeout.
    public static let handshakeTimeout = Self("handshake_timeout")
    /// The peer sent a TLS alert (for example `certificate_required` when a
    /// TLS 1.3 server refuses a client certificate after the client finished).
    public static let alertReceived = Self("alert_received")
    /// The peer broke the TLS protocol after the handshake (bad record, bad MAC,
    /// data after close_notify).
    public static let protocolViolation = Self("protocol_violation")
    /// The connection ended without a close_notify: the last data may be
    /// truncated.
    public static let closedWithoutCloseNotify = Self("closed_without_close_notify")
    /// More plaintext was written before the handshake finished than the handler
    /// buffers.
    public static let bufferLimitExceeded = Self("buffer_limit_exceeded")
}
