import ArgumentParser
import Foundation
import HubProtocol

/// `hubctl case`: a family's case at this municipality (role caseworker).
struct CaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "case",
        abstract: "Open, list, show and close cases.",
        discussion: """
            People's BSNs, names and contact details are given in a JSON file or on standard input, never as arguments:
              {"persons":[{"role":"parent","bsn":"…","given_names":"…","family_name":"…"},{"role":"child","bsn":"…","age_band":"4-11"}],
               "entry_phase":"separation_intent","help_domains":["legal","children"],"referral_source":"gp",
               "safety":{"veilig_thuis":false,"child_protection_board":false,"court":false}}
            """,
        subcommands: [Open.self, List.self, Show.self, Close.self]
    )

    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "open",
            abstract: "Open a case from JSON (file or standard input)."
        )
        @OptionGroup var node: NodeOptions
        @Argument(help: "The case JSON file (default: standard input).") var file: String?

        func run() async throws {
            let text = try Input.bytes(from: file, what: "the case")
            let body: JSONValue
            do {
                body = try JSONParser.parse(text)
            } catch let error as HubProtocolError {
                throw CommandError("the case is not valid JSON: \(error.message)")
            }
            let answer = try await node.call(.post, "/v1/local/cases", body: body)
            if node.json { return printJSON(answer) }
            print(
                "opened case \(answer["id"]?.cell ?? "?") with \(answer["persons"]?.arrayValue?.count ?? 0) person(s)"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List this municipality's cases."
        )
        @OptionGroup var node: NodeOptions

        func run() async throws {
            let answer = try await node.call(.get, "/v1/local/cases")
            if node.json { return printJSON(answer) }
            var table = Table("CASE", "STATUS", "OPENED", "CLOSED", "OUTCOME", "ENTRY PHASE", "HELP")
            for c in answer["cases"]?.arrayValue ?? [] {
                table.add(
                    c["id"]?.cell ?? "",
                    c["status"]?.cell ?? "",
                    c["opened_on"]?.cell ?? "",
                    c["closed_on"]?.cell ?? "-",
                    c["outcome"]?.cell ?? "-",
                    c["entry_phase"]?.cell ?? "",
                    c["help_domains"]?.cell ?? ""
                )
            }
            print(table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a case (no identifying data)."
        )
        @OptionGroup var node: NodeOptions
        @Argument(help: "The case id.") var id: String

        func run() async throws {
            guard HubUUID.isLowercaseUUID(id) else { throw CommandError("id: not a case id (lowercase UUID)") }
            let answer = try await node.call(.get, "/v1/local/cases/\(id)")
            if node.json { return printJSON(answer) }
            for key in [
                "id", "status", "opened_on", "closed_on", "outcome", "entry_phase", "help_domains", "referral_source",
                "responsible_from", "origin",
            ] {
                if let value = answer[key], !value.isNull { print("\(key): \(value.cell)") }
            }
            for p in answer["persons"]?.arrayValue ?? [] {
                print("person: \(p["role"]?.cell ?? "?") \(p["age_band"]?.isNull == false ? p["age_band"]!.cell : "")")
            }
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close",
            abstract: "Close a case with its outcome."
        )
        @OptionGroup var node: NodeOptions
        @Argument(help: "The case id.") var id: String
        @Option(name: .long, help: "de_escalated, stable, escalated, referred_on, dropped_out or transferred.")
        var outcome: String
        @Option(name: .customLong("closed-on"), help: "YYYY-MM-DD (default: today).") var closedOn: String?

        func run() async throws {
            guard HubUUID.isLowercaseUUID(id) else { throw CommandError("id: not a case id (lowercase UUID)") }
            var body: [String: JSONValue] = ["outcome": .string(outcome)]
            if let closedOn {
                guard CalendarDate(closedOn) != nil else { throw CommandError("--closed-on: expected YYYY-MM-DD") }
                body["closed_on"] = .string(closedOn)
            }
            let answer = try await node.call(.post, "/v1/local/cases/\(id)/close", body: .object(body))
            if node.json { return printJSON(answer) }
            print("closed case \(id): \(answer["outcome"]?.cell ?? outcome)")
        }
    }
}
