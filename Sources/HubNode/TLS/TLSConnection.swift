internal import COpenSSL
import NIOCore

/// One connection's OpenSSL `SSL` object over two memory BIOs: ciphertext from
/// the network goes into the read BIO, ciphertext for the network comes out of
/// the write BIO. It performs no I/O itself; `OpenSSLTLSHandler` moves bytes.
///
/// Every SSL call clears the error queue first; the caller drains the write
/// BIO after every call, because OpenSSL writes into it even when it returns
/// "want read" (the server's first flight, alerts).
final class TLSConnection {
    /// The outcome of one handshake step.
    enum HandshakeStep {
        /// OpenSSL needs more bytes from the peer.
        case wantRead
        /// The handshake is complete and the peer chain verified.
        case complete
        /// The handshake failed; the write BIO may hold an alert to send.
        case failed(HubNodeError)
    }

    /// The outcome of one read of plaintext.
    enum ReadStep {
        /// This many bytes of plaintext were appended to the buffer.
        case data(Int)
        /// No complete record is buffered.
        case wantRead
        /// The peer sent close_notify.
        case closeNotify
        /// The connection failed; the write BIO may hold an alert to send.
        case failed(HubNodeError)
    }

    let context: TLSContext
    private let ssl: OpaquePointer
    /// Owned by `ssl` after `SSL_set_bio`.
    private let readBIO: OpaquePointer
    /// Owned by `ssl` after `SSL_set_bio`.
    private let writeBIO: OpaquePointer

    /// Makes a server connection, or a client connection dialling `serverHostname`
    /// (a DNS name, checked against SAN DNS names and sent as SNI, or an IP literal,
    /// checked against SAN IP addresses).
    init(context: TLSContext, serverHostname: String?) throws(HubNodeError) {
        let ssl = try TLSOpenSSL.make("SSL_new") { SSL_new(context.pointer) }
        var built = false
        defer { if !built { SSL_free(ssl) } }
        guard let readBIO = BIO_new(BIO_s_mem()), let writeBIO = BIO_new(BIO_s_mem()) else {
            throw TLSOpenSSL.error(.tlsConfiguration, "BIO_new failed")
        }
        // Without this an empty read BIO reports EOF; -1 makes it "retry", so SSL says WANT_READ.
        _ = hub_BIO_set_mem_eof_return(readBIO, -1)
        SSL_set_bio(ssl, readBIO, writeBIO)
        switch context.role {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            guard let serverHostname, !serverHostname.isEmpty, !serverHostname.utf8.contains(0) else {
                throw HubNodeError(
                    .tlsConfiguration,
                    "a client connection needs the host name or IP address it dials",
                    detail: .tls()
                )
            }
            SSL_set_connect_state(ssl)
            try Self.setExpectedHost(ssl, serverHostname)
        }
        self.context = context
        self.ssl = ssl
        self.readBIO = readBIO
        self.writeBIO = writeBIO
        built = true
    }

    deinit {
        SSL_free(ssl)
    }

    /// IP literals are checked against SAN IP addresses and not sent as SNI
    /// (RFC 6066 §3); names are checked against SAN DNS names and sent as SNI.
    private static func setExpectedHost(_ ssl: OpaquePointer, _ host: String) throws(HubNodeError) {
        ERR_clear_error()
        guard let parameters = SSL_get0_param(ssl) else {
            throw TLSOpenSSL.error(.tlsConfiguration, "SSL_get0_param failed")
        }
        if X509_VERIFY_PARAM_set1_ip_asc(parameters, host) == 1 { return }
        ERR_clear_error()
        SSL_set_hostflags(ssl, hub_X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS())
        try TLSOpenSSL.check("SSL_set1_host") { SSL_set1_host(ssl, host) }
        try TLSOpenSSL.check("SSL_set_tlsext_host_name") { Int32(hub_SSL_set_tlsext_host_name(ssl, host)) }
    }

