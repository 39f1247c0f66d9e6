import Foundation
import GRDB
import HubProtocol
import Logging
import Synchronization
import Testing

@testable import HubNode

/// Three in-process nodes (Arnhem, Zwolle, Assen), each with its own
/// database, keys and case service, wired without a network: a node's
/// delivery service posts its outbox batches straight into the other node's
/// `MessageReceiver`, so messages, receipts and hooks take their real paths.
final class ReferralTestFederation: Sendable {
    static let arnhemOIN = "99990000000000000202"
    static let zwolleOIN = "99990000000000000193"
    static let assenOIN = "99990000000000000106"

    /// One node.
    final class Node: Sendable {
        let oin: String
        let name: String
        let directory: TemporaryDirectory
        let store: NodeStore
        let state: NodeState
        let keyring: EncryptionKeyring
        let vault: IdentityVault
        let publisher: DescriptorPublisher
        let registry: MessageHandlerRegistry
        let delivery: DeliveryService
        let cases: CaseService

        init(
            oin: String,
            name: String,
            code: String,
            ca: CertificateAuthority,
            bundle: TrustBundle,
            peers: [PeerEndpoint],
            transport: LoopbackTransport
        ) throws {
            self.oin = oin
            self.name = name
            directory = try TemporaryDirectory()
            store = try NodeStore(configuration: StoreConfiguration(path: directory.file("node.sqlite")))
            let key = try P256PrivateKey()
            let now = NodeClock.now()
            let certificate = try ca.issue(
                .node(
                    oin: oin,
                    displayName: name,
                    dnsNames: ["hub.\(code).example"],
                    notBefore: now - 3600,
                    notAfter: now + 86_400
                ),
                publicKey: key.publicKey
            )
            let identity = try NodeIdentity(
                oin: oin,
                name: name,
                municipalityCode: code,
                signer: JWSSigner(key: key, chain: [certificate])
            )
            state = NodeState(.init(identity: identity, peers: peers, federation: bundle, local: bundle))
            keyring = try EncryptionKeyring(directory: directory.file("keys"))
            vault = try IdentityVault(pseudonymKey: .generate())
            publisher = DescriptorPublisher(
                contents: .init(
                    endpoint: "https://hub.\(code).example:8443",
                    encryptionKeys: [keyring.current.jwk],
                    capabilities: ["referral/1", "methodology/1"]
                )
            )
            var registry = MessageHandlerRegistry()
            registry.register(ReferralOfferHandler(keyring: keyring, vault: vault, ownOIN: oin), for: .referralOffer)
            registry.register(ReferralAnswerHandler(.accept), for: .referralAccept)
            registry.register(ReferralAnswerHandler(.reject), for: .referralReject)
            registry.register(ReferralAnswerHandler(.complete), for: .referralComplete)
            registry.register(ReferralWithdrawHandler(), for: .referralWithdraw)
            self.registry = registry
            let descriptors = DescriptorCache(store: store, transport: transport.as(oin))
            delivery = DeliveryService(
                store: store,
                signal: store.outboxSignal,
                state: state,
                transport: transport.as(oin),
                descriptors: descriptors,
                hooks: ReferralDeliveryHooks.hooks(vault: vault),
                logger: Logger(label: "test.\(code)", factory: { _ in SwiftLogNoOpLogHandler() })
            )
            cases = CaseService(
                store: store,
                state: state,
                vault: vault,
                keyring: keyring,
                descriptors: descriptors,
                messageLifetime: 86_400
            )
        }

        /// Delivers everything queued for `peer` (one round of the real delivery path).
        func deliver(to peer: Node) async {
            await delivery.deliverRound(to: peer.oin)
        }

        func referral(sender: String, id: String) throws -> ReferralRow {
            try #require(try store.read { db in try ReferralRow.find(sender: sender, id: id, in: db) })
        }

        func caseRow(_ id: String) throws -> CaseRow? {
            try store.read { db in try CaseRow.fetchOne(db, key: id) }
        }

