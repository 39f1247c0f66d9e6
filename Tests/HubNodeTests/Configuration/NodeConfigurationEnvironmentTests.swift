import HubNode
import Testing

@Suite("NodeConfiguration: environment overrides")
struct NodeConfigurationEnvironmentTests {
    @Test("variables win over the file, for scalars, lists and peers")
    func overrides() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("crl/a.pem", "crl")
        try fixture.write("crl/b.pem", "crl")
        try fixture.write("other.key", "key", mode: 0o600)
        let configuration = try fixture.load(
            ConfigurationFixture.minimal(
                plus: """
                    logging:
                      format: text
                    peers:
                      - {name: Gemeente Zwolle, oin: "99990000000000000002", endpoint: "https://hub.zwolle.example"}
                    """
            ),
            environment: [
                "HUB_LISTEN_PORT": "0",
                "HUB_IDENTITY_OIN": "99990000000000000011",
                "HUB_IDENTITY_NAME": "Gemeente Zwolle Test",
                "HUB_LOGGING_FORMAT": "json",
                "HUB_TLS_KEY": fixture.path("other.key"),
                "HUB_TLS_CRLS": "crl/a.pem, crl/b.pem",
                "HUB_STATS_ALLOWED_COORDINATORS": "99990000000000000003",
                "HUB_PEERS":
                    "Gemeente Assen=99990000000000000003@https://hub.assen.example:8443; "
                    + "Gemeente Utrecht = 99990000000000000004 @ https://[::1]:9000;",
                "HUB_METRICS_ENABLED": "false",
                "HUB_CLOCK_SKEW_SECONDS": "60",
                "HUB_STORAGE_SYNCHRONOUS": "",  // empty: ignored
                "HUB_CONFIG": "/elsewhere.yaml",  // not a configuration key's section: left alone
                "PATH": "/usr/bin",
            ]
        )
        #expect(configuration.listen.port == 0)
        #expect(configuration.identity.oin == "99990000000000000011")
        #expect(configuration.identity.name == "Gemeente Zwolle Test")
        #expect(configuration.logging.format == .json)
        #expect(configuration.tls.key == fixture.path("other.key"))
        #expect(configuration.tls.crls == [fixture.path("crl/a.pem"), fixture.path("crl/b.pem")])
        #expect(configuration.stats.allowedCoordinators == ["99990000000000000003"])
        #expect(configuration.peers.map(\.name) == ["Gemeente Assen", "Gemeente Utrecht"])
        #expect(configuration.peers.map(\.oin) == ["99990000000000000003", "99990000000000000004"])
        #expect(
            configuration.peers.map(\.endpoint.description) == ["https://hub.assen.example:8443", "https://[::1]:9000"]
        )
        #expect(configuration.metrics.enabled == false)
        #expect(configuration.clockSkewSeconds == 60)
        #expect(configuration.storage.synchronous == .full)
    }

    @Test("empty list variables clear the list; * restores every peer as coordinators")
    func emptyLists() throws {
        let fixture = try ConfigurationFixture()
        let yaml = ConfigurationFixture.minimal(
            plus: """
                stats:
                  allowed_coordinators: ["99990000000000000002"]
                peers:
                  - {name: Gemeente Zwolle, oin: "99990000000000000002", endpoint: "https://hub.zwolle.example"}
                """
        )
        let cleared = try fixture.load(yaml, environment: ["HUB_PEERS": "", "HUB_STATS_ALLOWED_COORDINATORS": ""])
        #expect(cleared.peers == [])
        #expect(cleared.stats.allowedCoordinators == [])
        let all = try fixture.load(yaml, environment: ["HUB_STATS_ALLOWED_COORDINATORS": "*"])
        #expect(all.stats.allowedCoordinators == nil)
    }

    @Test("bad overrides name the variable, not the file's key")
    func badOverrides() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            ConfigurationFixture.minimal,
            environment: [
                "HUB_LISTEN_PORT": "eighty",
                "HUB_IDENTITY_OIN": "12",
                "HUB_LOGGING_FORMAT": "yaml",
                "HUB_TLS_KEY": "/nonexistent/node.key",
                "HUB_TLS_CRLS": "a.pem,,b.pem",
                "HUB_PEERS": "Gemeente Zwolle=99990000000000000002@http://hub.zwolle.example;Gemeente Assen",
                "HUB_LISTEN_PROT": "1",
                "HUB_METRICS": "on",
                "HUB_DELIVERY_BACKOFF_MAX_SECONDS": "0",
            ]
        )
        #expect(
            problems == [
                .init(key: "HUB_TLS_CRLS", reason: "has an empty item; separate values with single commas"),
                .init(key: "HUB_PEERS[1]", reason: "must be name=oin@https://host:port"),
                .init(key: "HUB_LISTEN_PROT", reason: "unknown variable (did you mean HUB_LISTEN_PORT?)"),
                .init(key: "HUB_METRICS", reason: "unknown variable"),
                .init(key: "HUB_IDENTITY_OIN", reason: "must be 20 digits"),
                .init(key: "HUB_LISTEN_PORT", reason: "must be a whole number from 0 to 65535, not \"eighty\""),
                .init(
                    key: "HUB_DELIVERY_BACKOFF_MAX_SECONDS",
                    reason: "must be a whole number from 1 to 86400, not \"0\""
                ),
                .init(key: "HUB_LOGGING_FORMAT", reason: "must be one of text, json, not \"yaml\""),
                .init(key: "HUB_TLS_KEY", reason: "file /nonexistent/node.key does not exist"),
            ]
        )
    }

    @Test("peer problems from HUB_PEERS name the variable and the entry")
    func peerOverrides() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            ConfigurationFixture.minimal,
            environment: [
                "HUB_PEERS": "A=99990000000000000002@https://a.example;B=99990000000000000001@https://b.example;"
                    + "C=99990000000000000002@http://c.example"
            ]
        )
        #expect(
            problems == [
                .init(key: "HUB_PEERS[2].endpoint", reason: "must be an https:// URL with a host"),
                .init(key: "HUB_PEERS[1].oin", reason: "is this node's own OIN (identity.oin)"),
                .init(key: "HUB_PEERS[2].oin", reason: "repeats the OIN of HUB_PEERS[0]"),
            ]
        )
    }

    @Test("relative paths from the environment resolve against the file's folder too")
    func relativeOverride() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("keys/alt.key", "key", mode: 0o600)
        let configuration = try fixture.load(ConfigurationFixture.minimal, environment: ["HUB_TLS_KEY": "keys/alt.key"])
        #expect(configuration.tls.key == fixture.path("keys/alt.key"))
    }

    @Test("every key has its own variable, named after its path")
    func variableNames() {
        let names = NodeConfiguration.keys.map(\.environmentVariable)
        #expect(Set(names).count == names.count)
        #expect(names.contains("HUB_LISTEN_PORT"))
        #expect(names.contains("HUB_TLS_SIGNING_CERTIFICATE"))
        #expect(names.contains("HUB_STATS_MAX_QUERIES_PER_COORDINATOR_PER_DAY"))
        #expect(names.contains("HUB_CLOCK_SKEW_SECONDS"))
        #expect(names.contains("HUB_PEERS"))
    }
}
