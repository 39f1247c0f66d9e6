import Foundation
import HubProtocol

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The files of the encryption key folder (mode 0700): `<kid>.pem` (0600,
/// PKCS #8), `current` (the kid listed first) and `keyring.json`
/// (``KeyringState``). Small files are replaced atomically (temporary file,
/// fsync, rename, fsync of the folder); destroyed keys are overwritten with
/// zeros before they are removed.
struct KeyringFolder: Sendable {
    /// What the folder holds.
    struct Contents {
        /// Every key file, by kid (the thumbprint of its key, not its name).
        var keys: [String: EncryptionKeyring.Key] = [:]
        /// The file name of each key.
        var files: [String: String] = [:]
        /// What `current` says, trimmed; `nil` when the file is missing.
        var current: String?
        /// The parsed state file; `nil` when there is none (the layout
        /// before key rotation: only `current` and the keys).
        var state: KeyringState?
    }

    static let stateFile = "keyring.json"
    static let currentFile = "current"

    let directory: String

    func path(_ name: String) -> String { directory + "/" + name }

    /// Creates the folder (mode 0700) when it does not exist.
    func create() throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: directory) {
            try fm.createDirectory(
                atPath: directory,
                withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700]
            )
        }
    }

    /// Reads every key, `current` and the state file.
    func read() throws -> Contents {
        var contents = Contents()
        for name in try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        where name.hasSuffix(".pem") {
            let key = try SecretFile.loadPrivateKey(path: path(name))
            let kid = ECPublicJWK.thumbprint(of: key.publicKey)
            contents.keys[kid] = EncryptionKeyring.Key(kid: kid, privateKey: key)
            contents.files[kid] = name
        }
        if FileManager.default.fileExists(atPath: path(Self.currentFile)) {
            let text = String(decoding: try SecretFile.read(path: path(Self.currentFile)), as: UTF8.self)
            contents.current = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if FileManager.default.fileExists(atPath: path(Self.stateFile)) {
            do {
                contents.state = try KeyringState(json: try SecretFile.read(path: path(Self.stateFile)))
            } catch let error as HubProtocolError {
                throw HubProtocolError(.file, "\(path(Self.stateFile)): \(error.message)")
            }
        }
        return contents
    }

    /// Writes a new key as `<kid>.pem` (0600, fsynced); returns its file name.
    func writeKey(_ key: P256PrivateKey, kid: String) throws -> String {
        let name = kid + ".pem"
        var pem = Array(try key.pkcs8PEM().utf8)
        defer { pem.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
        try SecretFile.create(path: path(name), contents: pem)
        try syncDirectory()
        return name
    }

    /// Replaces `current` atomically.
    func writeCurrent(_ kid: String) throws {
        try replace(Self.currentFile, with: Array((kid + "\n").utf8))
    }

    /// Replaces `keyring.json` atomically.
    func writeState(_ state: KeyringState) throws {
        try replace(Self.stateFile, with: Array((JCS.string(state.json) + "\n").utf8))
    }

    /// Overwrites a key file with zeros, syncs it, and removes it.
    func destroy(_ name: String) throws {
        let file = path(name)
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            throw Self.failure("open", file)
        }
        // The size by lseek, not fstat: `struct stat` fails MemberImportVisibility in release builds.
        let size = lseek(fd, 0, SEEK_END)
        if size > 0 {
            let zeros = [UInt8](repeating: 0, count: Int(size))
            var written = 0
            while written < zeros.count {
                let n = zeros.withUnsafeBytes {
                    pwrite(fd, $0.baseAddress! + written, zeros.count - written, off_t(written))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    throw Self.failure("overwrite", file)
                }
                written += n
            }
            _ = fsync(fd)
        }
        close(fd)
        guard unlink(file) == 0 || errno == ENOENT else { throw Self.failure("remove", file) }
        try syncDirectory()
    }

    /// Writes `bytes` to a temporary file (0600, fsynced), renames it over
    /// `name` and syncs the folder, so a crash leaves the old or the new file.
    private func replace(_ name: String, with bytes: [UInt8]) throws {
        let temporary = path("." + name + ".tmp")
        _ = unlink(temporary)
        try SecretFile.create(path: temporary, contents: bytes)
        guard rename(temporary, path(name)) == 0 else {
            let failure = Self.failure("rename", temporary)
            _ = unlink(temporary)
            throw failure
        }
        try syncDirectory()
    }

    private func syncDirectory() throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open", directory) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Self.failure("sync", directory) }
    }

    private static func failure(_ what: String, _ path: String) -> HubProtocolError {
        HubProtocolError(.file, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }
}
