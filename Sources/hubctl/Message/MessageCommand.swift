import ArgumentParser

/// `hubctl message`: sign, verify and inspect signed hub objects.
struct MessageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message",
        abstract: "Sign, verify and inspect signed hub objects (compact JWS).",
        subcommands: [MessageSignCommand.self, MessageVerifyCommand.self, MessageInspectCommand.self]
    )
}
