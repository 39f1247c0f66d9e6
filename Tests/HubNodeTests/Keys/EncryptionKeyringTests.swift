import Foundation
import GRDB
import HubProtocol
import Logging
import Synchronization
import Testing

@testable import HubNode

/// The key folder on disk: the old layout, rotation, the 37-day rule with
/// real sealed data, crash recovery, and the service that audits and
/// re-publishes (PROTOCOL §7).
@Suite struct EncryptionKeyringTests {
    static let lifetime: Int64 = 86_400
    static let day: Int64 = 86_400
    static let sender = "99990000000000000193"
    static let recipient = "99990000000000000202"

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// Seals a small identity to `key` as the sender would.
    static func sealed(to key: ECPublicJWK) throws -> (String, String) {
        let referral = HubUUID.v4()
        let identity = SealedIdentity(persons: [.init(role: .parent, bsn: try BSN("111222333"))], note: nil)
        return (try identity.seal(to: key, senderOIN: sender, recipientOIN: recipient, referralID: referral), referral)
    }

    /// Opens like the receiver's step 10.
    static func open(_ sealed: (String, String), with keyring: EncryptionKeyring) -> ReceiptReason? {
        do {
            _ = try SealedOfferHandler.open(
                sealed.0,
                keyring: keyring,
                sender: sender,
                recipient: recipient,
                referralID: sealed.1
            )
            return nil
        } catch {
            return error.reason
        }
    }

    @Test func theLayoutBeforeRotationLoadsAsBefore() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let folder = dir.file("enc-keys")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let current = try P256PrivateKey()
        let older = try P256PrivateKey()
        let currentKid = ECPublicJWK.thumbprint(of: current.publicKey)
        let olderKid = ECPublicJWK.thumbprint(of: older.publicKey)
        try SecretFile.create(path: folder + "/\(currentKid).pem", contents: Array(try current.pkcs8PEM().utf8))
        try SecretFile.create(path: folder + "/\(olderKid).pem", contents: Array(try older.pkcs8PEM().utf8))
        try SecretFile.create(path: folder + "/current", contents: Array("\(currentKid)\n".utf8))

        let keyring = try EncryptionKeyring(directory: folder)
        #expect(keyring.current.kid == currentKid)
        #expect(keyring.keys.map(\.kid) == [currentKid, olderKid])
        #expect(keyring.descriptorKeys.map(\.kid) == [currentKid])
        #expect(keyring.privateKey(kid: olderKid) != nil)
        #expect(!FileManager.default.fileExists(atPath: folder + "/keyring.json"), "loading writes nothing")

        // The first maintenance pass records both; the older one as already withdrawn.
        let t0: Int64 = 1_760_000_000
        let changes = try keyring.maintain(now: t0, descriptorLifetime: Self.lifetime)
        #expect(changes.adopted == [currentKid, olderKid].sorted())
        #expect(try Self.mode(folder + "/keyring.json") == 0o600)
        let state = try KeyringState(json: Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/keyring.json"))))
        #expect(state.keys[currentKid] == .init(createdAt: t0))
        #expect(state.keys[olderKid] == .init(createdAt: t0, retiredAt: t0, withdrawnAt: t0))
        #expect(try keyring.maintain(now: t0 + 60, descriptorLifetime: Self.lifetime).isEmpty)
    }

