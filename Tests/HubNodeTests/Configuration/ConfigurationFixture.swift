import Foundation
import HubNode
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A temporary folder holding the files a configuration names: the node
/// certificate and key (mode 0600), the two CA bundles, under `tls/`.
/// Their contents are placeholders: loading checks files, not PEM.
final class ConfigurationFixture {
    let directory: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path
        directory = base + "/hub-config-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: directory + "/tls", withIntermediateDirectories: true)
        for name in ["tls/node.pem", "tls/federation-ca.pem", "tls/local-ca.pem"] {
            try write(name, "-----BEGIN CERTIFICATE-----\n")
        }
        try write("tls/node.key", "-----BEGIN PRIVATE KEY-----\n", mode: 0o600)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The absolute path of `name` in the fixture folder.
    func path(_ name: String) -> String { directory + "/" + name }

    /// Writes `contents` to `name` (relative to the folder) with `mode`.
    @discardableResult
    func write(_ name: String, _ contents: String, mode: Int = 0o644) throws -> String {
        let full = path(name)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        try Data(contents.utf8).write(to: URL(fileURLWithPath: full))
        #expect(chmod(full, mode_t(mode)) == 0)
        return full
    }

    /// Writes `yaml` as `hub.yaml` and loads it.
    func load(_ yaml: String, environment: [String: String] = [:]) throws -> NodeConfiguration {
        let file = try write("hub.yaml", yaml)
        return try NodeConfiguration.load(path: file, environment: environment)
    }

    /// Writes `yaml` as `hub.yaml`, expects loading to fail, and returns the
    /// problems.
    func problems(
        _ yaml: String,
        environment: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [ConfigurationProblem] {
        let file = try write("hub.yaml", yaml)
        do {
            let configuration = try NodeConfiguration.load(path: file, environment: environment)
            Issue.record("loaded but should have failed: \(configuration.identity)", sourceLocation: sourceLocation)
            return []
        } catch let error as HubNodeError {
            guard case .configuration(let errorFile, let problems) = error.detail else {
                Issue.record("expected a configuration error, got \(error)", sourceLocation: sourceLocation)
                return []
            }
            #expect(!problems.isEmpty, sourceLocation: sourceLocation)
            #expect(errorFile == file, sourceLocation: sourceLocation)
            return problems
        }
    }

    /// The smallest valid file: the required keys only.
    static let minimal = """
        identity:
          oin: "99990000000000000001"
          name: Gemeente Arnhem
          municipality_code: GM0202
        listen:
          public_endpoint: https://hub.arnhem.example:8443
        tls:
          certificate: tls/node.pem
          key: tls/node.key
          federation_ca: tls/federation-ca.pem
          local_ca: tls/local-ca.pem

        """

    /// `minimal` followed by `extra` (more sections or peers).
    static func minimal(plus extra: String) -> String { minimal + extra }
}

/// The reason given for `key`, if any problem names it.
func reason(for key: String, in problems: [ConfigurationProblem]) -> String? {
    problems.first { $0.key == key }?.reason
}
