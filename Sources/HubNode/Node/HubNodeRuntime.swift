import Foundation
import HubProtocol
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
internal import Synchronization
import UnixSignals

/// A running node: every service in one `ServiceGroup`, reload on SIGHUP,
/// graceful stop on SIGTERM/SIGINT (PROTOCOL, issue "The node").
public final class HubNodeRuntime: Sendable {
    /// The loaded configuration.
    public let configuration: NodeConfiguration
    /// The store.
    public let store: NodeStore
    /// Identity, peers and trust.
    public let state: NodeState
    let configurationPath: String
    let logger: Logger
    let tlsBox: TLSContextBox
    let connections: ConnectionRegistry
    let client: any ReloadablePeerTransport
    let publisher: DescriptorPublisher
    let delivery: DeliveryService
    let checkpoints: AuditCheckpointService
    let retentionJob: RetentionJob
    let application: any Service
    let facts: FactsBox
    let keys: KeyringService
    let metrics: HubMetrics
    let metricsService: MetricsService?

    /// Builds a node from its configuration file; nothing listens until ``run()``.
    ///
    /// - Parameter makeTransport: builds the peer client from the client TLS context.
    public init(
        configurationPath: String,
        configuration: NodeConfiguration,
        logger: Logger,
        makeTransport: (TLSContext) throws -> any ReloadablePeerTransport
    ) throws {
        self.configurationPath = configurationPath
        self.configuration = configuration
        self.logger = logger
        let material = try NodeMaterial.load(configuration)
        store = try NodeStore(
            configuration: StoreConfiguration(
                path: configuration.storage.database,
                synchronous: configuration.storage.synchronous == .full ? .full : .normal
            )
        )
        // The pseudonym key is made on first start; operators back it up (PROTOCOL §8).
        if !FileManager.default.fileExists(atPath: configuration.storage.pseudonymKey) {
            try PseudonymKey.generate().write(path: configuration.storage.pseudonymKey)
            logger.notice(
                "created a new pseudonym key; back it up",
                metadata: ["path": "\(configuration.storage.pseudonymKey)"]
            )
        }
        let vault = try IdentityVault(pseudonymKey: PseudonymKey.load(path: configuration.storage.pseudonymKey))
        let keyring = try EncryptionKeyring(directory: configuration.storage.encryptionKeys)
        state = NodeState(material.snapshot)
        tlsBox = TLSContextBox(material.serverTLS)
        connections = ConnectionRegistry(limit: configuration.limits.maxConnectionsPerIdentity)
        facts = FactsBox(
            OperatorAPI.CertificateFacts(
                certificateNotAfter: material.certificateNotAfter,
                crlNextUpdates: material.crlNextUpdates
            )
        )
        client = try makeTransport(material.clientTLS)
        let metrics = HubMetrics()
        self.metrics = metrics
        let endpoint = configuration.listen.publicEndpoint
        publisher = DescriptorPublisher(
            contents: .init(
                endpoint: endpoint.port == 443
                    ? "https://\(endpoint.host)" : "https://\(endpoint.host):\(endpoint.port)",
                encryptionKeys: keyring.descriptorKeys,
                capabilities: ["referral/1", "methodology/1"]
            ),
            lifetime: Int64(configuration.delivery.descriptorLifetimeSeconds)
        )
        keys = KeyringService(
            keyring: keyring,
            publisher: publisher,
            store: store,
            descriptorLifetime: Int64(configuration.delivery.descriptorLifetimeSeconds),
            logger: logger
        )
        let descriptors = DescriptorCache(store: store, transport: client)
        var deliverySettings = DeliveryService.Settings()
        deliverySettings.backoff = Backoff(
            initialSeconds: Double(configuration.delivery.backoffInitialSeconds),
            capSeconds: Double(configuration.delivery.backoffMaxSeconds)
        )
        deliverySettings.parkingAgeSeconds = Int64(configuration.delivery.parkingAgeSeconds)
        deliverySettings.maxBatchMessages = configuration.limits.maxBatchMessages
        deliverySettings.maxBatchBytes = configuration.limits.maxBatchBytes
        delivery = DeliveryService(
            store: store,
            signal: store.outboxSignal,
            state: state,
            transport: client,
            descriptors: descriptors,
            settings: deliverySettings,
            hooks: ReferralDeliveryHooks.hooks(vault: vault),
            logger: logger,
            metrics: metrics
        )
        checkpoints = AuditCheckpointService(
            store: store,
            file: AuditCheckpointFile(path: configuration.storage.auditCheckpoints),
            state: state,
            logger: logger
        )

        let router = Router(context: HubRequestContext.self)
        router.middlewares.add(RequestLogMiddleware(logger: logger, metrics: metrics))
        var registry = MessageHandlerRegistry()
        registry.register(
            ReferralOfferHandler(keyring: keyring, vault: vault, ownOIN: configuration.identity.oin),
            for: .referralOffer
        )
        registry.register(ReferralAnswerHandler(.accept), for: .referralAccept)
        registry.register(ReferralAnswerHandler(.reject), for: .referralReject)
        registry.register(ReferralAnswerHandler(.complete), for: .referralComplete)
        registry.register(ReferralWithdrawHandler(), for: .referralWithdraw)
        FederationAPI(
            store: store,
            state: state,
            registry: registry,
            publisher: publisher,
            delivery: delivery,
            limits: configuration.limits,
            logger: logger,
            metrics: metrics
        ).register(on: router)
        let cases = CaseService(
            store: store,
            state: state,
            vault: vault,
            keyring: keyring,
            descriptors: descriptors,
            messageLifetime: Int64(configuration.delivery.messageLifetimeSeconds)
        )
        PrivacyAPI(
            subjects: SubjectService(cases: cases),
            store: store,
            reader: RequestBodyReader(maxBytes: 64 << 10, timeout: .seconds(configuration.limits.requestTimeoutSeconds))
        ).register(on: router)
        CaseworkerAPI(
            cases: cases,
            reader: RequestBodyReader(
                maxBytes: configuration.limits.maxBodyBytes,
                timeout: .seconds(configuration.limits.requestTimeoutSeconds)
            )
        ).register(on: router)
        let retention = RetentionService(store: store, closedCaseAgeDays: configuration.retention.closedCaseAgeDays)
        RetentionAPI(retention: retention).register(on: router)
        retentionJob = RetentionJob(
            retention: retention,
            runDailyAt: configuration.retention.runDailyAt,
            logger: logger
        )
        let facts = self.facts
        OperatorAPI(
            store: store,
            state: state,
            delivery: delivery,
            checkpoints: checkpoints,
            certificates: { facts.value },
            messageLifetime: Int64(configuration.delivery.messageLifetimeSeconds),
            logger: logger
        ).register(on: router)
        KeysAPI(keys: keys).register(on: router)

        let state = self.state
        let tlsBox = self.tlsBox
        let connections = self.connections
        let limits = configuration.limits
        let server = HTTPServerBuilder { responder in
            let http = HTTP1Channel(
                responder: responder,
                configuration: .init(
                    additionalChannelHandlers: [],
                    idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds)),
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: limits.maxHeaderBytes,
                        maxHeaderListSize: limits.maxHeaderBytes
                    )
                )
            )
            return HubChildChannel(
                http: http,
                tls: tlsBox,
                limiter: HandshakeLimiter(
                    maximumPerAddress: limits.maxHandshakesPerAddress,
                    onRefusal: { metrics.handshakeFailed(.rateLimited) }
                ),
                registry: connections,
                classify: { peer in NodeMaterial.classify(peer, snapshot: state.snapshot) },
                onHandshakeFailure: { error in
                    if let reason = HandshakeFailureReason(error) { metrics.handshakeFailed(reason) }
                }
            )
        }
        let appConfiguration = ApplicationConfiguration(
            address: .hostname(configuration.listen.address, port: configuration.listen.port),
            serverName: nil
        )
        let logger = self.logger
        application = Application(
            responder: router.buildResponder(),
            server: server,
            configuration: appConfiguration,
            onServerRunning: { channel in
                let address = channel.localAddress
                logger.notice(
                    "ready",
                    metadata: [
                        "address": "\(address?.ipAddress ?? "?")", "port": "\(address?.port ?? 0)",
                        "oin": "\(state.snapshot.identity.oin)",
                    ]
                )
            },
            logger: logger
        )
        // Prometheus /metrics and /healthz on their own plain-HTTP listener (docs/metrics.md).
        metricsService =
            configuration.metrics.enabled
            ? MetricsService(
                configuration: configuration.metrics,
                collector: MetricsCollector(
                    metrics: metrics,
                    store: store,
                    peers: { Set(state.snapshot.peers.keys) },
                    certificates: { facts.value },
                    logger: logger
                ),
                logger: logger
            ) : nil
    }

    /// Runs until SIGTERM or SIGINT, then stops accepting, finishes requests
    /// in flight (at most 10 s) and closes the database.
    public func run() async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: delivery), .init(service: checkpoints), .init(service: keys),
            .init(service: ReloadService(runtime: self)), .init(service: retentionJob), .init(service: application),
        ]
        if let metricsService {
            // A failed metrics listener ends alone; the node runs on.
            services.append(.init(service: metricsService, successTerminationBehavior: .ignore))
        }
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(10)
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        try await group.run()
        try store.close()
        logger.notice("stopped")
    }

    /// Re-reads the configuration file, certificates, keys, CRLs and peers;
    /// closes connections whose peer no longer verifies.
    public func reload() async {
        await keys.reload()
        do {
            let configuration = try NodeConfiguration.load(path: configurationPath)
            let material = try NodeMaterial.load(configuration)
            state.replace(with: material.snapshot)
            tlsBox.replace(with: material.serverTLS)
            try client.replaceTLSContext(material.clientTLS)
            publisher.invalidate()
            facts.value = OperatorAPI.CertificateFacts(
                certificateNotAfter: material.certificateNotAfter,
                crlNextUpdates: material.crlNextUpdates
            )
            let snapshot = material.snapshot
            let closed = connections.closeConnections { chain in
                guard (try? material.serverTLS.verify(peerChain: chain)) != nil else { return true }
                if case .unknownPeer = NodeMaterial.classify(
                    TLSPeerLite.peer(chain: chain, context: material.serverTLS),
                    snapshot: snapshot
                ) {
                    return true
                }
                return false
            }
            let now = NodeClock.now()
            try await store.write { db in
                try AuditLog.append(
                    .object(["closed_connections": .integer(Int64(closed))]),
                    actor: "node",
                    action: "node.reload",
                    at: now,
                    in: db
                )
            }
            logger.notice("reloaded certificates, keys, CRLs and peers", metadata: ["closed_connections": "\(closed)"])
        } catch {
            logger.error("reload failed; the previous configuration stays in force", metadata: ["error": "\(error)"])
        }
    }
}

