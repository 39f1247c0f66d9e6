import Foundation
import HubNode
import HubProtocol
import Testing

@Suite("NodeConfiguration: loading")
struct NodeConfigurationLoadingTests {
    @Test("a file setting every key loads with every value")
    func fullFile() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("tls/signing.pem", "cert")
        try fixture.write("tls/signing.key", "key", mode: 0o400)
        try fixture.write("crl/federation.crl.pem", "crl")
        try fixture.write("crl/local.crl.pem", "crl")
        try FileManager.default.createDirectory(atPath: fixture.path("state"), withIntermediateDirectories: true)
        let configuration = try fixture.load(
            """
            identity:
              oin: "99990000000000000001"
              name: Gemeente Arnhem
              municipality_code: GM0202
            listen:
              address: 0.0.0.0
              port: 0
              public_endpoint: https://Hub.Arnhem.example:9443/
            tls:
              certificate: tls/node.pem
              key: tls/node.key
              signing_certificate: tls/signing.pem
              signing_key: tls/signing.key
              federation_ca: tls/federation-ca.pem
              local_ca: tls/local-ca.pem
              crls: [crl/federation.crl.pem, crl/local.crl.pem]
            storage:
              database: state/node.sqlite
              synchronous: normal
              audit_checkpoints: state/checkpoints.jwsl
              pseudonym_key: state/pseudonym.key
              encryption_keys: state/keys
            peers:
              - name: Gemeente Zwolle
                oin: "99990000000000000002"
                endpoint: https://hub.zwolle.example:8443
              - name: Gemeente Assen
                oin: "99990000000000000003"
                endpoint: https://[::1]:8444
              - name: Gemeente Utrecht
                oin: "99990000000000000004"
                endpoint: https://10.0.0.4
            limits:
              max_body_bytes: 1048576
              max_header_bytes: 8192
              idle_timeout_seconds: 61
              request_timeout_seconds: 31
              handshake_timeout_seconds: 11
              max_handshakes_per_address: 33
              max_connections_per_identity: 9
              daily_message_quota: 1000
              stored_bytes_quota: 2097152
              max_batch_messages: 50
              max_batch_bytes: 65536
            delivery:
              backoff_initial_seconds: 2
              backoff_max_seconds: 600
              parking_age_seconds: 86400
              descriptor_lifetime_seconds: 3600
              message_lifetime_seconds: 172800
              connect_timeout_seconds: 5
              request_timeout_seconds: 20
            retention:
              closed_case_age_days: 365
              run_daily_at: "04:15"
            stats:
              allowed_coordinators: ["99990000000000000002", "99990000000000000001"]
              max_queries_per_coordinator_per_day: 10
              min_cell: 10
              round_to: 10
              epsilon_per_requester: "0.5"
              epsilon_per_year: "2.25"
            metrics:
              enabled: false
              address: "::1"
              port: 9100
            logging:
              level: debug
              format: json
            clock_skew_seconds: 120
            """
        )
        let d = fixture.directory
        #expect(
            configuration.identity
                == .init(oin: "99990000000000000001", name: "Gemeente Arnhem", municipalityCode: "GM0202")
        )
        #expect(configuration.listen.address == "0.0.0.0")
        #expect(configuration.listen.port == 0)
        #expect(configuration.listen.publicEndpoint.host == "hub.arnhem.example")
        #expect(configuration.listen.publicEndpoint.port == 9443)
        #expect(configuration.listen.publicEndpoint.description == "https://hub.arnhem.example:9443")
        #expect(
            configuration.tls
                == .init(
                    certificate: d + "/tls/node.pem",
                    key: d + "/tls/node.key",
                    signingCertificate: d + "/tls/signing.pem",
                    signingKey: d + "/tls/signing.key",
                    federationCA: d + "/tls/federation-ca.pem",
                    localCA: d + "/tls/local-ca.pem",
                    crls: [d + "/crl/federation.crl.pem", d + "/crl/local.crl.pem"]
                )
        )
        #expect(configuration.storage.database == d + "/state/node.sqlite")
        #expect(configuration.storage.synchronous == .normal)
        #expect(configuration.storage.auditCheckpoints == d + "/state/checkpoints.jwsl")
        #expect(configuration.storage.pseudonymKey == d + "/state/pseudonym.key")
        #expect(configuration.storage.encryptionKeys == d + "/state/keys")
        #expect(configuration.peers.map(\.name) == ["Gemeente Zwolle", "Gemeente Assen", "Gemeente Utrecht"])
        #expect(
            configuration.peers.map(\.oin) == ["99990000000000000002", "99990000000000000003", "99990000000000000004"]
        )
        #expect(
            configuration.peers.map(\.endpoint.description)
                == ["https://hub.zwolle.example:8443", "https://[::1]:8444", "https://10.0.0.4:443"]
        )
        #expect(configuration.peers[1].endpoint.host == "::1")

        var limits = NodeConfiguration.Limits()
        limits.maxBodyBytes = 1_048_576
        limits.maxHeaderBytes = 8192
        limits.idleTimeoutSeconds = 61
        limits.requestTimeoutSeconds = 31
        limits.handshakeTimeoutSeconds = 11
        limits.maxHandshakesPerAddress = 33
        limits.maxConnectionsPerIdentity = 9
        limits.dailyMessageQuota = 1000
        limits.storedBytesQuota = 2_097_152
        limits.maxBatchMessages = 50
        limits.maxBatchBytes = 65536
        #expect(configuration.limits == limits)

        var delivery = NodeConfiguration.Delivery()
        delivery.backoffInitialSeconds = 2
        delivery.backoffMaxSeconds = 600
        delivery.parkingAgeSeconds = 86400
        delivery.descriptorLifetimeSeconds = 3600
        delivery.messageLifetimeSeconds = 172_800
        delivery.connectTimeoutSeconds = 5
        delivery.requestTimeoutSeconds = 20
        #expect(configuration.delivery == delivery)

        #expect(configuration.retention.closedCaseAgeDays == 365)
        #expect(configuration.retention.runDailyAt == .init(hour: 4, minute: 15))
        #expect(configuration.stats.allowedCoordinators == ["99990000000000000002", "99990000000000000001"])
        #expect(configuration.stats.maxQueriesPerCoordinatorPerDay == 10)
        #expect(configuration.stats.minCell == 10)
        #expect(configuration.stats.roundTo == 10)
        #expect(configuration.stats.epsilonPerRequester == Epsilon("0.5"))
        #expect(configuration.stats.epsilonPerYear == Epsilon("2.25"))
        #expect(configuration.stats.allowsCoordinator("99990000000000000002", peers: configuration.peers))
        #expect(!configuration.stats.allowsCoordinator("99990000000000000003", peers: configuration.peers))
        #expect(configuration.metrics.enabled == false)
        #expect(configuration.metrics.address == "::1")
        #expect(configuration.metrics.port == 9100)
        #expect(configuration.logging.level == .debug)
        #expect(configuration.logging.format == .json)
        #expect(configuration.clockSkewSeconds == 120)
    }

    @Test("defaults apply to every key left out")
    func defaults() throws {
        let fixture = try ConfigurationFixture()
        let configuration = try fixture.load(ConfigurationFixture.minimal)
        let d = fixture.directory
        #expect(configuration.listen.address == "127.0.0.1")
        #expect(configuration.listen.port == 8443)
        #expect(configuration.tls.signingCertificate == nil)
        #expect(configuration.tls.signingKey == nil)
        #expect(configuration.tls.crls == [])
        #expect(configuration.storage == .init(directory: d))
        #expect(configuration.storage.database == d + "/hub.sqlite")
        #expect(configuration.storage.synchronous == .full)
        #expect(configuration.storage.auditCheckpoints == d + "/audit-checkpoints.jwsl")
        #expect(configuration.storage.pseudonymKey == d + "/pseudonym.key")
        #expect(configuration.storage.encryptionKeys == d + "/enc-keys")
        #expect(configuration.peers == [])

        // The protocol's defaults, spelled out so a changed default is noticed.
        let limits = configuration.limits
        #expect(limits.maxBodyBytes == 8 * 1024 * 1024)
        #expect(limits.maxHeaderBytes == 16 * 1024)
        #expect(limits.idleTimeoutSeconds == 60)
        #expect(limits.requestTimeoutSeconds == 30)
        #expect(limits.handshakeTimeoutSeconds == 10)
        #expect(limits.maxHandshakesPerAddress == 32)
        #expect(limits.maxConnectionsPerIdentity == 8)
        #expect(limits.dailyMessageQuota == 100_000)
        #expect(limits.storedBytesQuota == 1024 * 1024 * 1024)
        #expect(limits.maxBatchMessages == 100)
        #expect(limits.maxBatchBytes == 4 * 1024 * 1024)
        let delivery = configuration.delivery
        #expect(delivery.backoffInitialSeconds == 1)
        #expect(delivery.backoffMaxSeconds == 900)
        #expect(delivery.parkingAgeSeconds == 5 * 24 * 3600)
        #expect(delivery.descriptorLifetimeSeconds == 24 * 3600)
        #expect(delivery.messageLifetimeSeconds == 7 * 24 * 3600)
        #expect(delivery.connectTimeoutSeconds == 10)
        #expect(delivery.requestTimeoutSeconds == 30)
        #expect(configuration.retention.closedCaseAgeDays == 730)
        #expect(configuration.retention.runDailyAt.description == "03:30")
        #expect(configuration.stats.allowedCoordinators == nil)
        #expect(configuration.stats.maxQueriesPerCoordinatorPerDay == 50)
        #expect(configuration.stats.minCell == 5)
        #expect(configuration.stats.roundTo == 5)
        #expect(configuration.stats.epsilonPerRequester.description == "5")
        #expect(configuration.stats.epsilonPerYear.description == "10")
        #expect(configuration.metrics.enabled)
        #expect(configuration.metrics.address == "127.0.0.1")
        #expect(configuration.metrics.port == 9464)
        #expect(configuration.logging.level == .info)
        #expect(configuration.logging.format == .text)
        #expect(configuration.clockSkewSeconds == 300)
    }

    @Test("values are taken as written: YAML's implicit types do not mangle them")
    func literalScalars() throws {
        let fixture = try ConfigurationFixture()
        // Unquoted, YAML 1.1 reads a 20-digit OIN as an overflowing integer and 03:30 as 210 (base 60).
        let yaml =
            ConfigurationFixture.minimal
            .replacingOccurrences(of: "\"99990000000000000001\"", with: "99990000000000000001")
                + """
                retention:
                  run_daily_at: 03:30
                peers:
                  - {name: 0202, oin: 00990000000000000002, endpoint: "https://hub.zwolle.example"}
                metrics:
                  enabled: TRUE
                """
        let configuration = try fixture.load(yaml)
        #expect(configuration.identity.oin == "99990000000000000001")
        #expect(configuration.retention.runDailyAt == .init(hour: 3, minute: 30))
        #expect(configuration.peers.first?.name == "0202")
        #expect(configuration.peers.first?.oin == "00990000000000000002")
        #expect(configuration.metrics.enabled)
    }

    @Test("empty sections and null values mean defaults")
    func emptySections() throws {
        let fixture = try ConfigurationFixture()
        let configuration = try fixture.load(
            ConfigurationFixture.minimal(plus: "limits:\nmetrics:\n  port: ~\nlogging:\n  level: null\npeers:\n")
        )
        #expect(configuration.limits == .init())
        #expect(configuration.metrics.port == 9464)
        #expect(configuration.logging.level == .info)
        #expect(configuration.peers == [])
    }

    @Test("relative paths resolve against the file's folder, absolute ones stay")
    func relativePaths() throws {
        let fixture = try ConfigurationFixture()
        let elsewhere = try ConfigurationFixture()
        try fixture.write("conf/sub/placeholder", "")
        let yaml = """
            identity: {oin: "99990000000000000001", name: Gemeente Arnhem, municipality_code: GM0202}
            listen: {public_endpoint: "https://hub.arnhem.example"}
            tls:
              certificate: ../tls/node.pem
              key: ./../tls/node.key
              federation_ca: \(elsewhere.path("tls/federation-ca.pem"))
              local_ca: ..//tls/./local-ca.pem
            storage:
              database: sub/db.sqlite
            """
        let file = try fixture.write("conf/hub.yaml", yaml)
        // The working directory must not matter.
        let configuration = try NodeConfiguration.load(path: file, environment: [:])
        let d = fixture.directory
        #expect(configuration.tls.certificate == d + "/tls/node.pem")
        #expect(configuration.tls.key == d + "/tls/node.key")
        #expect(configuration.tls.federationCA == elsewhere.path("tls/federation-ca.pem"))
        #expect(configuration.tls.localCA == d + "/tls/local-ca.pem")
        #expect(configuration.storage.database == d + "/conf/sub/db.sqlite")
        #expect(configuration.storage.pseudonymKey == d + "/conf/pseudonym.key")
        #expect(configuration.listen.publicEndpoint.port == 443)
    }

    @Test("a relative configuration path resolves against the working directory")
    func relativeConfigurationPath() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("hub.yaml", ConfigurationFixture.minimal)
        // Climb from the working directory to / rather than change it: tests run in parallel.
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + fixture.path("hub.yaml").dropFirst()
        let configuration = try NodeConfiguration.load(path: relative, environment: [:])
        #expect(configuration.tls.key == fixture.path("tls/node.key"))
    }
}
