import ArgumentParser
import HubProtocol

/// `hubctl status`: the node at a glance.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract:
            "Identity, certificate and CRL expiry, peers, queue depth, oldest undelivered message, parked messages."
    )

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let s = try await node.call(.get, "/v1/local/status")
        if node.json { return printJSON(s) }
        let now = s["now"]?.intValue ?? 0
        print("\(s["name"]?.cell ?? "?") (\(s["municipality_code"]?.cell ?? "?"), OIN \(s["oin"]?.cell ?? "?"))")
        if let notAfter = s["certificate_not_after"]?.intValue {
            print("certificate expires in \(humanSeconds(notAfter - now)) (\(Time.iso(notAfter)))")
        }
        for (issuer, next) in (s["crl_next_update"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            let t = next.intValue ?? 0
            print("CRL of \(issuer): next update \(t < now ? "OVERDUE since" : "in") \(humanSeconds(abs(t - now)))")
        }
        print(
            "queue: \(s["queue_depth"]?.cell ?? "0") message(s); oldest undelivered: \(s["oldest_undelivered_age_seconds"]?.intValue.map(humanSeconds) ?? "-"); parked: \(s["parked"]?.cell ?? "0"); open alerts: \(s["open_alerts"]?.cell ?? "0")"
        )
        var table = Table("PEER", "OIN", "QUEUED", "REACHABLE", "FAILED", "LAST ERROR")
        for p in s["peers"]?.arrayValue ?? [] {
            table.add(
                p["name"]?.cell ?? "",
                p["oin"]?.cell ?? "",
                p["queued"]?.cell ?? "",
                p["reachable"]?.cell ?? "",
                p["failed_attempts"]?.cell ?? "",
                p["last_error"]?.cell ?? ""
            )
        }
        print(table.render())
    }
}

/// `hubctl peers`: descriptors, capabilities and backoff state.
struct PeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "Each peer's descriptor, capabilities and backoff; --reset-backoff OIN retries a peer now."
    )

    @OptionGroup var node: NodeOptions

    @Option(name: .customLong("reset-backoff"), help: "Reset the backoff of this peer (OIN) and deliver to it now.")
    var resetBackoff: String?

    func run() async throws {
        if let oin = resetBackoff {
            guard OIN.isValid(oin) else { throw CommandError("--reset-backoff: not an OIN (20 digits)") }
            let answer = try await node.call(.post, "/v1/local/peers/\(oin)/reset-backoff")
            if node.json { return printJSON(answer) }
            print("backoff of \(oin) reset; delivery resumes now")
            return
        }
        let answer = try await node.call(.get, "/v1/local/peers")
        if node.json { return printJSON(answer) }
        var table = Table(
            "PEER",
            "OIN",
            "ENDPOINT",
            "CAPABILITIES",
            "DESCRIPTOR EXP",
            "FAILED",
            "NEXT ATTEMPT",
            "LAST ERROR"
        )
        for p in answer["peers"]?.arrayValue ?? [] {
            let d = p["descriptor"]
            let b = p["backoff"]
            let next = b?["next_attempt_at"]?.intValue ?? 0
            table.add(
                p["name"]?.cell ?? "",
                p["oin"]?.cell ?? "",
                p["endpoint"]?.cell ?? "",
                d?["capabilities"]?.cell ?? "-",
                d?["exp"]?.intValue.map(Time.iso) ?? "-",
                b?["failed_attempts"]?.cell ?? "0",
                next > 0 ? Time.iso(next) : "-",
                b?["last_error"]?.cell ?? "-"
            )
        }
        print(table.render())
    }
}

/// `hubctl alerts`: open operator alerts.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alerts", abstract: "Open operator alerts.")

    @OptionGroup var node: NodeOptions

    func run() async throws {
        let answer = try await node.call(.get, "/v1/local/alerts")
        if node.json { return printJSON(answer) }
        var table = Table("ID", "AT", "KIND", "PEER", "DETAIL")
        for a in answer["alerts"]?.arrayValue ?? [] {
            table.add(
                a["id"]?.cell ?? "",
                a["at"]?.intValue.map(Time.iso) ?? "",
                a["kind"]?.cell ?? "",
                a["peer"]?.cell ?? "",
                a["detail"]?.cell ?? ""
            )
        }
        print(table.render())
    }
}
