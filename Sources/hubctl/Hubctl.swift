import ArgumentParser

@main
struct Hubctl: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hubctl", abstract: "Operate and use a hub node.")
}
