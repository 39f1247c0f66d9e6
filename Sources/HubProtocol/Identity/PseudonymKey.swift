#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A node's 256-bit pseudonym secret `K` (PROTOCOL §8).
///
/// `K` never leaves the node, and losing it orphans every case, so operators
/// back it up. On disk it is 64 lowercase hex characters and a newline, in a
/// file that only its owner may read: loading refuses a file readable or
/// writable by group or others.
public final class PseudonymKey: @unchecked Sendable {
    // Immutable after init; zeroised on release.
    private var secret: [UInt8]

    /// Uses `bytes` (exactly 32) as the key.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw HubProtocolError(.invalidKey, "a pseudonym key is 32 bytes, got \(bytes.count)")
        }
        secret = bytes
    }

    /// A fresh random key.
    public static func generate() -> PseudonymKey {
        // 32 random bytes always make a valid key.
        try! PseudonymKey(bytes: SecureRandom.bytes(32))
    }

    deinit { zeroize(&secret) }

    /// The pseudonym of a person: lowercase unpadded base32 of the first 16
    /// bytes of HMAC-SHA256(K, "hub/v1/person/" ‖ BSN), 26 characters.
    public func pseudonym(for bsn: BSN) -> String {
        let mac = HMACSHA256.authenticationCode(key: secret, message: Array("hub/v1/person/\(bsn.digits)".utf8))
        return Base32.encodeLowercaseNoPad(mac.prefix(16))
    }

    /// A key derived from `K` for another purpose: HKDF-SHA256 with `K` as the
    /// input keying material, an empty salt and `info` naming the purpose
    /// (for example `hub/v1/identity-at-rest`). `K` itself never leaves this
    /// type; the caller zeroises the result when done with it.
    public func derive(info: String, byteCount: Int = 32) throws -> [UInt8] {
        try HKDF.sha256(ikm: secret, salt: [], info: Array(info.utf8), byteCount: byteCount)
    }

    /// Loads a key file, refusing one that group or others can access.
    public static func load(path: String) throws -> PseudonymKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HubProtocolError(.file, "cannot read pseudonym key file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw HubProtocolError(
                .file,
                "pseudonym key file \(path) is accessible by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)"
            )
        }
        var text = try SecretFile.read(path: path)
        defer { zeroize(&text) }
        while let last = text.last, last == 0x0a || last == 0x0d || last == 0x20 { text.removeLast() }
        guard text.count == 64, var bytes = Hex.decode(String(decoding: text, as: UTF8.self)) else {
            throw HubProtocolError(.invalidKey, "pseudonym key file \(path) must hold 64 hex characters")
        }
        defer { zeroize(&bytes) }
        return try PseudonymKey(bytes: bytes)
    }

    /// Writes the key to a new file of mode 0600; refuses to overwrite.
    public func write(path: String) throws {
        var text = Array((Hex.encode(secret) + "\n").utf8)
        defer { zeroize(&text) }
        try SecretFile.create(path: path, contents: text)
    }
}
