import ArgumentParser

/// `hub-node`: a municipality's node of the referral hub.
@main
struct HubNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-node",
        abstract: "Run a municipality's node of the relationship-and-separation referral hub.",
        discussion: """
            hub-node --config /etc/hub/node.yaml            runs the node until SIGTERM or SIGINT
            hub-node check-config --config /etc/hub/node.yaml  validates the configuration and exits
            SIGHUP reloads certificates, keys, CRLs and peers without downtime.
            """,
        subcommands: [RunCommand.self, CheckConfigCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
