import HubNode
import Testing

@Suite("NodeConfiguration: peers")
struct NodeConfigurationPeerTests {
    private func peers(_ entries: [(String, String, String)]) -> String {
        "peers:\n"
            + entries.map { "  - name: \($0.0)\n    oin: \"\($0.1)\"\n    endpoint: \($0.2)\n" }.joined()
    }

    @Test("duplicate OINs, our own OIN, duplicate names and bad URLs are each named")
    func invalidPeers() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            ConfigurationFixture.minimal(
                plus: peers([
                    ("Gemeente Zwolle", "99990000000000000002", "https://hub.zwolle.example:8443"),
                    ("Gemeente Assen", "99990000000000000002", "https://hub.assen.example"),
                    ("Gemeente Arnhem", "99990000000000000001", "https://hub.arnhem.example"),
                    ("gemeente zwolle", "99990000000000000004", "hub.utrecht.example"),
                    ("Gemeente Delft", "9999", "https://hub.delft.example/v1"),
                    ("Gemeente Ede", "99990000000000000006", "https://hub.ede.example:0"),
                    ("Gemeente Epe", "99990000000000000007", "https://"),
                    ("Gemeente Oss", "99990000000000000008", "https://user@hub.oss.example"),
                    ("Gemeente Uden", "99990000000000000009", "https://hub_uden.example"),
                ])
            )
        )
        #expect(
            problems == [
                .init(key: "peers[3].endpoint", reason: "must be an https:// URL with a host"),
                .init(key: "peers[4].oin", reason: "must be 20 digits"),
                .init(
                    key: "peers[4].endpoint",
                    reason: "must be an https:// URL with a host and an optional port, without path, query or user"
                ),
                .init(key: "peers[5].endpoint", reason: "has an invalid port (1-65535)"),
                .init(key: "peers[6].endpoint", reason: "must be an https:// URL with a host"),
                .init(
                    key: "peers[7].endpoint",
                    reason: "must be an https:// URL with a host and an optional port, without path, query or user"
                ),
                .init(
                    key: "peers[8].endpoint",
                    reason: "has an invalid host (a DNS name, IPv4 address or [IPv6] address)"
                ),
                .init(key: "peers[1].oin", reason: "repeats the OIN of peers[0]"),
                .init(key: "peers[2].oin", reason: "is this node's own OIN (identity.oin)"),
                .init(key: "peers[3].name", reason: "repeats the name of peers[0]"),
            ]
        )
    }

    @Test("a peer without its fields, or not a mapping, is named")
    func incompletePeers() throws {
        let fixture = try ConfigurationFixture()
        let problems = try fixture.problems(
            ConfigurationFixture.minimal(
                plus: "peers:\n  - name: Gemeente Zwolle\n  - just a string\n  - {name: \"\", oin: ~}\n"
            )
        )
        #expect(
            problems == [
                .init(key: "peers[1]", reason: "must be a mapping with name, oin and endpoint"),
                .init(key: "peers[0].oin", reason: "is required"),
                .init(key: "peers[0].endpoint", reason: "is required"),
                .init(key: "peers[2].name", reason: "must be 1 to 100 characters without control characters"),
                .init(key: "peers[2].oin", reason: "is required"),
                .init(key: "peers[2].endpoint", reason: "is required"),
            ]
        )
    }

    @Test("endpoints parse hosts, ports and IPv6 literals")
    func endpoints() {
        typealias Endpoint = NodeConfiguration.Endpoint
        #expect(Endpoint("https://hub.example")?.description == "https://hub.example:443")
        #expect(Endpoint("HTTPS://HUB.Example:8443/")?.description == "https://hub.example:8443")
        #expect(Endpoint("https://[2001:db8::1]:9000")?.host == "2001:db8::1")
        #expect(Endpoint("https://192.0.2.7:1")?.port == 1)
        for bad in [
            "http://hub.example", "https://", "https://:443", "https://hub.example:65536", "https://hub.example:",
            "https://hub.example/path", "https://hub.example?q", "https://hub.example#f", "https://a@hub.example",
            "https://[::1", "https://[hub.example]", "https://::1", "https://-hub.example", "https://hub..example",
            "https://999.1.1.1", "https://hub example", "hub.example:443",
        ] {
            #expect(Endpoint(bad) == nil, "\(bad)")
        }
    }

    @Test("allowed coordinators default to every peer")
    func coordinators() throws {
        let fixture = try ConfigurationFixture()
        let configuration = try fixture.load(
            ConfigurationFixture.minimal(
                plus: peers([("Gemeente Zwolle", "99990000000000000002", "https://hub.zwolle.example")])
            )
        )
        #expect(configuration.stats.allowedCoordinators == nil)
        #expect(configuration.stats.allowsCoordinator("99990000000000000002", peers: configuration.peers))
        #expect(!configuration.stats.allowsCoordinator("99990000000000000003", peers: configuration.peers))

        let none = try fixture.load(ConfigurationFixture.minimal(plus: "stats:\n  allowed_coordinators: []\n"))
        #expect(none.stats.allowedCoordinators == [])
        #expect(!none.stats.allowsCoordinator("99990000000000000002", peers: none.peers))
    }
}
