import Foundation
public import HubProtocol

/// The node's encryption keys for sealed data (PROTOCOL §7), separate from
/// the TLS/signing key. Each key is `<kid>.pem` (mode 0600) in a folder of
/// mode 0700; `current` names the key the descriptor lists first. Retired keys
/// stay able to open until they are destroyed.
public final class EncryptionKeyring: Sendable {
    /// One key.
    public struct Key: Sendable {
        /// RFC 7638 thumbprint.
        public let kid: String
        /// The private key.
        public let privateKey: P256PrivateKey
        /// The public JWK as the descriptor lists it.
        public var jwk: ECPublicJWK { ECPublicJWK.encryptionKey(privateKey.publicKey) }
    }

    /// The folder.
    public let directory: String
    /// The current key (listed first).
    public let current: Key
    /// Every key that can open, current first.
    public let keys: [Key]

    /// Loads the folder, creating it and a first key when it does not exist.
    public init(directory: String) throws {
        self.directory = directory
        let fm = FileManager.default
        if !fm.fileExists(atPath: directory) {
            try fm.createDirectory(
                atPath: directory,
                withIntermediateDirectories: false,
                attributes: [.posixPermissions: 0o700]
            )
        }
        var loaded: [String: Key] = [:]
        for name in try fm.contentsOfDirectory(atPath: directory) where name.hasSuffix(".pem") {
            let key = try SecretFile.loadPrivateKey(path: directory + "/" + name)
            let kid = ECPublicJWK.thumbprint(of: key.publicKey)
            loaded[kid] = Key(kid: kid, privateKey: key)
        }
        let currentPath = directory + "/current"
        var currentKid = (try? String(contentsOfFile: currentPath, encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        if loaded.isEmpty {
            let key = try P256PrivateKey()
            let kid = ECPublicJWK.thumbprint(of: key.publicKey)
            try SecretFile.create(path: directory + "/" + kid + ".pem", contents: Array(key.pkcs8PEM().utf8))
            loaded[kid] = Key(kid: kid, privateKey: key)
            try? fm.removeItem(atPath: currentPath)
            try SecretFile.create(path: currentPath, contents: Array((kid + "\n").utf8), mode: 0o600)
            currentKid = kid
        }
        guard let currentKid, let current = loaded[currentKid] else {
            throw HubProtocolError(.file, "\(currentPath) must name one of the keys in \(directory) by its kid")
        }
        self.current = current
        self.keys = [current] + loaded.values.filter { $0.kid != currentKid }.sorted { $0.kid < $1.kid }
    }

    /// The private key for `kid`, if this node holds it.
    public func privateKey(kid: String) -> P256PrivateKey? {
        keys.first { $0.kid == kid }?.privateKey
    }
}