    @Test func aNewFolderGetsOneKey() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let keyring = try EncryptionKeyring(directory: dir.file("enc-keys"))
        #expect(try Self.mode(dir.file("enc-keys")) == 0o700)
        #expect(try Self.mode(dir.file("enc-keys/\(keyring.current.kid).pem")) == 0o600)
        #expect(try Self.mode(dir.file("enc-keys/current")) == 0o600)
        #expect(try EncryptionKeyring(directory: dir.file("enc-keys")).current.kid == keyring.current.kid)
    }

    @Test func sealedToTheOldKeyOpensOnDay36AfterWithdrawalAndIsUnknownOnDay38() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let folder = dir.file("enc-keys")
        let keyring = try EncryptionKeyring(directory: folder)
        let t0: Int64 = 1_760_000_000
        try keyring.maintain(now: t0 - 10 * Self.day, descriptorLifetime: Self.lifetime)
        let old = keyring.current
        let toOld = try Self.sealed(to: old.jwk)

        let rotation = try keyring.rotate(now: t0, descriptorLifetime: Self.lifetime)
        #expect(rotation.previous == old.kid && rotation.kid != old.kid)
        #expect(rotation.previousLeavesDescriptorAt == t0 + Self.lifetime)
        #expect(rotation.previousDestroyAt == t0 + Self.lifetime + 37 * Self.day)
        #expect(try Self.mode(folder + "/\(rotation.kid).pem") == 0o600)
        #expect(try String(contentsOfFile: folder + "/current", encoding: .utf8) == rotation.kid + "\n")
        #expect(try Self.mode(folder + "/current") == 0o600)
        #expect(try Self.mode(folder + "/keyring.json") == 0o600)
        #expect(keyring.descriptorKeys.map(\.kid) == [rotation.kid, old.kid])
        let toNew = try Self.sealed(to: keyring.current.jwk)
        #expect(Self.open(toNew, with: keyring) == nil)
        #expect(Self.open(toOld, with: keyring) == nil)
        // Another process reading the folder sees the same.
        let reread = try EncryptionKeyring(directory: folder)
        #expect(reread.current.kid == rotation.kid)
        #expect(reread.descriptorKeys.map(\.kid) == [rotation.kid, old.kid])

        // One descriptor lifetime later the old key leaves the descriptor.
        var changes = try keyring.maintain(now: t0 + Self.lifetime - 1, descriptorLifetime: Self.lifetime)
        #expect(changes.isEmpty)
        changes = try keyring.maintain(now: t0 + Self.lifetime, descriptorLifetime: Self.lifetime)
        #expect(changes.withdrawn == [old.kid])
        let withdrawn = t0 + Self.lifetime
        #expect(keyring.descriptorKeys.map(\.kid) == [rotation.kid])
        #expect(Self.open(toOld, with: keyring) == nil)
        #expect(keyring.nextChange(descriptorLifetime: Self.lifetime) == withdrawn + 37 * Self.day)

        // Day 36 after withdrawal: still opens.
        #expect(try keyring.maintain(now: withdrawn + 36 * Self.day, descriptorLifetime: Self.lifetime).isEmpty)
        #expect(Self.open(toOld, with: keyring) == nil)
        #expect(FileManager.default.fileExists(atPath: folder + "/\(old.kid).pem"))

        // Day 38: destroyed, and sealed data for it is unknown_key.
        changes = try keyring.maintain(now: withdrawn + 38 * Self.day, descriptorLifetime: Self.lifetime)
        #expect(changes.destroyed == [old.kid])
        #expect(Self.open(toOld, with: keyring) == .unknownKey)
        #expect(Self.open(toNew, with: keyring) == nil)
        #expect(!FileManager.default.fileExists(atPath: folder + "/\(old.kid).pem"))
        let entries = keyring.entries(now: withdrawn + 38 * Self.day, descriptorLifetime: Self.lifetime)
        #expect(entries.map(\.kid) == [rotation.kid, old.kid])
        #expect(entries.map(\.status) == [.current, .destroyed])
        #expect(entries[1].record.destroyedAt == withdrawn + 38 * Self.day)
        #expect(entries[1].record.withdrawnAt == withdrawn)
        #expect(entries[0].leavesDescriptorAt == nil)
        // A fresh load agrees.
        let after = try EncryptionKeyring(directory: folder)
        #expect(after.keys.map(\.kid) == [rotation.kid])
        #expect(Self.open(toOld, with: after) == .unknownKey)
    }

    @Test func reloadPicksUpAFolderChangedByHandAndACrashedRotationRecovers() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let folder = dir.file("enc-keys")
        let keyring = try EncryptionKeyring(directory: folder)
        let t0: Int64 = 1_760_000_000
        try keyring.maintain(now: t0, descriptorLifetime: Self.lifetime)
        let old = keyring.current.kid
        // A rotation that crashed after `current` was replaced, before keyring.json.
        let fresh = try P256PrivateKey()
        let kid = ECPublicJWK.thumbprint(of: fresh.publicKey)
        try SecretFile.create(path: folder + "/\(kid).pem", contents: Array(try fresh.pkcs8PEM().utf8))
        try FileManager.default.removeItem(atPath: folder + "/current")
        try SecretFile.create(path: folder + "/current", contents: Array("\(kid)\n".utf8))
        #expect(keyring.current.kid == old, "nothing changes before a reload")
        try keyring.reload()
        #expect(keyring.current.kid == kid)
        let changes = try keyring.maintain(now: t0 + 5, descriptorLifetime: Self.lifetime)
        #expect(changes.adopted == [kid] && changes.retired == [old])
        #expect(keyring.descriptorKeys.map(\.kid) == [kid, old])

        // A `current` naming no key: the reload fails and the keys stay.
        try FileManager.default.removeItem(atPath: folder + "/current")
        try SecretFile.create(path: folder + "/current", contents: Array("nonsense\n".utf8))
        #expect(throws: HubProtocolError.self) { try keyring.reload() }
        #expect(keyring.current.kid == kid)
    }

    @Test func aDamagedStateFileIsNamed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let folder = dir.file("enc-keys")
        _ = try EncryptionKeyring(directory: folder)
        try SecretFile.create(path: folder + "/keyring.json", contents: Array("{\"v\":1}".utf8))
        do {
            _ = try EncryptionKeyring(directory: folder)
            Issue.record("loaded a damaged keyring.json")
        } catch let error as HubProtocolError {
            #expect(error.message.contains("keyring.json"))
        }
    }

    @Test func serviceAuditsRotationWithKidsOnlyAndRepublishes() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try NodeStore(configuration: StoreConfiguration(path: dir.file("node.sqlite")))
        defer { try? store.close() }
        let now = NodeClock.now()
        let ca = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Test CA", organization: "Test"),
            key: P256PrivateKey(),
            notBefore: now - 3600,
            notAfter: now + 86_400
        )
        let nodeKey = try P256PrivateKey()
        let certificate = try ca.issue(
            .node(
                oin: Self.recipient,
                displayName: "Gemeente Arnhem",
                dnsNames: ["hub.example"],
                notBefore: now - 3600,
                notAfter: now + 86_400
            ),
            publicKey: nodeKey.publicKey
        )
        let identity = try NodeIdentity(
            oin: Self.recipient,
            name: "Gemeente Arnhem",
            municipalityCode: "GM0202",
            signer: JWSSigner(key: nodeKey, chain: [certificate])
        )
        let keyring = try EncryptionKeyring(directory: dir.file("enc-keys"))
        let publisher = DescriptorPublisher(
            contents: .init(endpoint: "https://hub.example:8443", encryptionKeys: keyring.descriptorKeys),
            lifetime: Self.lifetime
        )
        let clock = Mutex<Int64>(now)
        let service = KeyringService(
            keyring: keyring,
            publisher: publisher,
            store: store,
            descriptorLifetime: Self.lifetime,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            clock: { clock.withLock { $0 } }
        )
        func listed() throws -> [String] {
            let jws = try publisher.descriptor(identity: identity, now: clock.withLock { $0 })
            let payload = try JSONParser.parse(try CompactJWS(jws).payload)
            return (payload["enc_keys"]?.arrayValue ?? []).compactMap { $0["kid"]?.stringValue }
        }
        let first = try await service.maintain()
        #expect(first.adopted == [keyring.current.kid])
        let old = keyring.current.kid
        #expect(try listed() == [old])

        let rotation = try await service.rotate(actor: "Operator Arnhem")
        #expect(try listed() == [rotation.kid, old], "the cached descriptor was replaced at once")
        let entries = try await store.read { db in
            try AuditEntryRow.fetchAll(db, sql: "SELECT * FROM audit_log WHERE action LIKE 'keys.%' ORDER BY i")
        }
        #expect(entries.map(\.action) == ["keys.maintain_enc", "keys.rotate_enc"])
        let details = try JSONParser.parse(Array(entries[1].entryJSON.utf8))["details"]
        #expect(details == .object(["kid": .string(rotation.kid), "previous": .string(old)]))
        #expect(entries[1].actor == "Operator Arnhem")

        // A lifetime later the maintenance pass withdraws the old key and re-signs.
        clock.withLock { $0 = now + Self.lifetime }
        let changes = try await service.maintain()
        #expect(changes.withdrawn == [old])
        #expect(try listed() == [rotation.kid])
        #expect(service.entries().map(\.status) == [.current, .withdrawn])
    }
}
