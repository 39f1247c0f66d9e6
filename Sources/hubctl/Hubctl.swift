import ArgumentParser

/// `hubctl`: the command-line tool for a hub node's operators, case workers and researchers.
@main
struct Hubctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubctl",
        abstract: "Operate and use a hub node of the municipalities' referral hub.",
        discussion: """
            BSNs are read from standard input, one per line, never from arguments:
            arguments end up in shell history and in `ps`.
            """,
        subcommands: [
            MessageCommand.self,
            SealCommand.self,
            OpenCommand.self,
            BSNCommand.self,
            PseudonymCommand.self,
            StatusCommand.self,
            PeersCommand.self,
            OutboxCommand.self,
            AuditCommand.self,
            AlertsCommand.self,
            KeysCommand.self,
            PKICommand.self,
            InitCommand.self,
            CaseCommand.self,
            ReferralCommand.self,
            SubjectCommand.self,
            PurgeCommand.self,
        ]
    )
}
