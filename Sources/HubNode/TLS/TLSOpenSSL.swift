internal import COpenSSL

/// Helpers for the TLS layer's OpenSSL calls: every call clears the thread's
/// error queue first and a failure drains it into the thrown ``HubNodeError``,
/// because one event loop thread serves many connections and a stale queue
/// would blame the wrong one.
enum TLSOpenSSL {
    /// One entry of OpenSSL's error queue.
    struct QueuedError {
        var code: UInt
        var text: String
        var reason: Int32 { hub_ERR_GET_REASON(code) }
    }

    /// Drains the thread's error queue, oldest first.
    static func drainQueue() -> [QueuedError] {
        var out: [QueuedError] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            out.append(QueuedError(code: code, text: String(decoding: bytes, as: UTF8.self)))
        }
        return out
    }

    /// An error with the drained queue attached.
    static func error(_ code: HubNodeError.Code, _ message: String) -> HubNodeError {
        HubNodeError(code, message, detail: .tls(openSSLErrors: drainQueue().map(\.text)))
    }

    /// Clears the queue, runs `body`, and throws a configuration error unless it returns 1.
    static func check(_ what: String, _ body: () -> Int32) throws(HubNodeError) {
        ERR_clear_error()
        guard body() == 1 else { throw error(.tlsConfiguration, "\(what) failed") }
    }

    /// Clears the queue, runs `body`, and throws a configuration error if it returns nil.
    static func make<T>(_ what: String, _ body: () -> T?) throws(HubNodeError) -> T {
        ERR_clear_error()
        guard let value = body() else { throw error(.tlsConfiguration, "\(what) failed") }
        return value
    }

    /// Runs `body` with a read-only BIO over a PEM source (a file BIO or a memory BIO).
    static func withBIO<R>(
        _ source: TLSConfiguration.PEMSource,
        key: String,
        _ body: (OpaquePointer) throws(HubNodeError) -> R
    ) throws(HubNodeError) -> R {
        switch source {
        case .file(let path):
            ERR_clear_error()
            guard let bio = BIO_new_file(path, "r") else {
                throw error(.tlsConfiguration, "\(key): cannot open the file")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        case .pem(let text):
            let bytes = Array(text.utf8)
            guard bytes.count < Int(Int32.max) else {
                throw HubNodeError(.tlsConfiguration, "\(key): PEM text too large", detail: .tls())
            }
            // The BIO only borrows the bytes, so it must not outlive this scope.
            let result: Result<R, HubNodeError> = bytes.withUnsafeBytes { raw in
                ERR_clear_error()
                guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                    return .failure(error(.tlsConfiguration, "\(key): BIO_new_mem_buf failed"))
                }
                defer { BIO_free(bio) }
                do throws(HubNodeError) {
                    return .success(try body(bio))
                } catch {
                    return .failure(error)
                }
            }
            return try result.get()
        }
    }

    /// Every certificate in a PEM source, in order; the caller frees them with `X509_free`.
    static func readCertificates(
        _ source: TLSConfiguration.PEMSource,
        key: String
    ) throws(HubNodeError) -> [OpaquePointer] {
        try withBIO(source, key: key) { bio throws(HubNodeError) in
            var certificates: [OpaquePointer] = []
            ERR_clear_error()
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(certificate)
            }
            // Reading stops with "no start line" at the end of the input; anything else is a real error.
            let queue = drainQueue()
            let isEndOfInput = queue.count == 1 && queue[0].reason == PEM_R_NO_START_LINE
            guard queue.isEmpty || isEndOfInput, !certificates.isEmpty else {
                for item in certificates { X509_free(item) }
                throw HubNodeError(
                    .tlsConfiguration,
                    "\(key): no readable PEM certificate",
                    detail: .tls(openSSLErrors: queue.map(\.text))
                )
            }
            return certificates
        }
    }

    /// Every CRL in a PEM source, in order; the caller frees them with `X509_CRL_free`.
    static func readCRLs(_ source: TLSConfiguration.PEMSource, key: String) throws(HubNodeError) -> [OpaquePointer] {
        try withBIO(source, key: key) { bio throws(HubNodeError) in
            var crls: [OpaquePointer] = []
            ERR_clear_error()
            while let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) {
                crls.append(crl)
            }
            let queue = drainQueue()
            let isEndOfInput = queue.count == 1 && queue[0].reason == PEM_R_NO_START_LINE
            guard queue.isEmpty || isEndOfInput, !crls.isEmpty else {
                for item in crls { X509_CRL_free(item) }
                throw HubNodeError(
                    .tlsConfiguration,
                    "\(key): no readable PEM CRL",
                    detail: .tls(openSSLErrors: queue.map(\.text))
                )
            }
            return crls
        }
    }

    /// The DER encoding of a certificate.
    static func der(of certificate: OpaquePointer) -> [UInt8] {
        let length = i2d_X509(certificate, nil)
        guard length > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor = buffer.baseAddress
            return i2d_X509(certificate, &cursor)
        }
        return written == length ? out : []
    }
}
