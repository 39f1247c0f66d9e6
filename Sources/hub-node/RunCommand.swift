import ArgumentParser
import Foundation
import HubNode
import HubProtocol
import Logging

/// `hub-node run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the node (the default).")

    @Option(
        name: .long,
        help: "The configuration file (YAML); every key can be overridden by a HUB_* environment variable."
    )
    var config: String

    func run() async throws {
        let configuration = try CheckConfigCommand.load(config)
        let level = Logger.Level(rawValue: configuration.logging.level.rawValue) ?? .info
        let format: HubLogHandler.Format = configuration.logging.format == .json ? .json : .text
        LoggingSystem.bootstrap { label in HubLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "hub-node")
        do {
            let runtime = try HubNodeRuntime(
                configurationPath: config,
                configuration: configuration,
                logger: logger,
                makeTransport: { context in
                    var client = HubHTTPClientConfiguration()
                    client.connectTimeout = .seconds(configuration.delivery.connectTimeoutSeconds)
                    client.requestTimeout = .seconds(configuration.delivery.requestTimeoutSeconds)
                    return try HubHTTPClient(tlsContext: context, configuration: client)
                }
            )
            try await runtime.run()
        } catch let error as HubProtocolError {
            logger.critical("the node cannot start: \(error.message)")
            throw ExitCode(1)
        } catch let error as HubNodeError {
            guard case .store = error.detail else { throw error }
            logger.critical("the node cannot open its database: \(error)")
            throw ExitCode(1)
        }
    }
}
