import Foundation
public import HubProtocol
internal import Synchronization

/// The node's encryption keys for sealed data (PROTOCOL §7), separate from
/// the TLS/signing key. Each key is `<kid>.pem` (mode 0600) in a folder of
/// mode 0700; `current` names the key the descriptor lists first, and
/// `keyring.json` (``KeyringState``) records each key's dates.
///
/// The keyring is one live object shared by the message handlers, the case
/// service and the descriptor: ``rotate(now:descriptorLifetime:)``,
/// ``maintain(now:descriptorLifetime:)`` and ``reload()`` replace what it
/// holds, and every reader sees the latest. ``KeyringSchedule`` decides when
/// superseded keys leave the descriptor and when they are destroyed.
///
/// A folder without `keyring.json` (before key rotation existed) loads as
/// before; the first maintenance pass records its keys.
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

    /// One key as operators see it (no key material).
    public struct Entry: Sendable, Hashable {
        /// The thumbprint.
        public var kid: String
        /// Where it is in its life.
        public var status: KeyringState.Status
        /// Its recorded dates.
        public var record: KeyringState.Record
        /// When it leaves (or left) the descriptor; `nil` while current.
        public var leavesDescriptorAt: Int64?
        /// When it is (or was) destroyed; `nil` while current.
        public var destroyAt: Int64?
    }

    /// What a maintenance pass changed, by kid.
    public struct Changes: Sendable, Hashable {
        /// Keys that left the descriptor.
        public var withdrawn: [String] = []
        /// Keys whose files were destroyed.
        public var destroyed: [String] = []
        /// Key files found without a record (now recorded).
        public var adopted: [String] = []
        /// Keys that lost the first place (the `current` file was edited by hand).
        public var retired: [String] = []

        /// Nothing changed.
        public var isEmpty: Bool { withdrawn.isEmpty && destroyed.isEmpty && adopted.isEmpty && retired.isEmpty }
    }

    /// The outcome of ``rotate(now:descriptorLifetime:)``.
    public struct Rotation: Sendable, Hashable {
        /// The new current key.
        public var kid: String
        /// When it was made.
        public var createdAt: Int64
        /// The key it replaced.
        public var previous: String
        /// When the replaced key leaves the descriptor.
        public var previousLeavesDescriptorAt: Int64
        /// When the replaced key is destroyed.
        public var previousDestroyAt: Int64
    }

    private struct Loaded: Sendable {
        var current: Key
        /// Keys that open, by kid.
        var keys: [String: Key]
        /// File names of every key file present, by kid.
        var files: [String: String]
        var state: KeyringState
        var stateOnDisk: Bool
    }

    /// The folder.
    public let directory: String
    private let folder: KeyringFolder
    private let loaded: Mutex<Loaded>

    /// Loads the folder, creating it and a first key when it does not exist.
    public init(directory: String) throws {
        self.directory = directory
        folder = KeyringFolder(directory: directory)
        try folder.create()
        var contents = try folder.read()
        if contents.keys.isEmpty {
            let key = try P256PrivateKey()
            let kid = ECPublicJWK.thumbprint(of: key.publicKey)
            contents.files[kid] = try folder.writeKey(key, kid: kid)
            contents.keys[kid] = Key(kid: kid, privateKey: key)
            try folder.writeCurrent(kid)
            contents.current = kid
        }
        loaded = Mutex(try Self.load(contents, folder: folder))
    }

    /// The current key (listed first).
    public var current: Key { loaded.withLock { $0.current } }

    /// Every key that can open, current first.
    public var keys: [Key] {
        loaded.withLock { l in
            [l.current] + l.keys.values.filter { $0.kid != l.current.kid }.sorted { $0.kid < $1.kid }
        }
    }

    /// The keys the descriptor lists: the current key first, then superseded
    /// keys until peers can no longer hold a descriptor naming them first.
    public var descriptorKeys: [ECPublicJWK] {
        loaded.withLock { l in
            KeyringSchedule.listed(l.state, current: l.current.kid).compactMap { l.keys[$0]?.jwk }
        }
    }

    /// The private key for `kid`, if this node holds it.
    public func privateKey(kid: String) -> P256PrivateKey? {
        loaded.withLock { $0.keys[kid]?.privateKey }
    }

    /// Every key recorded or present, current first, then newest first, as
    /// the state would be at `now`.
    public func entries(now: Int64, descriptorLifetime: Int64) -> [Entry] {
        loaded.withLock { l in
            let current = l.current.kid
            let state = KeyringSchedule.advance(
                l.state,
                current: current,
                present: Set(l.files.keys),
                now: now,
                descriptorLifetime: descriptorLifetime
            )
            return state.keys.map { kid, record in
                Entry(
                    kid: kid,
                    status: state.status(of: kid, current: current) ?? .withdrawn,
                    record: record,
                    leavesDescriptorAt: KeyringSchedule.withdrawal(of: record, descriptorLifetime: descriptorLifetime),
                    destroyAt: KeyringSchedule.destruction(of: record, descriptorLifetime: descriptorLifetime)
                )
            }.sorted { a, b in
                if (a.kid == current) != (b.kid == current) { return a.kid == current }
                return a.record.createdAt != b.record.createdAt
                    ? a.record.createdAt > b.record.createdAt : a.kid < b.kid
            }
        }
    }

    /// When ``maintain(now:descriptorLifetime:)`` next has something to do.
    public func nextChange(descriptorLifetime: Int64) -> Int64? {
        loaded.withLock { l in
            KeyringSchedule.nextChange(l.state, current: l.current.kid, descriptorLifetime: descriptorLifetime)
        }
    }

    /// Applies the schedule at `now`: records new key files, withdraws and
    /// destroys what is due, and writes `keyring.json` when anything changed
    /// (or when the folder had none).
    @discardableResult
    public func maintain(now: Int64, descriptorLifetime: Int64) throws -> Changes {
        try loaded.withLock { (l: inout Loaded) throws -> Changes in
            let current = l.current.kid
            let present = Set(l.files.keys)
            let next = KeyringSchedule.advance(
                l.state,
                current: current,
                present: present,
                now: now,
                descriptorLifetime: descriptorLifetime
            )
            if next != l.state || !l.stateOnDisk {
                try folder.writeState(next)
            }
            var changes = Changes()
            for (kid, record) in next.keys.sorted(by: { $0.key < $1.key }) {
                guard let old = l.state.keys[kid] else {
                    changes.adopted.append(kid)
                    continue
                }
                if old.retiredAt == nil, record.retiredAt != nil { changes.retired.append(kid) }
                if old.withdrawnAt == nil, record.withdrawnAt != nil { changes.withdrawn.append(kid) }
                if old.destroyedAt == nil, record.destroyedAt != nil { changes.destroyed.append(kid) }
            }
            l.state = next
            l.stateOnDisk = true
            for kid in KeyringSchedule.toDestroy(next, current: current, present: present).sorted() {
                l.keys[kid] = nil
                if let name = l.files[kid] { try folder.destroy(name) }
                l.files[kid] = nil
            }
            return changes
        }
    }

    /// Makes a new key the current one: writes `<kid>.pem` (0600), points
    /// `current` at it, and records it and the superseded key in
    /// `keyring.json`, in an order that leaves a consistent folder after a
    /// crash at any step.
    public func rotate(now: Int64, descriptorLifetime: Int64) throws -> Rotation {
        try loaded.withLock { (l: inout Loaded) throws -> Rotation in
            let previous = l.current.kid
            // Record what is there first, so the superseded key counts as
            // listed until now rather than as a stray file.
            var state = KeyringSchedule.advance(
                l.state,
                current: previous,
                present: Set(l.files.keys),
                now: now,
                descriptorLifetime: descriptorLifetime
            )
            let privateKey = try P256PrivateKey()
            let key = Key(kid: ECPublicJWK.thumbprint(of: privateKey.publicKey), privateKey: privateKey)
            guard l.files[key.kid] == nil else {
                throw HubProtocolError(.file, "a key with the new key's thumbprint already exists")
            }
            // A crash after this leaves a stray key the next pass adopts as withdrawn.
            let name = try folder.writeKey(privateKey, kid: key.kid)
            l.files[key.kid] = name
            // A crash after this leaves the new key current and unrecorded:
            // the next pass records it as current and the old one as retired.
            try folder.writeCurrent(key.kid)
            l.keys[key.kid] = key
            l.current = key
            state.keys[key.kid] = KeyringState.Record(createdAt: now)
            state = KeyringSchedule.advance(
                state,
                current: key.kid,
                present: Set(l.files.keys),
                now: now,
                descriptorLifetime: descriptorLifetime
            )
            try folder.writeState(state)
            l.state = state
            l.stateOnDisk = true
            return Rotation(
                kid: key.kid,
                createdAt: now,
                previous: previous,
                previousLeavesDescriptorAt: now + descriptorLifetime,
                previousDestroyAt: now + descriptorLifetime + KeyringSchedule.opensAfterWithdrawalSeconds
            )
        }
    }

    /// Re-reads the folder (after an operator changed it, on SIGHUP); on any
    /// error the keys held so far stay in use.
    public func reload() throws {
        let contents = try folder.read()
        let fresh = try Self.load(contents, folder: folder)
        loaded.withLock { l in
            var fresh = fresh
            // Without a state file on disk, keep what this process recorded.
            if contents.state == nil, !l.stateOnDisk { fresh.state = l.state }
            l = fresh
        }
    }

    private static func load(_ contents: KeyringFolder.Contents, folder: KeyringFolder) throws -> Loaded {
        let currentPath = folder.path(KeyringFolder.currentFile)
        guard let kid = contents.current, let current = contents.keys[kid] else {
            throw HubProtocolError(
                .file,
                "\(currentPath) must name one of the keys in \(folder.directory) by its kid"
            )
        }
        let state = contents.state ?? KeyringState()
        let opening = KeyringSchedule.opening(state, current: kid, present: Set(contents.keys.keys))
        return Loaded(
            current: current,
            keys: contents.keys.filter { opening.contains($0.key) },
            files: contents.files,
            state: state,
            stateOnDisk: contents.state != nil
        )
    }
}
