import ArgumentParser
import Foundation
import HubProtocol

/// `hubctl outbox`: the delivery queue.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "List, retry or drop outgoing messages.",
        subcommands: [List.self, Retry.self, Drop.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List parked (default), queued or delivered messages."
        )
        @OptionGroup var node: NodeOptions
        @Option(name: .long, help: "parked, queued or delivered.") var state = "parked"

        func run() async throws {
            guard ["parked", "queued", "delivered"].contains(state) else {
                throw CommandError("--state: parked, queued or delivered")
            }
            let answer = try await node.call(.get, "/v1/local/outbox?state=\(state)")
            if node.json { return printJSON(answer) }
            var table = Table("ID", "PEER", "TYPE", "CREATED", "ATTEMPTS", "STATE", "REASON / LAST ERROR")
            for m in answer["messages"]?.arrayValue ?? [] {
                table.add(
                    m["id"]?.cell ?? "",
                    m["peer"]?.cell ?? "",
                    m["type"]?.cell ?? "",
                    m["created_at"]?.intValue.map(Time.iso) ?? "",
                    m["attempts"]?.cell ?? "",
                    m["state"]?.cell ?? "",
                    m["parked_reason"]?.isNull == false ? m["parked_reason"]!.cell : (m["last_error"]?.cell ?? "-")
                )
            }
            print(table.render())
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract:
                "Queue a parked message again; one refused at steps 8–10 is re-signed with a new jti, iat and exp."
        )
        @OptionGroup var node: NodeOptions
        @Argument(help: "The message id (from outbox list).") var id: Int64

        func run() async throws {
            guard id > 0 else { throw CommandError("id: must be a positive number") }
            let answer = try await node.call(.post, "/v1/local/outbox/\(id)/retry")
            if node.json { return printJSON(answer) }
            print(
                "message \(id) queued again\(answer["resigned"]?.boolValue == true ? " (re-signed with a new jti)" : "")"
            )
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "drop",
            abstract: "Delete a queued or parked message."
        )
        @OptionGroup var node: NodeOptions
        @Argument(help: "The message id (from outbox list).") var id: Int64

        func run() async throws {
            guard id > 0 else { throw CommandError("id: must be a positive number") }
            let answer = try await node.call(.post, "/v1/local/outbox/\(id)/drop")
            if node.json { return printJSON(answer) }
            print("message \(id) dropped")
        }
    }
}

/// `hubctl audit`: the audit chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify the audit log.",
        subcommands: [Verify.self, Reads.self]
    )

    struct Reads: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reads",
            abstract: "Who read which sealed identity, when and why."
        )
        @OptionGroup var node: NodeOptions
        @Option(name: .long, help: "Only reads by this staff CN.") var by: String?
        @Option(name: .long, help: "Only reads since this day (YYYY-MM-DD).") var since: String?

        func run() async throws {
            var query: [String] = []
            if let by { query.append("by=\(by.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")") }
            if let since {
                guard CalendarDate(since) != nil else { throw CommandError("--since: expected YYYY-MM-DD") }
                query.append("since=\(since)")
            }
            let answer = try await node.call(
                .get,
                "/v1/local/audit/reads" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            )
            if node.json { return printJSON(answer) }
            var table = Table("WHEN", "WHO", "CASE", "REFERRAL", "PURPOSE")
            for r in answer["reads"]?.arrayValue ?? [] {
                table.add(
                    r["at"]?.intValue.map(Time.iso) ?? "",
                    r["by"]?.cell ?? "",
                    r["case"]?.cell ?? "-",
                    r["referral"]?.cell ?? "-",
                    r["purpose"]?.cell ?? ""
                )
            }
            print(table.render())
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract:
                "Verify the audit hash chain against the signed checkpoints; names the first broken entry and exits 1 if any."
        )
        @OptionGroup var node: NodeOptions

        func run() async throws {
            let answer = try await node.call(.get, "/v1/local/audit/verify")
            if node.json {
                printJSON(answer)
            } else if answer["intact"]?.boolValue == true {
                print(
                    "audit log intact: \(answer["entries_checked"]?.cell ?? "0") entries, \(answer["checkpoints"]?.cell ?? "0") signed checkpoint(s)"
                )
            } else if let broken = answer["first_broken_entry"]?.intValue {
                print("audit log BROKEN at entry \(broken): \(answer["problem"]?.cell ?? "")")
            } else {
                print("audit log cannot be verified: \(answer["problem"]?.cell ?? "")")
            }
            if answer["intact"]?.boolValue != true { throw ExitCode(1) }
        }
    }
}
