import Foundation
import HubProtocol
import Testing

/// `hubctl purge` against real nodes (issue "Operator experience",
/// acceptance: "`hubctl purge` removes exactly what the retention rule says"):
/// the rows before and after, read with the sqlite3 CLI.
@Suite(.serialized) struct RetentionTests {
    /// Every column of `referrals` but the identity copy, which retention clears.
    static let referralColumns =
        "sender_oin, referral_id, direction, peer_oin, case_id, kind, category, effective_date, respond_by, "
        + "priority, has_sealed, state, reason, withdraw_pending, withdraw_reason, too_late, offer_hash, "
        + "answer_receipt, created_by, created_at, updated_at"
    /// Which referrals hold an identity copy, one `referral_id:0|1` a line.
    static let copies = "SELECT referral_id || ':' || (identity_copy IS NOT NULL) FROM referrals ORDER BY referral_id"

    let federation: TestFederation
    var arnhem: TestFederation.Member { federation.members[0] }
    var zwolle: TestFederation.Member { federation.members[1] }

    init() throws {
        federation = try TestFederation(count: 2)
        try federation.startAll()
    }

    func json(_ out: ProcessRunner.Output, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)", sourceLocation: sourceLocation)
        return try JSONParser.parse(Array(out.stdout.utf8))
    }

    func openCase(_ member: TestFederation.Member, openedOn: String) throws -> String {
        let body = """
            {"persons":[{"role":"parent","bsn":"111222333","given_names":"Annemarie","family_name":"Verhoeven"},
             {"role":"child","bsn":"012345672","given_names":"Fleur","family_name":"Verhoeven","age_band":"4-11"}],
             "entry_phase":"post_separation","help_domains":["children","financial"],"referral_source":"court",
             "safety":{"veilig_thuis":true,"child_protection_board":false,"court":true},"opened_on":"\(openedOn)"}
            """
        return try json(federation.hubctl(member, ["case", "open", "--json"], stdin: body))["id"]?.stringValue ?? ""
    }

    func offer(_ from: TestFederation.Member, case id: String, to: TestFederation.Member, kind: String) throws -> String
    {
        let answer = try json(
            federation.hubctl(
                from,
                [
                    "referral", "offer", "--json", "--case", id, "--to", to.name, "--kind", kind,
                    "--effective-date", TestFederation.day(14), "--respond-by", TestFederation.day(7),
                    "--consent-basis", "consent",
                    "--consent-date", TestFederation.day(0),
                ]
            )
        )
        return answer["referral_id"]?.stringValue ?? ""
    }

    func waitState(_ member: TestFederation.Member, _ id: String, _ expected: String) throws {
        try federation.waitUntil("\(member.name): referral \(id) → \(expected)") {
            try federation.sql(member, "SELECT state FROM referrals WHERE referral_id = '\(id)'") == expected
        }
    }

    /// Everything in the database, as text (the sqlite3 CLI's `.dump`).
    func dump(_ member: TestFederation.Member) throws -> String {
        try federation.sql(member, ".dump")
    }

    @Test func purgeRemovesExactlyWhatTheRuleSays() throws {
        // Zwolle: a transfer to Arnhem of a case opened 1000 days ago, completed (Zwolle closes
        // it as transferred); a case closed 10 days ago; an open case offered as a consult.
        let oldCase = try openCase(zwolle, openedOn: TestFederation.day(-1000))
        let transfer = try offer(zwolle, case: oldCase, to: arnhem, kind: "transfer")
        try waitState(arnhem, transfer, "offered")
        #expect(try federation.hubctl(arnhem, ["referral", "accept", zwolle.oin, transfer]).status == 0)
        #expect(try federation.hubctl(arnhem, ["referral", "complete", zwolle.oin, transfer]).status == 0)
        try federation.waitUntil("Zwolle closes the transferred case") {
            try federation.sql(zwolle, "SELECT status FROM cases WHERE id = '\(oldCase)'") == "closed"
        }
        let arnhemCase = try federation.sql(arnhem, "SELECT case_id FROM referrals WHERE referral_id = '\(transfer)'")
        #expect(try federation.hubctl(arnhem, ["case", "close", arnhemCase, "--outcome", "stable"]).status == 0)
        let recentCase = try openCase(zwolle, openedOn: TestFederation.day(-100))
        #expect(
            try federation.hubctl(
                zwolle,
                ["case", "close", recentCase, "--outcome", "de_escalated", "--closed-on", TestFederation.day(-10)]
            )
            .status == 0
        )
        let openCase = try openCase(zwolle, openedOn: TestFederation.day(-1000))
        let consult = try offer(zwolle, case: openCase, to: arnhem, kind: "consult")
        try waitState(arnhem, consult, "offered")
        try federation.waitUntil("Zwolle's outbox is delivered") {
            try federation.count(zwolle, "SELECT COUNT(*) FROM outbox WHERE state != 'delivered'") == 0
        }
        try federation.waitUntil("Arnhem's outbox is delivered") {
            try federation.count(arnhem, "SELECT COUNT(*) FROM outbox WHERE state != 'delivered'") == 0
        }
        // Both old cases were closed 800 days ago (the API only takes today or later for these).
        _ = try federation.sql(
            zwolle,
            "UPDATE cases SET closed_on = '\(TestFederation.day(-800))' WHERE id = '\(oldCase)'"
        )
        _ = try federation.sql(
            arnhem,
            "UPDATE cases SET opened_on = '\(TestFederation.day(-900))', closed_on = '\(TestFederation.day(-800))' WHERE id = '\(arnhemCase)'"
        )

        let statistics =
            "status, opened_on, closed_on, outcome, entry_phase, help_domains, referral_source, safety_veilig_thuis, "
            + "safety_child_protection_board, safety_court, responsible_from, created_at, updated_at"
        let keep = "id, destination_oin, type, jti, hash, created_at, state, receipt_jws, delivered_at"
        let zwolleBefore = (
            cases: try federation.sql(zwolle, "SELECT id, \(statistics) FROM cases ORDER BY id"),
            persons: try federation.sql(
                zwolle,
                "SELECT case_id, position, role, age_band FROM case_persons ORDER BY case_id, position"
            ),
            pseudonyms: try federation.sql(zwolle, "SELECT pseudonym FROM case_persons WHERE case_id = '\(oldCase)'"),
            untouchedPersons: try federation.sql(
                zwolle,
                "SELECT * FROM case_persons WHERE case_id != '\(oldCase)' ORDER BY case_id, position"
            ),
            outboxKept: try federation.sql(zwolle, "SELECT \(keep) FROM outbox ORDER BY id"),
            referrals: try federation.sql(zwolle, "SELECT \(Self.referralColumns) FROM referrals ORDER BY referral_id"),
            consultOffer: try federation.sql(
                zwolle,
                "SELECT jws || body_json FROM outbox WHERE json_extract(body_json, '$.referral_id') = '\(consult)'"
            )
        )
        let offerHash = try federation.sql(arnhem, "SELECT offer_hash FROM referrals WHERE referral_id = '\(transfer)'")
        let inboxKept =
            "hash, iss, jti, reserved_jti, type, typ, exp, received_at, peer_oin, status, reason, receipt_jws"
        let arnhemBefore = (
            cases: try federation.sql(arnhem, "SELECT id, \(statistics) FROM cases ORDER BY id"),
            inboxKept: try federation.sql(arnhem, "SELECT \(inboxKept) FROM inbox ORDER BY id"),
            consultOffer: try federation.sql(
                arnhem,
                "SELECT jws FROM inbox WHERE hash = (SELECT offer_hash FROM referrals WHERE referral_id = '\(consult)')"
            ),
            referrals: try federation.sql(arnhem, "SELECT \(Self.referralColumns) FROM referrals ORDER BY referral_id")
        )
        // Arnhem received both offers and keeps a copy of each identity; Zwolle's copies went on delivery.
        let arnhemCopies = [transfer, consult].sorted().map { "\($0):1" }.joined(separator: "\n")
        #expect(try federation.sql(arnhem, Self.copies) == arnhemCopies)
        #expect(!(try federation.sql(zwolle, Self.copies).contains(":1")))
        #expect(zwolleBefore.pseudonyms.split(separator: "\n").count == 2)
        #expect(!arnhemBefore.consultOffer.isEmpty && !zwolleBefore.consultOffer.isEmpty)

        // The dry run lists what would go and changes not one byte.
        let dumps = (try dump(zwolle), try dump(arnhem))
        let dry = try federation.hubctl(zwolle, ["purge", "--dry-run"], asOperator: true)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("DRY RUN") && dry.stdout.contains(oldCase), "\(dry.stdout)")
        #expect(!dry.stdout.contains(recentCase) && !dry.stdout.contains(openCase))
        let dryJSON = try json(federation.hubctl(arnhem, ["purge", "--dry-run", "--json"], asOperator: true))
        #expect(dryJSON["dry_run"] == .bool(true) && dryJSON["cases"] == .array([.string(arnhemCase)]))
        #expect(dryJSON["inbox_sealed"] == .array([.string(offerHash)]))
        #expect(try dump(zwolle) == dumps.0 && dump(arnhem) == dumps.1, "a dry run changed the database")
        // A case worker may not purge.
        let refused = try federation.hubctl(zwolle, ["purge", "--dry-run"])
        #expect(refused.status != 0 && refused.stderr.contains("role_not_allowed"))

        // The purge.
        let purged = try json(federation.hubctl(zwolle, ["purge", "--json"], asOperator: true))
        #expect(purged["dry_run"] == .bool(false) && purged["cases"] == .array([.string(oldCase)]))
        #expect(purged["counts"]?["persons"] == .integer(2) && purged["counts"]?["outbox_sealed"] == .integer(1))
        let arnhemPurge = try federation.hubctl(arnhem, ["purge"], asOperator: true)
        #expect(arnhemPurge.status == 0 && arnhemPurge.stdout.contains(arnhemCase), "\(arnhemPurge.stdout)")

        // Zwolle: identity and pseudonyms of the old case gone; statistics, persons' roles and
        // bands, referrals and every other case as they were.
        #expect(try federation.sql(zwolle, "SELECT id, \(statistics) FROM cases ORDER BY id") == zwolleBefore.cases)
        #expect(
            try federation.sql(zwolle, "SELECT id FROM cases WHERE purged_at IS NOT NULL") == oldCase
        )
        #expect(
            try federation.sql(
                zwolle,
                "SELECT case_id, position, role, age_band FROM case_persons ORDER BY case_id, position"
            ) == zwolleBefore.persons
        )
        #expect(
            try federation.count(
                zwolle,
                "SELECT COUNT(*) FROM case_persons WHERE case_id = '\(oldCase)' AND identity IS NULL"
            ) == 2
        )
        let newPseudonyms = try federation.sql(
            zwolle,
            "SELECT pseudonym FROM case_persons WHERE case_id = '\(oldCase)'"
        ).split(separator: "\n")
        #expect(
            newPseudonyms.count == 2
                && Set(newPseudonyms).isDisjoint(with: zwolleBefore.pseudonyms.split(separator: "\n"))
        )
        #expect(
            try federation.sql(
                zwolle,
                "SELECT * FROM case_persons WHERE case_id != '\(oldCase)' ORDER BY case_id, position"
            ) == zwolleBefore.untouchedPersons
        )
        #expect(
            try federation.sql(zwolle, "SELECT \(Self.referralColumns) FROM referrals ORDER BY referral_id")
                == zwolleBefore.referrals
        )
        // Zwolle's outbox: the old offer lost jws and body; hash, jti, state, receipt stay; the
        // open case's offer is untouched.
        #expect(try federation.sql(zwolle, "SELECT \(keep) FROM outbox ORDER BY id") == zwolleBefore.outboxKept)
        #expect(
            try federation.sql(
                zwolle,
                "SELECT jws || '|' || body_json FROM outbox WHERE sealed_deleted_at IS NOT NULL"
            ) == "|{}"
        )
        #expect(
            try federation.sql(
                zwolle,
                "SELECT json_extract(body_json, '$.referral_id') IS NULL FROM outbox WHERE sealed_deleted_at IS NOT NULL"
            ) == "1"
        )
        #expect(
            try federation.sql(
                zwolle,
                "SELECT jws || body_json FROM outbox WHERE json_extract(body_json, '$.referral_id') = '\(consult)'"
            ) == zwolleBefore.consultOffer
        )

        // Arnhem: the received offer lost its bytes, kept hash, metadata and receipt; the consult
        // (still offered) kept everything; its own case lost identity, kept statistics.
        #expect(try federation.sql(arnhem, "SELECT \(inboxKept) FROM inbox ORDER BY id") == arnhemBefore.inboxKept)
        #expect(
            try federation.sql(
                arnhem,
                "SELECT (jws IS NULL) || '|' || (sealed_deleted_at IS NOT NULL) FROM inbox WHERE hash = '\(offerHash)'"
            ) == "1|1"
        )
        #expect(
            try federation.sql(
                arnhem,
                "SELECT jws FROM inbox WHERE hash = (SELECT offer_hash FROM referrals WHERE referral_id = '\(consult)')"
            ) == arnhemBefore.consultOffer
        )
        #expect(try federation.sql(arnhem, "SELECT id, \(statistics) FROM cases ORDER BY id") == arnhemBefore.cases)
        #expect(
            try federation.count(
                arnhem,
                "SELECT COUNT(*) FROM case_persons WHERE case_id = '\(arnhemCase)' AND identity IS NULL"
            ) == 2
        )
        #expect(
            try federation.sql(arnhem, "SELECT \(Self.referralColumns) FROM referrals ORDER BY referral_id")
                == arnhemBefore.referrals
        )
        // The old transfer's identity copy went; the open consult's stays.
        #expect(
            try federation.sql(arnhem, Self.copies)
                == [(transfer, 0), (consult, 1)].sorted { $0.0 < $1.0 }.map { "\($0.0):\($0.1)" }.joined(
                    separator: "\n"
                )
        )

        // Audited with counts only; the chains verify; a second purge finds nothing.
        for member in [zwolle, arnhem] {
            let entry = try federation.sql(member, "SELECT entry_json FROM audit_log WHERE action = 'retention.purge'")
            #expect(entry.contains("\"cases\":1") && !entry.contains(oldCase) && !entry.contains(arnhemCase))
            let verified = try federation.hubctl(member, ["audit", "verify"], asOperator: true)
            #expect(verified.status == 0 && verified.stdout.contains("intact"), "\(verified.stdout)")
            let again = try json(federation.hubctl(member, ["purge", "--json"], asOperator: true))
            let counts = again["counts"]?.objectValue ?? [:]
            #expect(!counts.isEmpty && counts.values.allSatisfy { $0 == .integer(0) }, "\(again)")
        }
        // The retention job is scheduled on both nodes.
        for member in [zwolle, arnhem] {
            #expect(federation.logText(member).contains("retention scheduled"))
        }
    }
}
