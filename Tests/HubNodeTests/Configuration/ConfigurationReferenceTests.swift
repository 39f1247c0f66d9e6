import Foundation
import HubNode
import Testing

@Suite("NodeConfiguration: the reference cannot drift from the code")
struct ConfigurationReferenceTests {
    @Test("the reference YAML loads, and gives exactly the defaults")
    func referenceLoads() throws {
        let fixture = try ConfigurationFixture()
        let configuration = try fixture.load(NodeConfiguration.referenceYAML)
        let d = fixture.directory
        let expected = NodeConfiguration(
            identity: .init(oin: "99990000000000000001", name: "Gemeente Arnhem", municipalityCode: "GM0202"),
            listen: .init(publicEndpoint: try #require(.init("https://hub.arnhem.example:8443"))),
            tls: .init(
                certificate: d + "/tls/node.pem",
                key: d + "/tls/node.key",
                federationCA: d + "/tls/federation-ca.pem",
                localCA: d + "/tls/local-ca.pem"
            ),
            storage: .init(directory: d)
        )
        #expect(configuration.identity == expected.identity)
        #expect(configuration.listen == expected.listen)
        #expect(configuration.tls == expected.tls)
        #expect(configuration.storage == expected.storage)
        #expect(configuration.peers == expected.peers)
        #expect(configuration.limits == expected.limits)
        #expect(configuration.delivery == expected.delivery)
        #expect(configuration.retention == expected.retention)
        #expect(configuration.stats == expected.stats)
        #expect(configuration.metrics == expected.metrics)
        #expect(configuration.logging == expected.logging)
        #expect(configuration.clockSkewSeconds == expected.clockSkewSeconds)
    }

    @Test("the reference YAML with its commented-out examples enabled also loads")
    func referenceExamplesLoad() throws {
        let fixture = try ConfigurationFixture()
        try fixture.write("tls/signing.pem", "cert")
        try fixture.write("tls/signing.key", "key", mode: 0o600)
        // Uncomment the optional keys' examples and the peers example, dropping the `peers: []` it replaces.
        let optional = NodeConfiguration.keys.filter {
            if case .optional = $0.presence { return true } else { return false }
        }.map(\.name)
        var lines: [String] = []
        for line in NodeConfiguration.referenceYAML.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "peers: []" { continue }
            let indent = line.prefix { $0 == " " }
            let comment = line.dropFirst(indent.count)
            let rest = comment.dropFirst(2)
            let isExample =
                comment.hasPrefix("# ")
                && (optional.contains { rest.hasPrefix($0 + ": ") } || rest.hasPrefix("peers:")
                    || rest.hasPrefix("  - ") || rest.hasPrefix("    "))
            lines.append(isExample ? String(indent + rest) : String(line))
        }
        let yaml = lines.joined(separator: "\n")
        let configuration = try fixture.load(yaml)
        #expect(configuration.tls.signingKey == fixture.path("tls/signing.key"))
        #expect(configuration.peers.map(\.name) == ["Gemeente Zwolle"])
        #expect(configuration.stats.allowedCoordinators == ["99990000000000000002"])
    }

    @Test("every key appears in the reference YAML and the Markdown with its variable")
    func everyKeyDocumented() {
        let yaml = NodeConfiguration.referenceYAML
        let markdown = NodeConfiguration.referenceMarkdown
        for key in NodeConfiguration.keys {
            #expect(yaml.contains("Environment: \(key.environmentVariable)."), "\(key.path)")
            #expect(yaml.contains("\(key.name): "), "\(key.path)")
            #expect(markdown.contains("| `\(key.path)` | `\(key.environmentVariable)` |"), "\(key.path)")
        }
        #expect(NodeConfiguration.keys.count == 51)
        print("configuration reference: \(NodeConfiguration.keys.count) keys documented")
    }

    @Test("docs/configuration.md is the generated reference")
    func markdownFileIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("docs/configuration.md")
        let generated = NodeConfiguration.referenceMarkdown
        if ProcessInfo.processInfo.environment["UPDATE_CONFIGURATION_DOCS"] == "1" {
            try Data(generated.utf8).write(to: file)
        }
        let current = try String(contentsOf: file, encoding: .utf8)
        #expect(
            current == generated,
            "docs/configuration.md is stale: UPDATE_CONFIGURATION_DOCS=1 swift test --filter ConfigurationReferenceTests"
        )
    }
}