/// A peer transport whose TLS context can be replaced after a reload.
public protocol ReloadablePeerTransport: PeerTransport {
    /// Uses `context` for new connections and closes pooled ones.
    func replaceTLSContext(_ context: TLSContext) throws(HubNodeError)
}

/// Mutable certificate facts for the status endpoint, replaced on reload.
final class FactsBox: Sendable {
    private let facts: Mutex<OperatorAPI.CertificateFacts>
    init(_ value: OperatorAPI.CertificateFacts) { facts = Mutex(value) }
    var value: OperatorAPI.CertificateFacts {
        get { facts.withLock { $0 } }
        set { facts.withLock { $0 = newValue } }
    }
}

/// Rebuilds a ``TLSPeer`` from a stored chain, for re-classification after a reload.
enum TLSPeerLite {
    static func peer(chain: [[UInt8]], context: TLSContext) -> TLSPeer {
        let leaf = chain.first.flatMap { try? Certificate(der: $0) }
        let bundle = (try? context.verify(peerChain: chain)) ?? .federation
        return TLSPeer(
            chain: chain,
            oin: leaf?.oin,
            commonName: leaf?.subjectCommonName,
            uris: leaf?.sanURIs ?? [],
            dnsNames: leaf?.sanDNSNames ?? [],
            spkiSHA256: leaf?.spkiSHA256 ?? [],
            rootSHA256: [],
            trustBundle: bundle
        )
    }
}

/// Reloads the node on SIGHUP.
struct ReloadService: Service {
    let runtime: HubNodeRuntime

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await runtime.reload()
            }
        }
    }
}

extension HubHTTPClient: ReloadablePeerTransport {}
