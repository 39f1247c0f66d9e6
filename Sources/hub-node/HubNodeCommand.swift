import ArgumentParser
import HubNode

@main
struct HubNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hub-node", abstract: "A municipality's hub node.")
    func run() throws {
        print("hub-node protocol v\(HubNodeInfo.protocolVersion)")
    }
}
