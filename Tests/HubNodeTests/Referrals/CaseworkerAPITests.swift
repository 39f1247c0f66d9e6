import Foundation
import GRDB
import HubProtocol
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import HubNode

/// The case workers' endpoints through the router, with the route table's
/// authorisation, as a connection of a given caller.
@Suite(.serialized) struct CaseworkerAPITests {
    typealias Flow = ReferralFlowTests

    struct Answer {
        var status: Int
        var json: JSONValue
        var code: String? { json["error"]?["code"]?.stringValue }
    }

    /// A router with the case workers' API of `node`.
    static func responder(_ node: ReferralTestFederation.Node) -> some HTTPResponder<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        CaseworkerAPI(cases: node.cases).register(on: router)
        return router.buildResponder()
    }

    static func call(
        _ responder: some HTTPResponder<HubRequestContext>,
        _ method: HTTPRequest.Method,
        _ path: String,
        body: String? = nil,
        as caller: Caller = .person(role: .caseworker, commonName: "C. Worker")
    ) async throws -> Answer {
        let request = Request(
            head: HTTPRequest(method: method, scheme: "https", authority: "hub.test", path: path),
            body: RequestBody(buffer: ByteBuffer(string: body ?? ""))
        )
        let context = ConnectionInfo.$current.withValue(ConnectionInfo(caller: caller, excess: false, spkiSHA256: [])) {
            HubRequestContext(
                source: ApplicationRequestContextSource(
                    channel: EmbeddedChannel(),
                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
                )
            )
        }
        do {
            let response = try await responder.respond(to: request, context: context)
            let collector = Collector()
            try await response.body.write(CollectingWriter(collector: collector))
            return Answer(status: response.status.code, json: try JSONParser.parse(collector.bytes))
        } catch let error as HubHTTPError {
            return Answer(status: error.status.code, json: try JSONParser.parse(error.body))
        }
    }

    static let family = """
        {"persons":[{"role":"parent","bsn":"945807302","given_names":"Maartje","family_name":"Oosterveld"},
        {"role":"child","bsn":"465228173","age_band":"4-11"}],
        "entry_phase":"post_separation","help_domains":["relational","children"],"referral_source":"self",
        "safety":{"veilig_thuis":false,"child_protection_board":true,"court":false}}
        """

    @Test func casesEndToEnd() async throws {
        try await ReferralTestFederation.with { f in
            let api = Self.responder(f.arnhem)
            // An invalid BSN: 400 invalid_bsn, nothing stored.
            let badBSN = Self.family.replacingOccurrences(of: "945807302", with: "945807303")
            let refused = try await Self.call(api, .post, "/v1/local/cases", body: badBSN)
            #expect(refused.status == 400 && refused.code == "invalid_bsn")
            #expect(!"\(refused.json)".contains("945807303"))
            #expect(try await f.arnhem.store.read { db in try CaseRow.fetchCount(db) } == 0)
            // Unknown codes and members.
            for broken in [
                Self.family.replacingOccurrences(of: "post_separation", with: "divorce"),
                Self.family.replacingOccurrences(of: "\"self\"", with: "\"self\",\"extra\":1"),
                Self.family.replacingOccurrences(of: "\"4-11\"", with: "\"18+\""),
                "{not json",
            ] {
                let answer = try await Self.call(api, .post, "/v1/local/cases", body: broken)
                #expect(answer.status == 400, "\(broken)")
            }
            #expect(try await f.arnhem.store.read { db in try CaseRow.fetchCount(db) } == 0)

            let created = try await Self.call(api, .post, "/v1/local/cases", body: Self.family)
            #expect(created.status == 201)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(created.json["persons"]?.arrayValue?.count == 2)
            #expect(created.json["safety"]?["child_protection_board"] == .bool(true))
            // No identity in what the API answers.
            for secret in ["945807302", "465228173", "Maartje", "Oosterveld"] {
                #expect(!JCS.string(created.json).contains(secret))
            }
            let list = try await Self.call(api, .get, "/v1/local/cases?status=open")
            #expect(list.json["cases"]?.arrayValue?.count == 1)
            #expect(try await Self.call(api, .get, "/v1/local/cases?status=maybe").code == "invalid_parameter")
            let shown = try await Self.call(api, .get, "/v1/local/cases/\(id)")
            #expect(shown.status == 200 && shown.json["id"] == .string(id))
            #expect(
                try await Self.call(api, .get, "/v1/local/cases/0190a5c4-0000-7000-8000-00000000dead").status == 404
            )

            // Offers: unknown peer, unknown kind, then a real one by name.
            let offer = """
                {"case_id":"\(id)","peer":"Gemeente Zwolle","kind":"transfer","effective_date":"\(Flow.today.adding(days: 10))",
                "respond_by":"\(Flow.today.adding(days: 5))","consent":{"basis":"consent","date":"\(Flow.today)"}}
                """
            let unknownPeer = try await Self.call(
                api,
                .post,
                "/v1/local/referrals",
                body: offer.replacingOccurrences(of: "Gemeente Zwolle", with: "Gemeente Utrecht")
            )
            #expect(unknownPeer.status == 404 && unknownPeer.code == "unknown_peer")
            let badKind = try await Self.call(
                api,
                .post,
                "/v1/local/referrals",
                body: offer.replacingOccurrences(of: "transfer", with: "move")
            )
            #expect(badKind.status == 400 && badKind.code == "invalid_request")
            #expect(try f.arnhem.outbox().isEmpty)
            let offered = try await Self.call(api, .post, "/v1/local/referrals", body: offer)
            #expect(offered.status == 201 && offered.json["state"] == .string("offered"))
            let rid = try #require(offered.json["referral_id"]?.stringValue)
            let a = f.arnhem.oin
            // Arnhem cannot answer its own offer.
            let own = try await Self.call(api, .post, "/v1/local/referrals/\(a)/\(rid)/accept")
            #expect(own.status == 409 && own.code == "not_receiver")
            let outgoing = try await Self.call(api, .get, "/v1/local/referrals?direction=outgoing")
            #expect(outgoing.json["referrals"]?.arrayValue?.count == 1)

            // Zwolle's side through its own API.
            await f.arnhem.deliver(to: f.zwolle)
            let zapi = Self.responder(f.zwolle)
            let inbox = try await Self.call(zapi, .get, "/v1/local/referrals?direction=incoming")
            let first = try #require(inbox.json["referrals"]?.arrayValue?.first)
            #expect(first["overdue"] == .bool(false) && first["display_state"] == .string("offered"))
            let noPurpose = try await Self.call(zapi, .get, "/v1/local/referrals/\(a)/\(rid)?identity=1")
            #expect(noPurpose.status == 400 && noPurpose.code == "purpose_required")
            let read = try await Self.call(zapi, .get, "/v1/local/referrals/\(a)/\(rid)?identity=1&purpose=intake")
            #expect(read.json["identity"]?["persons"]?.arrayValue?.count == 2)
            #expect(try f.zwolle.auditEntries().last?.contains("\"purpose\":\"intake\"") == true)
            let badReason = try await Self.call(
                zapi,
                .post,
                "/v1/local/referrals/\(a)/\(rid)/reject",
                body: #"{"reason":"busy"}"#
            )
            #expect(badReason.status == 400)
            let accepted = try await Self.call(zapi, .post, "/v1/local/referrals/\(a)/\(rid)/accept", body: "{}")
            #expect(accepted.status == 200 && accepted.json["state"] == .string("accepted"))
            #expect(accepted.json["case_id"]?.stringValue != nil)
            let again = try await Self.call(zapi, .post, "/v1/local/referrals/\(a)/\(rid)/accept")
            #expect(again.status == 409 && again.code == "invalid_state")

            // Closing, then offering a closed case.
            let closed = try await Self.call(api, .post, "/v1/local/cases/\(id)/close", body: #"{"outcome":"stable"}"#)
            #expect(closed.status == 200 && closed.json["outcome"] == .string("stable"))
            let onClosed = try await Self.call(api, .post, "/v1/local/referrals", body: offer)
            #expect(onClosed.status == 409 && onClosed.code == "case_closed")
        }
    }

    @Test func onlyCaseworkers() async throws {
        try await ReferralTestFederation.with { f in
            let api = Self.responder(f.arnhem)
            for caller in [
                Caller.person(role: .researcher, commonName: "R"), .person(role: .operator, commonName: "O"),
                .peer(oin: f.zwolle.oin),
            ] {
                let answer = try await Self.call(api, .post, "/v1/local/cases", body: Self.family, as: caller)
                #expect(answer.status == 403 && answer.code == "role_not_allowed")
                let read = try await Self.call(api, .get, "/v1/local/referrals", as: caller)
                #expect(read.status == 403)
            }
            #expect(try await f.arnhem.store.read { db in try CaseRow.fetchCount(db) } == 0)
        }
    }
}

/// Collects a response body.
final class Collector: @unchecked Sendable {
    var bytes: [UInt8] = []
}

struct CollectingWriter: ResponseBodyWriter {
    let collector: Collector

    mutating func write(_ buffer: ByteBuffer) async throws {
        collector.bytes += Array(buffer.readableBytesView)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
