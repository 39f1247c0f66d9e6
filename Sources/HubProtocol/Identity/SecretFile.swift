#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading and creating files that hold secrets (private keys, the pseudonym key).
public enum SecretFile {
    /// Reads a whole file.
    public static func read(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw HubProtocolError(.file, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw HubProtocolError(.file, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
            guard out.count <= 16 << 20 else { throw HubProtocolError(.file, "\(path) is larger than 16 MiB") }
        }
        zeroize(&buffer)
        return out
    }

    /// Creates `path` with mode 0600 and writes `contents`, fsyncing it;
    /// refuses to overwrite an existing file.
    public static func create(path: String, contents: [UInt8], mode: UInt32 = 0o600) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        guard fd >= 0 else {
            throw HubProtocolError(.file, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // The umask may have removed bits; set exactly the mode asked for.
        fchmod(fd, mode_t(mode))
        var written = 0
        while written < contents.count {
            let n = contents.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, contents.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw HubProtocolError(.file, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            written += n
        }
        guard fsync(fd) == 0 else {
            throw HubProtocolError(.file, "cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Loads a PEM private key from a file that only its owner may access.
    public static func loadPrivateKey(path: String) throws -> P256PrivateKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw HubProtocolError(.file, "cannot read key file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw HubProtocolError(
                .file,
                "key file \(path) is accessible by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(path)"
            )
        }
        var bytes = try read(path: path)
        defer { zeroize(&bytes) }
        return try P256PrivateKey(pem: String(decoding: bytes, as: UTF8.self))
    }
}
