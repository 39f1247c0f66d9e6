// The TLS layer's errors: building a context, or a connection's handshake,
// records or shutdown. They carry `Detail.tls`, with OpenSSL's error queue at
// the time. Messages name at most a certificate's CN or a configuration key.

extension HubNodeError {
    /// OpenSSL's error queue at the time of a TLS failure, oldest first;
    /// empty for an error of another part.
    public var openSSLErrors: [String] {
        if case .tls(let openSSLErrors, _) = detail { return openSSLErrors }
        return []
    }

    /// For a refused peer certificate, the kind of problem when it is known;
    /// `nil` for any other error.
    public var certificateFailure: PeerCertificateFailure? {
        if case .tls(_, let certificateFailure) = detail { return certificateFailure }
        return nil
    }

    /// Whether the TLS layer raised this error.
    var isTLS: Bool {
        if case .tls = detail { return true }
        return false
    }
}

extension HubNodeError.Code {
    /// The TLS configuration is unusable: a file is missing, a PEM does not parse,
    /// the key does not match the certificate, a root is not self-signed, a root
    /// has no CRL while CRL checking is on. (Raw value `configuration`.)
    public static let tlsConfiguration = Self("configuration")
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