        func outbox(state: OutboxRow.State? = nil) throws -> [OutboxRow] {
            try store.read { db in
                try OutboxRow.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id").filter {
                    state == nil || $0.state == state
                }
            }
        }

        func auditEntries() throws -> [String] {
            try store.read { db in try String.fetchAll(db, sql: "SELECT entry_json FROM audit_log ORDER BY i") }
        }
    }

    let arnhem: Node
    let zwolle: Node
    let assen: Node
    let transport: LoopbackTransport

    init() throws {
        let now = NodeClock.now()
        let ca = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "Referral Test Root", organization: "Hub Test"),
            key: P256PrivateKey(),
            notBefore: now - 86_400,
            notAfter: now + 10 * 86_400
        )
        let bundle = try TrustBundle(roots: [ca.certificate])
        let all = [
            (Self.arnhemOIN, "Gemeente Arnhem", "GM0202"), (Self.zwolleOIN, "Gemeente Zwolle", "GM0193"),
            (Self.assenOIN, "Gemeente Assen", "GM0106"),
        ]
        let endpoints = all.map { PeerEndpoint(name: $0.1, oin: $0.0, host: "hub.\($0.2).example", port: 8443) }
        transport = LoopbackTransport()
        var nodes: [Node] = []
        for (oin, name, code) in all {
            nodes.append(
                try Node(
                    oin: oin,
                    name: name,
                    code: code,
                    ca: ca,
                    bundle: bundle,
                    peers: endpoints.filter { $0.oin != oin },
                    transport: transport
                )
            )
        }
        arnhem = nodes[0]
        zwolle = nodes[1]
        assen = nodes[2]
        transport.nodes.withLock { $0 = Dictionary(uniqueKeysWithValues: nodes.map { ($0.oin, $0) }) }
    }

    /// Closes the stores and removes the directories.
    func close() {
        transport.nodes.withLock { $0 = [:] }
        for node in [arnhem, zwolle, assen] {
            try? node.store.close()
            node.directory.remove()
        }
    }

    /// Runs `body` with a fresh federation and removes it afterwards.
    static func with(_ body: (ReferralTestFederation) async throws -> Void) async throws {
        let federation = try ReferralTestFederation()
        defer { federation.close() }
        try await body(federation)
    }
}

/// Posts batches into the destination node's receiver as if over mutual TLS
/// from `caller`, and serves its descriptor.
final class LoopbackTransport: Sendable {
    let nodes = Mutex<[String: ReferralTestFederation.Node]>([:])

    /// The transport as used by the node `oin`.
    func `as`(_ oin: String) -> Caller { Caller(federation: self, callerOIN: oin) }

    struct Caller: PeerTransport {
        let federation: LoopbackTransport
        let callerOIN: String

        func postMessages(_ body: [UInt8], to peer: PeerEndpoint) async throws -> PeerAnswer {
            guard let node = federation.nodes.withLock({ $0[peer.oin] }) else {
                throw LoopbackError()
            }
            let messages = try FederationAPI.parseBatch(body, max: 100)
            let snapshot = node.state.snapshot
            let receiver = MessageReceiver(identity: snapshot.identity, registry: node.registry)
            let caller = callerOIN
            let outcomes = try await node.store.write { db in
                var alerts: [String] = []
                return try receiver.receive(
                    messages,
                    from: caller,
                    verifier: snapshot.verifier,
                    now: NodeClock.now(),
                    alerts: &alerts,
                    in: db
                )
            }
            return PeerAnswer(
                status: 200,
                body: JCS.serialize(.object(["receipts": .array(outcomes.map { .string($0.receipt) })]))
            )
        }

        func getDescriptor(from peer: PeerEndpoint) async throws -> PeerAnswer {
            guard let node = federation.nodes.withLock({ $0[peer.oin] }) else {
                throw LoopbackError()
            }
            let jws = try node.publisher.descriptor(identity: node.state.snapshot.identity, now: NodeClock.now())
            return PeerAnswer(status: 200, body: JCS.serialize(.object(["descriptor": .string(jws)])))
        }
    }
}

/// No such node in the loopback federation.
struct LoopbackError: Error {}
