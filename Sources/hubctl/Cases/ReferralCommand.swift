import ArgumentParser
import Foundation
import HubProtocol

/// `hubctl referral`: offers between municipalities (PROTOCOL §9; role caseworker).
struct ReferralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral",
        abstract: "Offer a case to another municipality and answer offers.",
        subcommands: [
            Offer.self, Inbox.self, List.self, Show.self, Accept.self, Reject.self, Complete.self, Withdraw.self,
        ]
    )

    /// A referral is named by its sender's OIN and its id.
    struct Key: ParsableArguments {
        @Argument(help: "The sender's OIN.") var sender: String
        @Argument(help: "The referral id.") var id: String

        var path: String { "/v1/local/referrals/\(sender)/\(id)" }

        func validate() throws {
            guard OIN.isValid(sender) else { throw ValidationError("sender: not an OIN (20 digits)") }
            guard HubUUID.isLowercaseUUID(id) else { throw ValidationError("id: not a referral id (lowercase UUID)") }
        }
    }

    struct Offer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "offer",
            abstract: "Offer a case (transfer: the family moves; consult: support for a parent who lives there)."
        )
        @OptionGroup var node: NodeOptions
        @Option(name: .long, help: "The case id.") var `case`: String
        @Option(name: .long, help: "The peer, by name or OIN.") var to: String
        @Option(name: .long, help: "transfer or consult.") var kind: String
        @Option(name: .customLong("effective-date"), help: "YYYY-MM-DD: when responsibility passes (transfer).")
        var effectiveDate: String
        @Option(name: .customLong("respond-by"), help: "YYYY-MM-DD.") var respondBy: String
        @Option(name: .long, help: "normal or urgent.") var priority = "normal"
        @Option(name: .customLong("consent-basis"), help: "consent, legal_obligation or vital_interest.")
        var consentBasis: String
        @Option(name: .customLong("consent-date"), help: "YYYY-MM-DD.") var consentDate: String
        @Option(name: .customLong("note-file"), help: "A handover note (sealed with the identity) from this file.")
        var noteFile: String?
        @Flag(name: .customLong("no-identity"), help: "A consult without identifying data.") var noIdentity = false

        func run() async throws {
            guard HubUUID.isLowercaseUUID(`case`) else { throw CommandError("--case: not a case id (lowercase UUID)") }
            for (flag, value) in [
                ("--effective-date", effectiveDate), ("--respond-by", respondBy), ("--consent-date", consentDate),
            ]
            where CalendarDate(value) == nil {
                throw CommandError("\(flag): expected YYYY-MM-DD")
            }
            var body: [String: JSONValue] = [
                "case_id": .string(`case`), "peer": .string(to), "kind": .string(kind),
                "effective_date": .string(effectiveDate),
                "respond_by": .string(respondBy), "priority": .string(priority),
                "consent": .object(["basis": .string(consentBasis), "date": .string(consentDate)]),
                "include_identity": .bool(!noIdentity),
            ]
            if let noteFile { body["note"] = .string(try Input.text(from: noteFile, what: "--note-file")) }
            let answer = try await node.call(.post, "/v1/local/referrals", body: .object(body))
            if node.json { return printJSON(answer) }
            print(
                "offered: referral \(answer["sender"]?.cell ?? "?") \(answer["referral_id"]?.cell ?? "?") (\(kind)) to \(answer["peer"]?.cell ?? to); state \(answer["display_state"]?.cell ?? answer["state"]?.cell ?? "?")"
            )
        }
    }

    static func table(_ answer: JSONValue) -> String {
        var table = Table("SENDER", "REFERRAL", "PEER", "KIND", "STATE", "EFFECTIVE", "RESPOND BY", "PRIORITY")
        for r in answer["referrals"]?.arrayValue ?? [] {
            table.add(
                r["sender"]?.cell ?? "",
                r["referral_id"]?.cell ?? "",
                r["peer"]?.cell ?? "",
                r["kind"]?.cell ?? "",
                r["display_state"]?.cell ?? r["state"]?.cell ?? "",
                r["effective_date"]?.cell ?? "",
                r["respond_by"]?.cell ?? "",
                r["priority"]?.cell ?? ""
            )
        }
        return table.render()
    }

    struct Inbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inbox",
            abstract: "Offers received (overdue ones say so)."
        )
        @OptionGroup var node: NodeOptions

        func run() async throws {
            let answer = try await node.call(.get, "/v1/local/referrals?direction=incoming")
            if node.json { return printJSON(answer) }
            print(ReferralCommand.table(answer))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Offers sent (--direction outgoing) or received."
        )
        @OptionGroup var node: NodeOptions
        @Option(name: .long, help: "outgoing or incoming.") var direction = "outgoing"

        func run() async throws {
            guard ["incoming", "outgoing"].contains(direction) else {
                throw CommandError("--direction: incoming or outgoing")
            }
            let answer = try await node.call(.get, "/v1/local/referrals?direction=\(direction)")
            if node.json { return printJSON(answer) }
            print(ReferralCommand.table(answer))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a referral; --identity --purpose TEXT reads the sealed identity (audited)."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var key: Key
        @Flag(name: .long, help: "Read the family's identity (case workers only; written to the audit log).")
        var identity = false
        @Option(name: .long, help: "Why you read the identity (required with --identity).") var purpose: String?

        func run() async throws {
            var path = key.path
            if identity {
                guard let purpose, !purpose.trimmingWhitespace().isEmpty else {
                    throw CommandError("--purpose: say why you read the identity")
                }
                let encoded = purpose.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                path += "?identity=1&purpose=\(encoded)"
            }
            let answer = try await node.call(.get, path)
            if node.json { return printJSON(answer) }
            for k in [
                "sender", "referral_id", "direction", "peer", "kind", "display_state", "reason", "effective_date",
                "respond_by", "case_id",
            ] {
                if let v = answer[k], !v.isNull { print("\(k): \(v.cell)") }
            }
            if let id = answer["identity"] {
                for p in id["persons"]?.arrayValue ?? [] {
                    print(
                        "person: \(p["role"]?.cell ?? "?") \(p["bsn"]?.cell ?? "") \(p["given_names"]?.cell ?? "") \(p["family_name"]?.cell ?? "")"
                    )
                }
                if let note = id["note"], !note.isNull { print("note: \(note.cell)") }
            }
        }
    }

    static func act(_ node: NodeOptions, _ key: Key, _ action: String, _ body: JSONValue) async throws {
        let answer = try await node.call(.post, key.path + "/" + action, body: body)
        if node.json { return printJSON(answer) }
        print("\(action): referral \(key.id) is now \(answer["display_state"]?.cell ?? answer["state"]?.cell ?? "?")")
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept",
            abstract: "Accept an offer (a transfer opens this municipality's own case)."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var key: Key
        func run() async throws { try await ReferralCommand.act(node, key, "accept", .object([:])) }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reject",
            abstract: "Reject an offer with a reason."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var key: Key
        @Option(name: .long, help: "not_responsible, no_capacity, no_service, duplicate or other.") var reason: String
        func run() async throws {
            try await ReferralCommand.act(node, key, "reject", .object(["reason": .string(reason)]))
        }
    }

    struct Complete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "complete",
            abstract: "The warm handover is done; the sender closes its side."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var key: Key
        func run() async throws { try await ReferralCommand.act(node, key, "complete", .object([:])) }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "withdraw",
            abstract: "Withdraw an offer this municipality sent."
        )
        @OptionGroup var node: NodeOptions
        @OptionGroup var key: Key
        @Option(name: .long, help: "family_stayed, consent_withdrawn, duplicate, error or other.") var reason: String
        func run() async throws {
            try await ReferralCommand.act(node, key, "withdraw", .object(["reason": .string(reason)]))
        }
    }
}
