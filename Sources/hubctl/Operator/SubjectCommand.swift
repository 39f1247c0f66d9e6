import ArgumentParser
import HubProtocol

/// `hubctl subject`: a data-protection officer's requests about one person
/// (role operator). The BSN is read from standard input, never an argument.
struct SubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject",
        abstract: "Find, export or erase everything this node holds on a person (BSN on standard input).",
        subcommands: [Find.self, Export.self, Erase.self]
    )

    static func run(_ node: NodeOptions, _ action: String) async throws -> JSONValue {
        let lines = try Input.lines(what: "the BSN").filter { !$0.trimmingWhitespace().isEmpty }
        guard lines.count == 1 else { throw CommandError("give exactly one BSN on standard input") }
        do {
            _ = try BSN(lines[0])
        } catch let error as HubProtocolError {
            throw CommandError("the BSN is not valid: \(error.message)")
        }
        return try await node.call(
            .post,
            "/v1/local/subjects/\(action)",
            body: .object(["bsn": .string(lines[0].trimmingWhitespace())])
        )
    }

    static func printSummary(_ answer: JSONValue, verb: String) {
        let cases = answer["cases"]?.arrayValue ?? []
        let offers = answer["sealed_offers"]?.arrayValue ?? []
        print("\(verb) in \(cases.count) case(s) and \(offers.count) sealed offer(s)")
        for c in cases { print("  case \(c["case_id"]?.cell ?? "?") as \(c["role"]?.cell ?? "?")") }
        for o in offers { print("  offer \(o["sender"]?.cell ?? "?") \(o["referral_id"]?.cell ?? "?")") }
    }

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "find",
            abstract: "Where the person appears (audited)."
        )
        @OptionGroup var node: NodeOptions
        func run() async throws {
            let answer = try await SubjectCommand.run(node, "find")
            if node.json { return printJSON(answer) }
            SubjectCommand.printSummary(answer, verb: "found")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Everything held on the person, decrypted, as JSON (audited; personal data: store it safely)."
        )
        @OptionGroup var node: NodeOptions
        func run() async throws { printJSON(try await SubjectCommand.run(node, "export")) }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase",
            abstract: "Erase the person's identity and pseudonyms and the stored sealed offers naming them (audited)."
        )
        @OptionGroup var node: NodeOptions
        func run() async throws {
            let answer = try await SubjectCommand.run(node, "erase")
            if node.json { return printJSON(answer) }
            SubjectCommand.printSummary(answer, verb: "erased")
        }
    }
}
