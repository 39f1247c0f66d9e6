import ArgumentParser
import HubProtocol

/// `hubctl purge`: retention on demand (PROTOCOL §13, role operator).
struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract:
            "Remove what retention says must go now: identities and pseudonyms of old closed cases, sealed messages.",
        discussion: """
            Closed cases past retention.closed_case_age_days lose their persons' identities and
            pseudonyms (the category data statistics count stays); stored messages holding their
            sealed data lose their bytes (hash and receipt stay); rejected messages lose their bytes
            once exp + 300 s has passed. The node also does this daily at retention.run_daily_at.
            Use --dry-run first: it lists what would go and changes nothing.
            """
    )

    @OptionGroup var node: NodeOptions

    @Flag(name: .customLong("dry-run"), help: "Only list what would go; change nothing.")
    var dryRun = false

    /// What each count means, in the order shown.
    static let labels: [(key: String, text: String)] = [
        ("cases", "closed cases losing identities and pseudonyms"),
        ("persons", "persons unlinked in those cases"),
        ("referrals", "referrals losing stored sealed data"),
        ("inbox_sealed", "received offers with sealed data (bytes deleted)"),
        ("outbox_sealed", "sent offers with sealed data (bytes deleted)"),
        ("identity_copies", "encrypted copies of sealed plaintext cleared"),
        ("inbox_expired", "rejected messages past exp + 300 s (bytes deleted)"),
    ]

    func run() async throws {
        let answer = try await node.call(.post, "/v1/local/retention/purge", body: .object(["dry_run": .bool(dryRun)]))
        if node.json { return printJSON(answer) }
        print(
            dryRun
                ? "DRY RUN — nothing was changed. A purge now would remove:"
                : "Purged (audited as retention.purge):"
        )
        print(
            "cases closed before \(answer["cutoff"]?.cell ?? "?") (retention \(answer["closed_case_age_days"]?.cell ?? "?") days)\n"
        )
        var counts = Table("WHAT", "COUNT")
        for (key, text) in Self.labels { counts.add(text, answer["counts"]?[key]?.cell ?? "0") }
        print(counts.render())
        var items = Table("KIND", "ID / HASH")
        for id in answer["cases"]?.arrayValue ?? [] { items.add("case", id.cell) }
        for r in answer["referrals"]?.arrayValue ?? [] {
            items.add("referral", "\(r["sender"]?.cell ?? "?") \(r["referral_id"]?.cell ?? "?")")
        }
        for hash in answer["inbox_sealed"]?.arrayValue ?? [] { items.add("inbox (sealed)", hash.cell) }
        for m in answer["outbox_sealed"]?.arrayValue ?? [] {
            items.add("outbox (sealed)", "#\(m["id"]?.cell ?? "?") \(m["hash"]?.cell ?? "?")")
        }
        for r in answer["identity_copies"]?.arrayValue ?? [] {
            items.add("sealed plaintext", "\(r["sender"]?.cell ?? "?") \(r["referral_id"]?.cell ?? "?")")
        }
        for hash in answer["inbox_expired"]?.arrayValue ?? [] { items.add("inbox (rejected, expired)", hash.cell) }
        if items.rows.isEmpty {
            print("\nnothing to remove")
        } else {
            print("\n" + items.render())
        }
    }
}
