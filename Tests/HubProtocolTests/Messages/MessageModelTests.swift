import Foundation
import Testing

@testable import HubProtocol

/// The typed bodies of PROTOCOL §4–§11: exact member sets, code lists, dates, sizes.
@Suite struct MessageModelTests {
    let decoder = JSONValueDecoder()

    func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), options: .init(integersOnly: true))
    }

    func rejects<T: Decodable>(
        _ type: T.Type,
        _ text: String,
        mentioning phrase: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let value = try parse(text)
        #expect(sourceLocation: sourceLocation) {
            _ = try decoder.decode(T.self, from: value)
        } throws: { error in
            let text = (error as? HubProtocolError)?.message ?? "\(error)"
            return text.contains(phrase)
        }
    }

    static let offer = """
        {"referral_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","kind":"consult","effective_date":"2025-03-01",
         "entry_phase":"separation_intent","help_domains":["legal","children"],"referral_source":"gp",
         "children":[{"age_band":"4-11"},{"age_band":"12-17"}],
         "safety":{"veilig_thuis":false,"child_protection_board":false,"court":true},
         "priority":"urgent","respond_by":"2025-03-15","consent":{"basis":"consent","date":"2025-02-20"}}
        """

    @Test func offerRoundTrips() throws {
        let offer = try decoder.decode(ReferralOffer.self, from: parse(Self.offer))
        #expect(offer.kind == .consult)
        #expect(offer.helpDomains == [.legal, .children])
        #expect(offer.children.map(\.ageBand) == [.child, .teenager])
        #expect(offer.safety.court)
        #expect(offer.respondBy == CalendarDate("2025-03-15"))
        let encoded = try JSONValueEncoder().encode(offer)
        #expect(try decoder.decode(ReferralOffer.self, from: encoded) == offer)
        #expect(JCS.string(encoded).contains("\"effective_date\":\"2025-03-01\""))
    }

    @Test func offerRefusals() throws {
        let base = Self.offer
        try rejects(
            ReferralOffer.self,
            base.replacingFirst("\"kind\":\"consult\"", "\"kind\":\"transfer\""),
            mentioning: "required for a transfer"
        )
        try rejects(ReferralOffer.self, base.replacingFirst("[\"legal\",\"children\"]", "[]"), mentioning: "1 to 5")
        try rejects(
            ReferralOffer.self,
            base.replacingFirst("[\"legal\",\"children\"]", "[\"legal\",\"legal\"]"),
            mentioning: "distinct"
        )
        try rejects(ReferralOffer.self, base.replacingFirst("\"gp\"", "\"neighbour\""), mentioning: "referral_source")
        try rejects(
            ReferralOffer.self,
            base.replacingFirst("\"2025-03-15\"", "\"2025-02-30\""),
            mentioning: "respond_by"
        )
        try rejects(ReferralOffer.self, base.replacingFirst("\"4-11\"", "\"4-12\""), mentioning: "age_band")
        try rejects(
            ReferralOffer.self,
            base.replacingFirst("\"court\":true}", "\"court\":true,\"police\":false}"),
            mentioning: "police"
        )
        try rejects(ReferralOffer.self, base.replacingFirst("0190a1b2-c3d4", "0190A1B2-C3D4"), mentioning: "UUID")
        try rejects(ReferralOffer.self, base.replacingFirst("}}", "},\"extra\":1}"), mentioning: "extra")
        let eleven = Array(repeating: "{\"age_band\":\"0-3\"}", count: 11).joined(separator: ",")
        try rejects(
            ReferralOffer.self,
            base.replacingFirst("{\"age_band\":\"4-11\"},{\"age_band\":\"12-17\"}", eleven),
            mentioning: "at most 10"
        )
    }

    @Test func answers() throws {
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        #expect(try decoder.decode(ReferralRef.self, from: parse("{\"referral_id\":\"\(id)\"}")).referralID == id)
        #expect(
            try decoder.decode(
                ReferralReject.self,
                from: parse("{\"referral_id\":\"\(id)\",\"reason\":\"no_capacity\"}")
            ).reason == .noCapacity
        )
        #expect(
            try decoder.decode(
                ReferralWithdraw.self,
                from: parse("{\"referral_id\":\"\(id)\",\"reason\":\"family_stayed\"}")
            ).reason == .familyStayed
        )
        try rejects(ReferralReject.self, "{\"referral_id\":\"\(id)\",\"reason\":\"bored\"}", mentioning: "reason")
        try rejects(ReferralRef.self, "{\"referral_id\":\"\(id)\",\"reason\":\"other\"}", mentioning: "reason")
        try rejects(ReferralWithdraw.self, "{\"referral_id\":\"\(id)\"}", mentioning: "reason")
    }

    @Test func methodology() throws {
        let body = MethodologyPublish(
            docID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
            version: 1,
            title: "Ouderschapsplan in drie gesprekken",
            summary: "Hoe het Zwolse team ouders begeleidt.",
            language: "nl",
            mediaType: .markdown,
            content: "# Werkwijze\n\nEerst luisteren.",
            license: "CC-BY-4.0",
            supersedes: nil,
            tags: ["ouderschapsplan"]
        )
        let value = try JSONValueEncoder().encode(body)
        #expect(value["supersedes"] == .null)
        #expect(try decoder.decode(MethodologyPublish.self, from: value) == body)
        var tampered = value.objectValue!
        tampered["content"] = .string("# Werkwijze\n\nEerst praten.")
        #expect(throws: (any Error).self) { try decoder.decode(MethodologyPublish.self, from: .object(tampered)) }
        var v2 = value.objectValue!
        v2["version"] = .integer(2)
        #expect(throws: (any Error).self) { try decoder.decode(MethodologyPublish.self, from: .object(v2)) }
        v2["supersedes"] = .string(body.sha256)
        #expect(try decoder.decode(MethodologyPublish.self, from: .object(v2)).version == 2)
        var noSupersedes = value.objectValue!
        noSupersedes.removeValue(forKey: "supersedes")
        #expect(throws: (any Error).self) { try decoder.decode(MethodologyPublish.self, from: .object(noSupersedes)) }
        #expect(MethodologyPublish.isSPDXExpression("MIT OR Apache-2.0"))
        #expect(MethodologyPublish.isSPDXExpression("(MIT AND BSD-3-Clause)"))
        #expect(!MethodologyPublish.isSPDXExpression("MIT OR"))
        #expect(!MethodologyPublish.isSPDXExpression("not a licence!"))
    }

    @Test func statsQueryRules() throws {
        let good = """
            {"query_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","requester":"Dr. J. Jansen","purpose":"Effect of the team on escalation",
             "measure":"cases","group_by":["period:quarter","help_domain","outcome"],"from":"2025-01-01","to":"2025-06-30",
             "mode":"combined","epsilon":"0.5"}
            """
        let q = try decoder.decode(StatsQuery.self, from: parse(good))
        #expect(q.period == .quarter && q.dimensions == [.helpDomain, .outcome] && q.epsilon == Epsilon("0.5"))
        #expect(try decoder.decode(StatsQuery.self, from: JSONValueEncoder().encode(q)) == q)
        try rejects(
            StatsQuery.self,
            good.replacingFirst("2025-01-01", "2025-01-02"),
            mentioning: "first day of a quarter"
        )
        try rejects(
            StatsQuery.self,
            good.replacingFirst("2025-06-30", "2025-06-29"),
            mentioning: "last day of a quarter"
        )
        try rejects(StatsQuery.self, good.replacingFirst("\"period:quarter\",", ""), mentioning: "period")
        try rejects(
            StatsQuery.self,
            good.replacingFirst("\"outcome\"]", "\"outcome\",\"age_band\"]"),
            mentioning: "at most 2"
        )
        try rejects(StatsQuery.self, good.replacingFirst("\"0.5\"", "\"1e-3\""), mentioning: "decimal")
        try rejects(StatsQuery.self, good.replacingFirst("\"0.5\"", "5"), mentioning: "epsilon")
        try rejects(StatsQuery.self, good.replacingFirst(",\"epsilon\":\"0.5\"", ""), mentioning: "epsilon")
        let long = String(repeating: "x", count: 201)
        try rejects(StatsQuery.self, good.replacingFirst("Effect of the team on escalation", long), mentioning: "200")
    }

    @Test func statsResultCells() throws {
        let text = """
            {"query_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","node":"99990000000000000001",
             "cells":[{"key":{"period":"2025-Q1"},"n":15},{"key":{"period":"2025-Q2"},"suppressed":true},
                      {"key":{"period":"2025-Q3"},"n":10,"sum":340}],
             "policy":{"min_cell":5,"round_to":5},"epsilon_spent":null,"epsilon_left":null}
            """
        let r = try decoder.decode(StatsResult.self, from: parse(text))
        #expect(r.cells.count == 3 && r.cells[1].suppressed && r.cells[2].sum == 340)
        #expect(JCS.string(try JSONValueEncoder().encode(r)) == JCS.string(try parse(text)))
        try rejects(
            StatsResult.self,
            text.replacingFirst("\"suppressed\":true", "\"suppressed\":true,\"n\":3"),
            mentioning: "suppressed"
        )
        try rejects(
            StatsResult.self,
            text.replacingFirst("\"node\":\"99990000000000000001\"", "\"node\":\"GM0202\""),
            mentioning: "OIN"
        )
    }

    @Test func receiptRules() throws {
        let ref = Base64URL.encode(SHA256.hash(Array("m".utf8)))
        let accepted = ReceiptPayload(
            jti: HubUUID.v7(),
            iss: "99990000000000000001",
            aud: "99990000000000000002",
            iat: 1_700_000_000,
            ref: ref,
            refJTI: nil,
            status: .accepted,
            reason: nil
        )
        let value = try JSONValueEncoder().encode(accepted)
        #expect(value["ref_jti"] == .null && value["reason"] == .null)
        #expect(Set(value.objectValue!.keys) == JWSType.receipt.payloadMembers)
        #expect(try decoder.decode(ReceiptPayload.self, from: value) == accepted)
        var bad = value.objectValue!
        bad["reason"] = .string("expired")
        #expect(throws: (any Error).self) { try decoder.decode(ReceiptPayload.self, from: .object(bad)) }
        bad.removeValue(forKey: "reason")
        bad["status"] = .string("rejected")
        #expect(throws: (any Error).self) { try decoder.decode(ReceiptPayload.self, from: .object(bad)) }
    }

    @Test func sealedIdentity() throws {
        let text = """
            {"persons":[{"role":"parent","bsn":"111222333","given_names":"Anna","family_name":"de Vries","birth_date":"1985-04-12",
             "contact":{"phone":"0612345678","email":null}},{"role":"child","bsn":"123456782"}],"note":null}
            """
        let s = try decoder.decode(SealedIdentity.self, from: parse(text))
        #expect(s.persons.count == 2 && s.persons[0].contact?.email == nil)
        try rejects(SealedIdentity.self, text.replacingFirst("111222333", "111222334"), mentioning: "11-proof")
        try rejects(SealedIdentity.self, text.replacingFirst(",\"note\":null", ""), mentioning: "note")
        try rejects(
            SealedIdentity.self,
            text.replacingFirst("\"note\":null", "\"note\":null,\"pad\":\"  x \""),
            mentioning: "spaces"
        )
        // Errors never carry the BSN.
        do {
            _ = try decoder.decode(SealedIdentity.self, from: parse(text.replacingFirst("111222333", "111222334")))
        } catch {
            #expect(!"\(error)".contains("111222334"))
        }
    }

    @Test func epsilonText() {
        #expect(Epsilon("5")?.micros == 5_000_000)
        #expect(Epsilon("0.25")?.description == "0.25")
        #expect(Epsilon("1.000001")?.micros == 1_000_001)
        for bad in ["", "-1", "1.", ".5", "01", "1.0000001", "1e3", "+1", "NaN"] {
            #expect(Epsilon(bad) == nil, "\(bad)")
        }
        #expect((Epsilon("0.1")! + Epsilon("0.2")!).description == "0.3")
    }
}

extension String {
    /// The string with the first occurrence of `target` replaced (the test fails loudly if absent).
    func replacingFirst(_ target: String, _ replacement: String) -> String {
        guard let r = range(of: target) else { preconditionFailure("test text lacks \(target)") }
        return replacingCharacters(in: r, with: replacement)
    }
}
