import GRDB
import HubProtocol
public import Logging
public import ServiceLifecycle

/// Runs the encryption keys' life (PROTOCOL §7, ``KeyringSchedule``) in a
/// running node: rotation on an operator's request, re-reading the folder on
/// reload, and a maintenance pass at start and whenever a key is due to
/// leave the descriptor or be destroyed (at least hourly). After each
/// change the descriptor is re-signed with the keys the keyring lists.
///
/// Key changes and their audit entries (`keys.rotate_enc`,
/// `keys.maintain_enc`, kids only) are made inside one write transaction, so
/// a key change that fails leaves no audit entry.
public final class KeyringService: Service, Sendable {
    /// The live keyring.
    public let keyring: EncryptionKeyring
    private let publisher: DescriptorPublisher
    private let store: NodeStore
    /// `exp − iat` of this node's descriptors, in seconds.
    public let descriptorLifetime: Int64
    private let logger: Logger
    private let clock: @Sendable () -> Int64

    /// Makes the service.
    public init(
        keyring: EncryptionKeyring,
        publisher: DescriptorPublisher,
        store: NodeStore,
        descriptorLifetime: Int64,
        logger: Logger,
        clock: @escaping @Sendable () -> Int64 = NodeClock.now
    ) {
        self.keyring = keyring
        self.publisher = publisher
        self.store = store
        self.descriptorLifetime = descriptorLifetime
        self.logger = logger
        self.clock = clock
    }

    /// Maintains the keys now, then again when the next change is due (at
    /// most an hour later), until shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let done = await self.maintainLogging()
                let now = self.clock()
                let next = self.keyring.nextChange(descriptorLifetime: self.descriptorLifetime) ?? (now + 3600)
                // After a failure, try again in a minute rather than at once.
                let wait = done ? max(1, min(3600, next - now)) : 60
                try? await Task.sleep(for: .seconds(wait))
            }
        }
    }

    /// Applies the schedule now; audits and re-publishes when anything changed.
    @discardableResult
    public func maintain() async throws -> EncryptionKeyring.Changes {
        let now = clock()
        let (keyring, lifetime) = (keyring, descriptorLifetime)
        defer { publisher.updateEncryptionKeys(keyring.descriptorKeys) }
        let changes = try await store.write { db in
            let changes = try keyring.maintain(now: now, descriptorLifetime: lifetime)
            if !changes.isEmpty {
                try AuditLog.append(
                    .object([
                        "withdrawn": .array(changes.withdrawn.map { .string($0) }),
                        "destroyed": .array(changes.destroyed.map { .string($0) }),
                        "adopted": .array(changes.adopted.map { .string($0) }),
                        "retired": .array(changes.retired.map { .string($0) }),
                    ]),
                    actor: "node",
                    action: "keys.maintain_enc",
                    at: now,
                    in: db
                )
            }
            return changes
        }
        if !changes.isEmpty {
            logger.notice(
                "encryption keys maintained",
                metadata: [
                    "withdrawn": "\(changes.withdrawn)", "destroyed": "\(changes.destroyed)",
                    "adopted": "\(changes.adopted)", "retired": "\(changes.retired)",
                ]
            )
        }
        return changes
    }

    /// Makes a new encryption key current; the descriptor lists it first from
    /// the next fetch on, followed by the superseded key.
    public func rotate(actor: String) async throws -> EncryptionKeyring.Rotation {
        let now = clock()
        let (keyring, lifetime) = (keyring, descriptorLifetime)
        defer { publisher.updateEncryptionKeys(keyring.descriptorKeys) }
        let rotation = try await store.write { db in
            let rotation = try keyring.rotate(now: now, descriptorLifetime: lifetime)
            try AuditLog.append(
                .object(["kid": .string(rotation.kid), "previous": .string(rotation.previous)]),
                actor: actor,
                action: "keys.rotate_enc",
                at: now,
                in: db
            )
            return rotation
        }
        logger.notice(
            "encryption key rotated",
            metadata: ["kid": "\(rotation.kid)", "previous": "\(rotation.previous)"]
        )
        return rotation
    }

    /// Re-reads the key folder and applies the schedule; on error the keys
    /// held so far stay in use.
    public func reload() async {
        do {
            try keyring.reload()
        } catch {
            logger.error(
                "cannot re-read the encryption keys; the keys held so far stay in use",
                metadata: ["error": "\(error)"]
            )
        }
        await maintainLogging()
    }

    /// Every key as the state is now.
    public func entries() -> [EncryptionKeyring.Entry] {
        keyring.entries(now: clock(), descriptorLifetime: descriptorLifetime)
    }

    @discardableResult
    private func maintainLogging() async -> Bool {
        do {
            try await maintain()
            return true
        } catch {
            logger.error("encryption key maintenance failed; retrying later", metadata: ["error": "\(error)"])
            return false
        }
    }
}
