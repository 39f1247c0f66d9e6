import ArgumentParser
import HubProtocol

/// `hubctl keys`: the node's encryption keys for sealed data (PROTOCOL §7).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "List or rotate the node's encryption keys (the TLS/signing key rotates with new files and SIGHUP).",
        subcommands: [List.self, RotateEnc.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Each encryption key: its state (current, retired, withdrawn, destroyed) and dates."
        )
        @OptionGroup var node: NodeOptions

        func run() async throws {
            let answer = try await node.call(.get, "/v1/local/keys")
            if node.json { return printJSON(answer) }
            var table = Table("KID", "STATE", "CREATED", "SUPERSEDED", "LEAVES DESCRIPTOR", "DESTRUCTION")
            for k in answer["keys"]?.arrayValue ?? [] {
                func time(_ name: String) -> String { k[name]?.intValue.map(Time.iso) ?? "-" }
                table.add(
                    k["kid"]?.cell ?? "",
                    k["status"]?.cell ?? "",
                    time("created_at"),
                    time("retired_at"),
                    time("leaves_descriptor_at"),
                    time("destroy_at")
                )
            }
            print(table.render())
        }
    }

    struct RotateEnc: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-enc",
            abstract: "Make a new encryption key current, without downtime.",
            discussion: """
                The descriptor lists the new key first and keeps the old key for one
                descriptor lifetime, while peers may still hold a descriptor naming it
                first; the old key still opens for 37 days after that, then the node
                destroys it.
                """
        )
        @OptionGroup var node: NodeOptions

        func run() async throws {
            let answer = try await node.call(.post, "/v1/local/keys/rotate-enc")
            if node.json { return printJSON(answer) }
            let previous = answer["previous"]
            print("new encryption key \(answer["kid"]?.cell ?? "?") is current; the descriptor lists it first")
            print(
                "previous key \(previous?["kid"]?.cell ?? "?") stays in the descriptor until \(previous?["leaves_descriptor_at"]?.intValue.map(Time.iso) ?? "?")"
            )
            print(
                "and still opens until \(previous?["destroy_at"]?.intValue.map(Time.iso) ?? "?"), when the node destroys it"
            )
        }
    }
}
