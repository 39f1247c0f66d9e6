import Foundation
import GRDB
import HTTPTypes
import HubProtocol
import HummingbirdCore
import Logging
import Testing

@testable import HubNode

/// The receive endpoint's answers that need no network: quotas (429) and a
/// database that cannot store (503, nothing acknowledged).
@Suite struct FederationAPITests {
    let directory: URL
    let store: NodeStore
    let state: NodeState
    let peer: JWSSigner
    static let ownOIN = "99990000000000000202"
    static let peerOIN = "99990000000000000193"

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hub-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try NodeStore(
            configuration: StoreConfiguration(path: directory.appendingPathComponent("hub.sqlite").path)
        )
        let now = Int64(Date().timeIntervalSince1970)
        let root = try CertificateAuthority.selfSignedRoot(
            subject: CertificateSubject(commonName: "API Test Root"),
            key: P256PrivateKey(),
            notBefore: now - 3600,
            notAfter: now + 86_400
        )
        func node(_ oin: String) throws -> JWSSigner {
            let key = try P256PrivateKey()
            let cert = try root.issue(
                .node(
                    oin: oin,
                    displayName: oin,
                    dnsNames: ["localhost"],
                    notBefore: now - 3600,
                    notAfter: now + 86_400
                ),
                publicKey: key.publicKey
            )
            return try JWSSigner(key: key, chain: [cert])
        }
        peer = try node(Self.peerOIN)
        let identity = try NodeIdentity(
            oin: Self.ownOIN,
            name: "Gemeente Arnhem",
            municipalityCode: "GM0202",
            signer: node(Self.ownOIN)
        )
        let bundle = try TrustBundle(roots: [root.certificate])
        state = NodeState(
            .init(
                identity: identity,
                peers: [PeerEndpoint(name: "Zwolle", oin: Self.peerOIN, host: "localhost", port: 1)],
                federation: bundle,
                local: bundle
            )
        )
    }

    /// Rows in `table`, read synchronously.
    func count(_ table: String) throws -> Int {
        let read: (Database) throws -> Int = { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
        return try store.read(read)
    }

    func api(quota: Int = 100_000) -> FederationAPI {
        var limits = NodeConfiguration.Limits()
        limits.dailyMessageQuota = quota
        return FederationAPI(
            store: store,
            state: state,
            registry: MessageHandlerRegistry(),
            publisher: DescriptorPublisher(contents: .init(endpoint: "https://localhost", encryptionKeys: [])),
            delivery: nil,
            limits: limits,
            logger: Logger(label: "test")
        )
    }

    func batch(_ count: Int) throws -> [UInt8] {
        let now = Int64(Date().timeIntervalSince1970)
        let messages: [JSONValue] = try (0..<count).map { _ in
            let payload = MessagePayload(
                type: "referral.accept",
                jti: HubUUID.v7(),
                iss: Self.peerOIN,
                aud: Self.ownOIN,
                iat: now,
                exp: now + 3600,
                body: .object(["referral_id": .string(HubUUID.v4())])
            )
            return .string(try peer.sign(encoding: payload, typ: .message))
        }
        return JCS.serialize(.object(["messages": .array(messages)]))
    }

    @Test func dailyQuotaGives429WithRetryAfter() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let api = api(quota: 3)
        _ = try await api.receive(try batch(2), from: Self.peerOIN)
        do {
            _ = try await api.receive(try batch(2), from: Self.peerOIN)
            Issue.record("the quota was not enforced")
        } catch let error as HubHTTPError {
            #expect(error.status.code == 429 && error.code == "quota_exceeded")
            #expect((error.retryAfterSeconds ?? 0) > 0 && (error.retryAfterSeconds ?? 0) <= 90_000)
        }
        #expect(try count("inbox") == 2)
    }

    @Test func unwritableDatabaseGives503AndAcknowledgesNothing() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 1") }
        do {
            _ = try await api().receive(try batch(3), from: Self.peerOIN)
            Issue.record("answered although nothing could be stored")
        } catch let error as HubHTTPError {
            #expect(error.status.code == 503 && error.code == "storage_unavailable" && error.retryAfterSeconds == 30)
        }
        try await store.pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA query_only = 0") }
        #expect(try count("inbox") == 0)
        #expect(try count("audit_log") == 0)
        // Once the database can store again, the same batch is accepted.
        let response = try await api().receive(try batch(3), from: Self.peerOIN)
        #expect(response.status.code == 200)
    }
}
