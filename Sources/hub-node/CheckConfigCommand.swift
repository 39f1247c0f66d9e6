import ArgumentParser
import Foundation
import HubNode

/// `hub-node check-config`: validates a configuration file and exits.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration (and the files it names) and exit: 0 if valid, 2 otherwise."
    )

    @Option(name: .long, help: "The configuration file (YAML).")
    var config: String

    func run() throws {
        let configuration = try Self.load(config)
        do {
            _ = try NodeMaterial.load(configuration)
        } catch {
            FileHandle.standardError.write(Data("\(config): \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("\(config): valid (node \(configuration.identity.oin), \(configuration.peers.count) peer(s))")
    }

    /// Loads and validates, printing every problem with its key.
    static func load(_ path: String) throws -> NodeConfiguration {
        do {
            return try NodeConfiguration.load(path: path)
        } catch let error as HubNodeError {
            guard case .configuration = error.detail else { throw error }
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
