import Foundation
import HubProtocol
import Testing

/// Referrals end to end between four real nodes, driven with `hubctl` as case
/// workers do (issue "Referrals and transfers", acceptance).
@Suite(.serialized) struct ReferralFlowTests {
    static let people = [
        ("111222333", "Annemarie", "Verhoeven"), ("123456782", "Sjoerd", "Verhoeven"),
        ("012345672", "Fleur", "Verhoeven"),
        ("999999990", "Karin", "Bosschaart"), ("100000009", "Daan", "Bosschaart"),
    ]

    let federation: TestFederation

    var arnhem: TestFederation.Member { federation.members[0] }
    var zwolle: TestFederation.Member { federation.members[1] }
    var assen: TestFederation.Member { federation.members[2] }
    var utrecht: TestFederation.Member { federation.members[3] }

    init() throws {
        federation = try TestFederation(count: 4)
        try federation.startAll()
    }

    /// Runs hubctl as `member`'s case worker (or operator).
    func hubctl(
        _ member: TestFederation.Member,
        _ args: [String],
        stdin: String = "",
        asOperator: Bool = false
    ) throws -> ProcessRunner.Output {
        try federation.hubctl(member, args, stdin: stdin, asOperator: asOperator)
    }

    func json(_ out: ProcessRunner.Output, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)", sourceLocation: sourceLocation)
        return try JSONParser.parse(Array(out.stdout.utf8))
    }

    func openCase(
        _ member: TestFederation.Member,
        parents: [(String, String, String)],
        children: [(String, String, String)]
    ) throws -> String {
        let persons =
            parents.map {
                "{\"role\":\"parent\",\"bsn\":\"\($0.0)\",\"given_names\":\"\($0.1)\",\"family_name\":\"\($0.2)\"}"
            }
            + children.map {
                "{\"role\":\"child\",\"bsn\":\"\($0.0)\",\"given_names\":\"\($0.1)\",\"family_name\":\"\($0.2)\",\"age_band\":\"4-11\"}"
            }
        let body = """
            {"persons":[\(persons.joined(separator: ","))],"entry_phase":"separation_intent","help_domains":["children","legal"],
             "referral_source":"gp","safety":{"veilig_thuis":false,"child_protection_board":false,"court":true}}
            """
        return try json(hubctl(member, ["case", "open", "--json"], stdin: body))["id"]?.stringValue ?? ""
    }

    func offer(
        _ from: TestFederation.Member,
        case id: String,
        to: TestFederation.Member,
        kind: String,
        identity: Bool = true
    ) throws -> (String, String) {
        var args = [
            "referral", "offer", "--json", "--case", id, "--to", to.name, "--kind", kind, "--effective-date",
            TestFederation.day(16), "--respond-by", TestFederation.day(11),
            "--consent-basis", "consent", "--consent-date", TestFederation.day(-9),
        ]
        if !identity { args.append("--no-identity") }
        let answer = try json(hubctl(from, args))
        return (answer["sender"]?.stringValue ?? "", answer["referral_id"]?.stringValue ?? "")
    }

    func state(_ member: TestFederation.Member, _ key: (String, String)) throws -> String? {
        try? federation.sql(
            member,
            "SELECT state FROM referrals WHERE sender_oin = '\(key.0)' AND referral_id = '\(key.1)'"
        )
    }

    func waitState(_ member: TestFederation.Member, _ key: (String, String), _ expected: String, _ what: String) throws
    {
        try federation.waitUntil("\(member.name): \(what) → \(expected)") { try state(member, key) == expected }
    }

    @Test func theWholeStory() throws {
        // A family moves from Zwolle to Arnhem: offer, accept, complete.
        let zwolleCase = try openCase(zwolle, parents: [Self.people[0], Self.people[1]], children: [Self.people[2]])
        #expect(try federation.count(zwolle, "SELECT COUNT(*) FROM case_persons WHERE case_id = '\(zwolleCase)'") == 3)
        let transfer = try offer(zwolle, case: zwolleCase, to: arnhem, kind: "transfer")
        #expect(transfer.0 == zwolle.oin)
        #expect(try state(zwolle, transfer) == "offered")
        try waitState(arnhem, transfer, "offered", "the offer arrives")
        let inbox = try hubctl(arnhem, ["referral", "inbox"])
        #expect(inbox.status == 0 && inbox.stdout.contains(transfer.1))
        // Arnhem reads the identity, with a purpose, and the read is audited.
        let shown = try hubctl(
            arnhem,
            ["referral", "show", transfer.0, transfer.1, "--identity", "--purpose", "intake for the warm handover"]
        )
        #expect(shown.status == 0 && shown.stdout.contains(Self.people[0].1), "\(shown.stderr)")
        #expect(
            try federation.count(
                arnhem,
                "SELECT COUNT(*) FROM audit_log WHERE entry_json LIKE '%intake for the warm handover%'"
            ) == 1
        )
        let noPurpose = try hubctl(arnhem, ["referral", "show", transfer.0, transfer.1, "--identity"])
        #expect(noPurpose.status != 0 && noPurpose.stderr.contains("--purpose"))
        // A third node never got the sealed block and cannot open it.
        let offerJWS = try federation.sql(arnhem, "SELECT jws FROM inbox WHERE type = 'referral.offer'")
        let sealed = try Self.sealedBlock(of: offerJWS)
        let assenKey = try FileManager.default.contentsOfDirectory(
            atPath: assen.dir.appendingPathComponent("enc-keys").path
        ).first { $0.hasSuffix(".pem") }!
        let foreign = try ProcessRunner.hubctl(
            ["open", "--key", assen.dir.appendingPathComponent("enc-keys/\(assenKey)").path],
            stdin: sealed
        )
        #expect(foreign.status != 0 && foreign.stderr.contains("unknown_key"), "\(foreign.stderr)")
        // Arnhem accepts: its own case, its own pseudonyms.
        let accepted = try hubctl(arnhem, ["referral", "accept", transfer.0, transfer.1])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(try state(arnhem, transfer) == "accepted")
        try waitState(zwolle, transfer, "accepted", "the accept arrives")
        let arnhemCase = try federation.sql(arnhem, "SELECT case_id FROM referrals WHERE referral_id = '\(transfer.1)'")
        #expect(!arnhemCase.isEmpty && arnhemCase != zwolleCase)
        let zwolleNyms = try federation.sql(
            zwolle,
            "SELECT pseudonym FROM case_persons WHERE case_id = '\(zwolleCase)' ORDER BY pseudonym"
        )
        let arnhemNyms = try federation.sql(
            arnhem,
            "SELECT pseudonym FROM case_persons WHERE case_id = '\(arnhemCase)' ORDER BY pseudonym"
        )
        #expect(
            arnhemNyms.split(separator: "\n").count == 3
                && Set(arnhemNyms.split(separator: "\n")).isDisjoint(with: zwolleNyms.split(separator: "\n"))
        )
        let completed = try hubctl(arnhem, ["referral", "complete", transfer.0, transfer.1])
        #expect(completed.status == 0, "\(completed.stderr)")
        try waitState(zwolle, transfer, "completed", "the completion arrives")
        try federation.waitUntil("Zwolle closes its case as transferred") {
            try federation.sql(
                zwolle,
                "SELECT status || ':' || COALESCE(outcome, '') FROM cases WHERE id = '\(zwolleCase)'"
            ) == "closed:transferred"
        }

        // Utrecht asks Assen to support a parent who lives there.
        let utrechtCase = try openCase(utrecht, parents: [Self.people[3]], children: [Self.people[4]])
        let consult = try offer(utrecht, case: utrechtCase, to: assen, kind: "consult")
        try waitState(assen, consult, "offered", "the consult arrives")
        #expect(try hubctl(assen, ["referral", "accept", consult.0, consult.1]).status == 0)
        try waitState(utrecht, consult, "accepted", "the consult's accept arrives")
        #expect(
            try federation.sql(utrecht, "SELECT status FROM cases WHERE id = '\(utrechtCase)'") == "open",
            "a consult leaves the case with the sender"
        )

        // Assen rejects an offer it is not responsible for.
        let misrouted = try offer(utrecht, case: utrechtCase, to: assen, kind: "consult", identity: false)
        try waitState(assen, misrouted, "offered", "the second offer arrives")
        #expect(
            try hubctl(assen, ["referral", "reject", misrouted.0, misrouted.1, "--reason", "not_responsible"]).status
                == 0
        )
        try waitState(utrecht, misrouted, "rejected", "the rejection arrives")
        #expect(
            try federation.sql(utrecht, "SELECT reason FROM referrals WHERE referral_id = '\(misrouted.1)'")
                == "not_responsible"
        )

        // A withdrawal: the sender applies it once the receiver's receipt says accepted.
        let stayCase = try openCase(zwolle, parents: [Self.people[3]], children: [])
        let stay = try offer(zwolle, case: stayCase, to: utrecht, kind: "consult")
        try waitState(utrecht, stay, "offered", "the offer arrives")
        #expect(try hubctl(zwolle, ["referral", "withdraw", stay.0, stay.1, "--reason", "family_stayed"]).status == 0)
        try waitState(utrecht, stay, "withdrawn", "the withdraw arrives")
        try waitState(zwolle, stay, "withdrawn", "the receipt confirms it")

        // Too late: withdrawing after the receiver completed is shown as such, not parked.
        let late = try offer(zwolle, case: stayCase, to: arnhem, kind: "consult")
        try waitState(arnhem, late, "offered", "the offer arrives")
        #expect(try hubctl(arnhem, ["referral", "accept", late.0, late.1]).status == 0)
        #expect(try hubctl(arnhem, ["referral", "complete", late.0, late.1]).status == 0)
        try waitState(zwolle, late, "completed", "the completion arrives")
        // Zwolle already knows the receiver completed it: the case worker is told at once.
        // (A withdraw that crosses the completion on the wire comes back as invalid_state and is
        // shown as too late; the in-process flow tests cover that race.)
        let lateWithdraw = try hubctl(zwolle, ["referral", "withdraw", late.0, late.1, "--reason", "error"])
        #expect(lateWithdraw.status != 0 && lateWithdraw.stderr.contains("invalid_state"), "\(lateWithdraw.stderr)")
        #expect(try state(zwolle, late) == "completed")
        #expect(try federation.count(zwolle, "SELECT COUNT(*) FROM outbox WHERE state = 'parked'") == 0)

        // A withdraw racing an accept: both sides end in the receiver's state.
        let raceCase = try openCase(utrecht, parents: [Self.people[0]], children: [])
        let race = try offer(utrecht, case: raceCase, to: arnhem, kind: "consult")
        try waitState(arnhem, race, "offered", "the offer arrives")
        let withdrawing = try hubctl(utrecht, ["referral", "withdraw", race.0, race.1, "--reason", "duplicate"])
        let accepting = try hubctl(arnhem, ["referral", "accept", race.0, race.1])
        #expect(withdrawing.status == 0)
        _ = accepting
        try federation.waitUntil("both sides agree") {
            let receiver = try state(arnhem, race)
            let sender = try state(utrecht, race)
            let pending = try federation.sql(
                utrecht,
                "SELECT withdraw_pending FROM referrals WHERE referral_id = '\(race.1)'"
            )
            return receiver == "withdrawn" && sender == "withdrawn" && pending == "0"
        }

        // Bad input changes nothing.
        let before = try federation.count(zwolle, "SELECT COUNT(*) FROM cases")
        let badBSN = try hubctl(
            zwolle,
            ["case", "open"],
            stdin:
                "{\"persons\":[{\"role\":\"parent\",\"bsn\":\"123456789\"}],\"entry_phase\":\"relationship\",\"help_domains\":[\"legal\"],\"referral_source\":\"self\"}"
        )
        #expect(badBSN.status != 0 && badBSN.stderr.contains("11-proof") && !badBSN.stderr.contains("123456789"))
        #expect(try federation.count(zwolle, "SELECT COUNT(*) FROM cases") == before)
        let unknownPeer = try hubctl(
            zwolle,
            [
                "referral", "offer", "--case", stayCase, "--to", "Gemeente Nergens", "--kind", "consult",
                "--effective-date", TestFederation.day(16), "--respond-by", TestFederation.day(11), "--consent-basis",
                "consent",
                "--consent-date", TestFederation.day(-9),
            ]
        )
        #expect(unknownPeer.status != 0)
        let closedOffer = try hubctl(
            zwolle,
            [
                "referral", "offer", "--case", zwolleCase, "--to", "Gemeente Assen", "--kind", "consult",
                "--effective-date", TestFederation.day(16), "--respond-by", TestFederation.day(11), "--consent-basis",
                "consent",
                "--consent-date", TestFederation.day(-9),
            ]
        )
        #expect(closedOffer.status != 0)
        let wrongNode = try hubctl(assen, ["referral", "accept", transfer.0, transfer.1])
        #expect(wrongNode.status != 0)

        // The data-protection officer: who read which identity and why; find, export, erase by BSN.
        let reads = try hubctl(arnhem, ["audit", "reads", "--by", "Casemanager Gemeente Arnhem"], asOperator: true)
        #expect(
            reads.status == 0 && reads.stdout.contains("intake for the warm handover")
                && reads.stdout.contains(transfer.1),
            "\(reads.stdout)\(reads.stderr)"
        )
        let found = try json(
            hubctl(arnhem, ["subject", "find", "--json"], stdin: Self.people[0].0 + "\n", asOperator: true)
        )
        #expect(found["cases"]?.arrayValue?.count ?? 0 >= 1, "the transferred parent is in Arnhem's case")
        let exported = try hubctl(arnhem, ["subject", "export"], stdin: Self.people[0].0 + "\n", asOperator: true)
        #expect(
            exported.status == 0 && exported.stdout.contains(Self.people[0].1) && exported.stdout.contains(arnhemCase)
        )
        let erased = try json(
            hubctl(arnhem, ["subject", "erase", "--json"], stdin: Self.people[0].0 + "\n", asOperator: true)
        )
        #expect(erased["cases"]?.arrayValue?.isEmpty == false)
        let after = try json(
            hubctl(arnhem, ["subject", "find", "--json"], stdin: Self.people[0].0 + "\n", asOperator: true)
        )
        #expect(
            after["cases"]?.arrayValue?.isEmpty == true && after["sealed_offers"]?.arrayValue?.isEmpty == true,
            "\(after)"
        )
        #expect(try federation.count(arnhem, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'subject.%'") == 4)
        let badSubject = try hubctl(arnhem, ["subject", "find"], stdin: "123456789\n", asOperator: true)
        #expect(badSubject.status != 0 && !badSubject.stderr.contains("123456789"))
        let caseworkerTries = try hubctl(arnhem, ["subject", "find"], stdin: Self.people[0].0 + "\n")
        #expect(caseworkerTries.status != 0 && caseworkerTries.stderr.contains("role_not_allowed"))

        // The audit logs verify, and no BSN or name is anywhere in plain text.
        for member in federation.members {
            let verified = try hubctl(member, ["audit", "verify"], asOperator: true)
            #expect(
                verified.status == 0 && verified.stdout.contains("intact"),
                "\(member.name): \(verified.stdout)\(verified.stderr)"
            )
        }
        federation.stopAll()
        for member in federation.members {
            for file in try FileManager.default.contentsOfDirectory(atPath: member.dir.path)
            where file.hasPrefix("hub.sqlite") || file.hasSuffix(".log") || file.hasSuffix(".jwsl") {
                let bytes = try Data(contentsOf: member.dir.appendingPathComponent(file))
                for (bsn, given, family) in Self.people {
                    for secret in [bsn, given, family] {
                        #expect(
                            bytes.range(of: Data(secret.utf8)) == nil,
                            "\(secret) found in plain text in \(member.name)/\(file)"
                        )
                    }
                }
            }
        }
    }

    /// The sealed JWE inside a referral.offer message.
    static func sealedBlock(of jws: String) throws -> String {
        let compact = try CompactJWS(jws)
        let payload = try JSONParser.parse(compact.payload)
        return payload["body"]?["sealed"]?.stringValue ?? ""
    }
}
