#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The file outside the database that holds the signed audit checkpoints
/// (PROTOCOL §12): one compact JWS per line, appended and never rewritten.
///
/// Keep it on other storage than the database (or copy it off the machine),
/// so that whoever can rewrite the database cannot also rewrite it.
public struct AuditCheckpointFile: Sendable {
    /// Path of the file.
    public let path: String

    /// A checkpoint file at `path` (created by the first append).
    public init(path: String) {
        self.path = path
    }

    /// Appends `line` (a compact JWS) and a newline, and fsyncs the file
    /// (and its directory when the append created it) before returning.
    ///
    /// A line left without its newline by a crash is closed first, so the new
    /// line never joins it.
    ///
    /// - Throws: ``HubNodeError`` `.invalid` when `line` holds anything but
    ///   base64url characters and dots, `.unavailable` when the file cannot be
    ///   written durably (no space, read-only, I/O error).
    public func append(_ line: String) throws {
        guard !line.isEmpty, line.utf8.allSatisfy(Self.isJWSCharacter) else {
            throw HubNodeError(.invalid, "audit checkpoint file: a line must be a compact JWS", detail: .store())
        }
        let created = access(path, F_OK) != 0
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Self.failure("open", errno) }
        defer { close(fd) }

        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        // The size by lseek, not fstat: `struct stat` fails MemberImportVisibility in release builds.
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0 else { throw Self.failure("lseek", errno) }
        if size > 0 {
            var last: UInt8 = 0
            guard pread(fd, &last, 1, size - 1) == 1 else { throw Self.failure("read", errno) }
            if last != UInt8(ascii: "\n") { bytes.insert(UInt8(ascii: "\n"), at: 0) }
        }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Self.failure("write", errno)
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw Self.failure("fsync", errno) }
        if created { try Self.syncDirectory(of: path) }
    }

    /// The lines of the file, in order, without empty lines; an empty list
    /// when the file does not exist. The last line may be torn by a crash;
    /// its JWS then fails to verify.
    public func readLines() throws -> [String] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return [] }
            throw Self.failure("open", errno)
        }
        defer { close(fd) }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure("read", errno)
            }
            if n == 0 { break }
            content.append(contentsOf: buffer[0..<n])
        }
        return content.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    private static func isJWSCharacter(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default:
            false
        }
    }

    /// Makes a new directory entry durable.
    private static func syncDirectory(of path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open directory", errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure("fsync directory", errno) }
    }

    private static func failure(_ operation: String, _ code: Int32) -> HubNodeError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOSPC, EDQUOT, EROFS, EIO, EACCES, EPERM, ENOENT, EMFILE, ENFILE:
            return HubNodeError(.unavailable, "audit checkpoint file: \(operation) failed: \(reason)", detail: .store())
        default:
            return HubNodeError(.internal, "audit checkpoint file: \(operation) failed: \(reason)", detail: .store())
        }
    }
}