    /// Hands ciphertext from the network to OpenSSL.
    func feed(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let chunk = Int32(min(raw.count - offset, Int(Int32.max)))
                // Memory BIO writes only fail when memory is exhausted.
                let written = BIO_write(readBIO, raw.baseAddress! + offset, chunk)
                precondition(written == chunk, "BIO_write to a memory BIO failed")
                offset += Int(written)
            }
        }
    }

    /// Takes everything OpenSSL has written for the network, or `nil` if nothing.
    func takeOutput(allocator: ByteBufferAllocator) -> ByteBuffer? {
        let pending = hub_BIO_pending(writeBIO)
        guard pending > 0 else { return nil }
        var buffer = allocator.buffer(capacity: pending)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: pending) { raw in
            let read = BIO_read(writeBIO, raw.baseAddress, Int32(min(pending, Int(Int32.max))))
            return max(Int(read), 0)
        }
        return buffer
    }

    /// Runs the handshake as far as the buffered input allows.
    func handshake() -> HandshakeStep {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .complete }
        let reason = SSL_get_error(ssl, rc)
        if reason == SSL_ERROR_WANT_READ { return .wantRead }
        return .failed(handshakeError(reason))
    }

    /// Decrypts up to `maximum` bytes of plaintext into `buffer`.
    func read(into buffer: inout ByteBuffer, maximum: Int) -> ReadStep {
        precondition(maximum > 0)
        var step = ReadStep.wantRead
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maximum) { raw in
            ERR_clear_error()
            var count = 0
            if SSL_read_ex(ssl, raw.baseAddress, min(raw.count, maximum), &count) == 1 {
                step = .data(count)
                return count
            }
            let reason = SSL_get_error(ssl, 0)
            switch reason {
            case SSL_ERROR_WANT_READ:
                step = .wantRead
            case SSL_ERROR_ZERO_RETURN:
                step = .closeNotify
            default:
                step = .failed(recordError(reason))
            }
            return 0
        }
        return step
    }

    /// Encrypts all of `bytes` into the write BIO.
    func write(_ bytes: ByteBuffer) -> HubNodeError? {
        bytes.withUnsafeReadableBytes { raw in
            var offset = 0
            while offset < raw.count {
                ERR_clear_error()
                var written = 0
                guard SSL_write_ex(ssl, raw.baseAddress! + offset, raw.count - offset, &written) == 1 else {
                    return recordError(SSL_get_error(ssl, 0))
                }
                offset += written
            }
            return nil
        }
    }

    /// Queues a close_notify in the write BIO. Returns `true` when the peer's
    /// close_notify had already arrived (both directions are closed).
    @discardableResult
    func shutdown() -> Bool {
        ERR_clear_error()
        let rc = SSL_shutdown(ssl)
        // A failed shutdown leaves nothing useful to send; the caller closes anyway.
        ERR_clear_error()
        return rc == 1
    }

    /// The ALPN protocol agreed in the handshake, if any.
    var negotiatedProtocol: String? {
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }

    /// The verified peer, read from OpenSSL's verified chain.
    func verifiedPeer() throws(HubNodeError) -> TLSPeer {
        ERR_clear_error()
        guard SSL_get_verify_result(ssl) == X509_V_OK, let chain = SSL_get0_verified_chain(ssl) else {
            throw TLSOpenSSL.error(.peerCertificateRejected, "the peer presented no verified certificate")
        }
        return try TLSPeer.read(verifiedChain: chain, bundle: context.trustBundle(forRootSHA256:))
    }

    /// Classifies a failed handshake step.
    private func handshakeError(_ reason: Int32) -> HubNodeError {
        let queue = TLSOpenSSL.drainQueue()
        let texts = queue.map(\.text)
        let verifyResult = SSL_get_verify_result(ssl)
        if verifyResult != X509_V_OK {
            let text = String(cString: X509_verify_cert_error_string(verifyResult))
            let isHostMismatch =
                verifyResult == X509_V_ERR_HOSTNAME_MISMATCH || verifyResult == X509_V_ERR_IP_ADDRESS_MISMATCH
            return HubNodeError(
                isHostMismatch ? .hostnameMismatch : .peerCertificateRejected,
                "peer certificate does not verify: \(text)",
                detail: .tls(
                    openSSLErrors: texts,
                    certificateFailure: PeerCertificateFailure(verifyResult: verifyResult)
                )
            )
        }
        if queue.contains(where: { $0.reason == hub_SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE() }) {
            return HubNodeError(
                .peerCertificateRejected,
                "the client sent no certificate",
                detail: .tls(openSSLErrors: texts, certificateFailure: .missing)
            )
        }
        if let alert = Self.receivedAlert(queue) {
            return HubNodeError(
                .alertReceived,
                "the peer sent the alert '\(alert)' during the handshake",
                detail: .tls(openSSLErrors: texts)
            )
        }
        if queue.isEmpty && (reason == SSL_ERROR_SYSCALL || reason == SSL_ERROR_ZERO_RETURN) {
            return HubNodeError(.handshakeFailed, "the peer closed the connection during the handshake", detail: .tls())
        }
        return HubNodeError(.handshakeFailed, "TLS handshake failed", detail: .tls(openSSLErrors: texts))
    }

    /// Classifies a failed read or write after the handshake.
    private func recordError(_ reason: Int32) -> HubNodeError {
        let queue = TLSOpenSSL.drainQueue()
        let texts = queue.map(\.text)
        if let alert = Self.receivedAlert(queue) {
            return HubNodeError(
                .alertReceived,
                "the peer sent the alert '\(alert)'",
                detail: .tls(openSSLErrors: texts)
            )
        }
        if queue.isEmpty && reason == SSL_ERROR_SYSCALL {
            return HubNodeError(.closedWithoutCloseNotify, "the peer's data ended without close_notify", detail: .tls())
        }
        return HubNodeError(.protocolViolation, "TLS record layer error", detail: .tls(openSSLErrors: texts))
    }

    /// The description of an alert the peer sent, if the queue reports one.
    private static func receivedAlert(_ queue: [TLSOpenSSL.QueuedError]) -> String? {
        let offset = hub_SSL_AD_REASON_OFFSET()
        guard let entry = queue.first(where: { $0.reason >= offset && $0.reason < offset + 256 }) else { return nil }
        return String(cString: SSL_alert_desc_string_long(entry.reason - offset))
    }
}
