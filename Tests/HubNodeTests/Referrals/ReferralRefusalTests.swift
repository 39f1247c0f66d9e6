import Foundation
import GRDB
import HubProtocol
import Testing

@testable import HubNode

/// What the case service and the message handlers refuse, and that a refusal
/// changes nothing.
@Suite(.serialized) struct ReferralRefusalTests {
    typealias Flow = ReferralFlowTests

    /// Counts of every table a refused action could have touched.
    static func footprint(_ node: ReferralTestFederation.Node) throws -> [Int] {
        try node.store.read { db in
            try ["cases", "case_persons", "referrals", "outbox", "audit_log"].map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1
            }
        }
    }

    /// Expects `body` to fail with `code`, and the node to be unchanged.
    static func expectRefusal(
        _ code: String,
        on node: ReferralTestFederation.Node,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async throws {
        let before = try footprint(node)
        do {
            try await body()
            Issue.record("expected \(code), but it succeeded", sourceLocation: sourceLocation)
        } catch let error as HubNodeError where error.isRefusal {
            #expect(error.code.rawValue == code, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(try footprint(node) == before, "a refusal changed the database", sourceLocation: sourceLocation)
    }

    @Test func openCaseRefusals() async throws {
        try await ReferralTestFederation.with { f in
            let cases = f.arnhem.cases
            var family = try Flow.family()
            try await Self.expectRefusal("duplicate_person", on: f.arnhem) {
                _ = try await cases.openCase(persons: family + [family[0]], categories: Flow.categories, by: "w")
            }
            family[2].person.birthDate = nil
            try await Self.expectRefusal("age_band_required", on: f.arnhem) {
                _ = try await cases.openCase(persons: family, categories: Flow.categories, by: "w")
            }
            family[2].person.birthDate = CalendarDate("1990-01-01")
            try await Self.expectRefusal("invalid_age_band", on: f.arnhem) {
                _ = try await cases.openCase(persons: family, categories: Flow.categories, by: "w")
            }
            family[2].person.birthDate = nil
            family[2].ageBand = .teenager
            family[0].ageBand = .infant
            try await Self.expectRefusal("invalid_age_band", on: f.arnhem) {
                _ = try await cases.openCase(persons: family, categories: Flow.categories, by: "w")
            }
            family[0].ageBand = nil
            var categories = Flow.categories
            categories.helpDomains = []
            try await Self.expectRefusal("invalid_request", on: f.arnhem) {
                _ = try await cases.openCase(persons: family, categories: categories, by: "w")
            }
            categories.helpDomains = [.legal, .legal]
            try await Self.expectRefusal("invalid_request", on: f.arnhem) {
                _ = try await cases.openCase(persons: family, categories: categories, by: "w")
            }
            let opened = try await cases.openCase(persons: family, categories: Flow.categories, by: "w")
            #expect(opened.persons.map(\.ageBand) == [nil, nil, "12-17"])
        }
    }

    @Test func offerRefusals() async throws {
        try await ReferralTestFederation.with { f in
            let cases = f.arnhem.cases
            let opened = try await cases.openCase(persons: try Flow.family(), categories: Flow.categories, by: "w")
            let empty = try await cases.openCase(persons: [], categories: Flow.categories, by: "w")
            let id = opened.row.id
            try await Self.expectRefusal("unknown_peer", on: f.arnhem) {
                _ = try await cases.offer(Flow.offer(id, to: "Gemeente Utrecht"), by: "w")
            }
            try await Self.expectRefusal("unknown_peer", on: f.arnhem) {
                _ = try await cases.offer(Flow.offer(id, to: "99990000000000000344"), by: "w")
            }
            try await Self.expectRefusal("unknown_case", on: f.arnhem) {
                _ = try await cases.offer(
                    Flow.offer("0190a5c4-0000-7000-8000-00000000dead", to: "Gemeente Zwolle"),
                    by: "w"
                )
            }
            try await Self.expectRefusal("no_persons", on: f.arnhem) {
                _ = try await cases.offer(Flow.offer(empty.row.id, to: "Gemeente Zwolle"), by: "w")
            }
            try await Self.expectRefusal("invalid_request", on: f.arnhem) {
                _ = try await cases.offer(Flow.offer(id, to: "Gemeente Zwolle", kind: .consult, note: "note"), by: "w")
            }
            var late = Flow.offer(id, to: "Gemeente Zwolle")
            late.respondBy = Flow.today.adding(days: -1)
            try await Self.expectRefusal("invalid_request", on: f.arnhem) { _ = try await cases.offer(late, by: "w") }
            // A consult without identity needs no persons.
            let consult = try await cases.offer(
                Flow.offer(empty.row.id, to: "Gemeente Zwolle", kind: .consult),
                by: "w"
            )
            #expect(!consult.row.hasSealed)
            _ = try await cases.closeCase(id: id, outcome: .stable, by: "w")
            try await Self.expectRefusal("case_closed", on: f.arnhem) {
                _ = try await cases.offer(Flow.offer(id, to: "Gemeente Zwolle"), by: "w")
            }
            try await Self.expectRefusal("case_closed", on: f.arnhem) {
                _ = try await cases.closeCase(id: id, outcome: .stable, by: "w")
            }
        }
    }

    @Test func answeringAndWithdrawingTheWrongSide() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let (_, rid) = try await Flow.offeredTransfer(f)
            // The sender cannot answer its own offer; the receiver cannot withdraw it.
            try await Self.expectRefusal("not_receiver", on: f.arnhem) {
                try await f.arnhem.cases.accept(sender: a, id: rid, by: "w")
            }
            try await Self.expectRefusal("not_receiver", on: f.arnhem) {
                try await f.arnhem.cases.reject(sender: a, id: rid, reason: .other, by: "w")
            }
            try await Self.expectRefusal("not_sender", on: f.zwolle) {
                try await f.zwolle.cases.withdraw(sender: a, id: rid, reason: .error, by: "z")
            }
            try await Self.expectRefusal("invalid_state", on: f.zwolle) {
                try await f.zwolle.cases.complete(sender: a, id: rid, by: "z")
            }
            try await Self.expectRefusal("unknown_referral", on: f.zwolle) {
                try await f.zwolle.cases.accept(sender: a, id: "0190a5c4-0000-7000-8000-00000000dead", by: "z")
            }
            // Another node does not know it at all.
            try await Self.expectRefusal("unknown_referral", on: f.assen) {
                try await f.assen.cases.accept(sender: a, id: rid, by: "x")
            }
        }
    }

    /// Only the addressed receiver's keys open the sealed block.
    @Test func aThirdNodeCannotOpenTheSealedBlock() async throws {
        try await ReferralTestFederation.with { f in
            let opened = try await f.arnhem.cases.openCase(
                persons: try Flow.family(),
                categories: Flow.categories,
                by: "w"
            )
            let offered = try await f.arnhem.cases.offer(Flow.offer(opened.row.id, to: "Gemeente Zwolle"), by: "w")
            let row = try #require(try f.arnhem.outbox().first)
            let body = try JSONValueDecoder().decode(ReferralOffer.self, from: JSONParser.parse(row.bodyJSON))
            let sealed = try #require(body.sealed)
            let rid = offered.row.referralID
            // Zwolle opens it.
            let identity = try SealedOfferHandler.open(
                sealed,
                keyring: f.zwolle.keyring,
                sender: f.arnhem.oin,
                recipient: f.zwolle.oin,
                referralID: rid
            )
            #expect(identity.persons.count == 3)
            // Assen holds no key with that kid (unknown_key); claimed as its own,
            // the block names another recipient (apv) and is invalid_body.
            for (recipient, reason) in [(f.zwolle.oin, ReceiptReason.unknownKey), (f.assen.oin, .invalidBody)] {
                let refusal = #expect(throws: HandlerRejection.self) {
                    try SealedOfferHandler.open(
                        sealed,
                        keyring: f.assen.keyring,
                        sender: f.arnhem.oin,
                        recipient: recipient,
                        referralID: rid
                    )
                }
                #expect(refusal?.reason == reason)
            }
            // Even Zwolle refuses it bound to another referral.
            #expect(throws: HandlerRejection.self) {
                try SealedOfferHandler.open(
                    sealed,
                    keyring: f.zwolle.keyring,
                    sender: f.arnhem.oin,
                    recipient: f.zwolle.oin,
                    referralID: "0190a5c4-0000-7000-8000-00000000dead"
                )
            }
            // The sealed block names none of the family in the clear.
            for secret in Flow.bsns + Flow.names {
                #expect(!sealed.contains(secret))
            }
        }
    }

    /// A repeated referral id from the same sender, and answers from a node
    /// the referral was not sent to, are `invalid_state`; a rejected answer
    /// without a hook is parked as before.
    @Test func protocolRefusalsAtStep10() async throws {
        try await ReferralTestFederation.with { f in
            let a = f.arnhem.oin
            let (_, rid) = try await Flow.offeredTransfer(f)
            // Arnhem re-signs the same offer (new jti): Zwolle refuses it.
            let first = try #require(try f.arnhem.outbox().first)
            let signed = try f.arnhem.state.snapshot.identity.signMessage(
                type: .referralOffer,
                body: try JSONParser.parse(first.bodyJSON),
                to: f.zwolle.oin,
                at: NodeClock.now(),
                lifetime: 3600
            )
            let outcome = try await Self.receive(signed.jws, at: f.zwolle, from: a)
            #expect(!outcome.accepted && outcome.reason == .invalidState)
            #expect(try await f.zwolle.cases.listReferrals().count == 1)

            // Assen answers a referral Arnhem sent to Zwolle.
            for (type, body) in [
                (MessageType.referralAccept, JSONValue.object(["referral_id": .string(rid)])),
                (.referralReject, .object(["referral_id": .string(rid), "reason": .string("other")])),
                (.referralComplete, .object(["referral_id": .string(rid)])),
            ] {
                try await f.assen.store.write { db in
                    try CaseStore.send(
                        type,
                        body: body,
                        to: a,
                        identity: f.assen.state.snapshot.identity,
                        lifetime: 3600,
                        now: NodeClock.now(),
                        signal: f.assen.store.outboxSignal,
                        in: db
                    )
                }
            }
            await f.assen.deliver(to: f.arnhem)
            let parked = try f.assen.outbox(state: .parked)
            #expect(parked.count == 3 && parked.allSatisfy { $0.parkedReason == "invalid_state" })
            #expect(try f.arnhem.referral(sender: a, id: rid).state == "offered")
            // A withdraw of a referral Zwolle never received.
            try await f.arnhem.store.write { db in
                try CaseStore.send(
                    .referralWithdraw,
                    body: .object([
                        "referral_id": .string("0190a5c4-0000-7000-8000-00000000dead"), "reason": .string("error"),
                    ]),
                    to: f.zwolle.oin,
                    identity: f.arnhem.state.snapshot.identity,
                    lifetime: 3600,
                    now: NodeClock.now(),
                    signal: f.arnhem.store.outboxSignal,
                    in: db
                )
            }
            await f.arnhem.deliver(to: f.zwolle)
            // No referral of Arnhem's matches it, so the hook does not handle it: parked.
            #expect(try f.arnhem.outbox(state: .parked).map(\.parkedReason) == ["invalid_state"])
        }
    }

    static func receive(
        _ jws: String,
        at node: ReferralTestFederation.Node,
        from peer: String
    ) async throws -> MessageReceiver.Outcome {
        let snapshot = node.state.snapshot
        let receiver = MessageReceiver(identity: snapshot.identity, registry: node.registry)
        return try await node.store.write { db in
            var alerts: [String] = []
            return try receiver.receive(
                [jws],
                from: peer,
                verifier: snapshot.verifier,
                now: NodeClock.now(),
                alerts: &alerts,
                in: db
            )[0]
        }
    }
}
