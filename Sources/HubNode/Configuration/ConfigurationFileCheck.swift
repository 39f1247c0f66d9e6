import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on the files and folders a configuration names; each returns nil
/// when all is well, or the reason it is not.
enum ConfigurationFileCheck {
    private static let typeMask: UInt32 = 0o170_000
    private static let regularFile: UInt32 = 0o100_000
    private static let directoryType: UInt32 = 0o040_000

    /// `path` must be an existing regular file this process can read.
    static func readableFile(_ path: String) -> String? {
        guard let mode = mode(path) else { return missing(path, "file") }
        guard mode & typeMask == regularFile else { return "\(path) is not a regular file" }
        guard access(path, R_OK) == 0 else { return "file \(path) is not readable by this user" }
        return nil
    }

    /// `path` must be a readable regular file with no access for group or
    /// others (mode 0600 or stricter).
    static func secretFile(_ path: String) -> String? {
        if let problem = readableFile(path) { return problem }
        return secretMode(path, isFolder: false)
    }

    /// `path` may not exist yet (the node creates it); its folder must exist
    /// and be writable. When it exists it must be a regular file, and a
    /// secret one must not be accessible by group or others.
    static func creatableFile(_ path: String, secret: Bool) -> String? {
        guard let mode = mode(path) else { return writableParent(of: path) }
        guard mode & typeMask == regularFile else { return "\(path) is not a regular file" }
        guard access(path, R_OK | W_OK) == 0 else { return "file \(path) is not readable and writable by this user" }
        return secret ? secretMode(path, isFolder: false) : nil
    }

    /// `path` may not exist yet (the node creates it with mode 0700); its
    /// parent must exist and be writable. When it exists it must be a
    /// folder with no access for group or others.
    static func creatableSecretFolder(_ path: String) -> String? {
        guard let mode = mode(path) else { return writableParent(of: path) }
        guard mode & typeMask == directoryType else { return "\(path) exists and is not a folder" }
        guard access(path, R_OK | W_OK | X_OK) == 0 else { return "folder \(path) is not writable by this user" }
        return secretMode(path, isFolder: true)
    }

    private static func writableParent(of path: String) -> String? {
        var parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if parent.isEmpty { parent = "/" }
        guard let mode = mode(parent) else { return missing(parent, "folder") }
        guard mode & typeMask == directoryType else { return "\(parent) is not a folder" }
        guard access(parent, W_OK | X_OK) == 0 else { return "folder \(parent) is not writable by this user" }
        return nil
    }

    private static func secretMode(_ path: String, isFolder: Bool) -> String? {
        guard let mode = mode(path), mode & 0o077 != 0 else { return nil }
        let octal = String(mode & 0o777, radix: 8)
        let what = isFolder ? "folder" : "file"
        let fix = isFolder ? "chmod 700" : "chmod 600"
        return "\(what) \(path) is accessible by group or others (mode 0\(octal)); run \(fix) \(path)"
    }

    /// Why `stat` found nothing at `path`; call right after it failed.
    private static func missing(_ path: String, _ what: String) -> String {
        let code = errno
        if code == ENOENT || code == ENOTDIR { return "\(what) \(path) does not exist" }
        return "\(what) \(path) cannot be reached: \(String(cString: strerror(code)))"
    }

    /// The `st_mode` of `path` (following symbolic links), nil when it
    /// cannot be found.
    private static func mode(_ path: String) -> UInt32? {
        // Through FileManager: `struct stat` is ambiguous between Glibc and CDispatch under
        // MemberImportVisibility in this module.
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
            let permissions = attributes[.posixPermissions] as? Int
        else { return nil }
        let type: UInt32
        switch attributes[.type] as? FileAttributeType {
        case .typeRegular?: type = regularFile
        case .typeDirectory?: type = directoryType
        default: type = 0
        }
        return type | UInt32(permissions)
    }
}
