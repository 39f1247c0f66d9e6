internal import COpenSSL

/// Helpers for calling OpenSSL: every call clears the error queue first and a
/// failure drains it into the thrown error, because one thread serves many
/// callers and a stale queue would blame the wrong call.
enum OpenSSL {
    /// Drains the thread's OpenSSL error queue into strings, oldest first.
    static func drainErrors() -> [String] {
        var out: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            out.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return out
    }

    /// An error with the drained queue attached.
    static func error(_ code: HubProtocolError.Code = .crypto, _ message: String) -> HubProtocolError {
        HubProtocolError(code, message, openSSLErrors: drainErrors())
    }

    /// Clears the queue, runs `body`, and throws if it does not return 1.
    static func check(_ what: String, _ body: () -> Int32) throws {
        ERR_clear_error()
        guard body() == 1 else { throw error(.crypto, "\(what) failed") }
    }

    /// Clears the queue, runs `body`, and throws if it returns nil.
    static func make<T>(_ what: String, _ body: () -> T?) throws -> T {
        ERR_clear_error()
        guard let value = body() else { throw error(.crypto, "\(what) failed") }
        return value
    }

    /// Reads everything in a memory BIO.
    static func readAll(_ bio: OpaquePointer) -> [UInt8] {
        var mem: UnsafeMutablePointer<BUF_MEM>? = nil
        _ = hub_BIO_get_mem_ptr(bio, &mem)
        guard let mem, mem.pointee.length > 0, let data = mem.pointee.data else { return [] }
        return data.withMemoryRebound(to: UInt8.self, capacity: mem.pointee.length) {
            Array(UnsafeBufferPointer(start: $0, count: mem.pointee.length))
        }
    }

    /// Runs `body` with a read-only memory BIO over `bytes`.
    static func withMemoryBIO<R>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> R) throws -> R {
        try bytes.withUnsafeBytes { raw in
            ERR_clear_error()
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else {
                throw error(.crypto, "BIO_new_mem_buf failed")
            }
            defer { BIO_free(bio) }
            return try body(bio)
        }
    }

    /// Runs `body` with a writable memory BIO and returns what it wrote.
    static func writingToMemoryBIO(_ body: (OpaquePointer) throws -> Void) throws -> [UInt8] {
        ERR_clear_error()
        guard let bio = BIO_new(BIO_s_mem()) else { throw error(.crypto, "BIO_new failed") }
        defer { BIO_free(bio) }
        try body(bio)
        return readAll(bio)
    }
}

/// Overwrites a secret buffer with zeros in a way the optimiser keeps.
func zeroize(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { raw in
        if let base = raw.baseAddress { OPENSSL_cleanse(base, raw.count) }
    }
}
