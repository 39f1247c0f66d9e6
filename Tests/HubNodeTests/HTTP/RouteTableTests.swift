import Foundation
import HubProtocol
import Hummingbird
import Testing

@testable import HubNode

/// Walks every route of the one authorisation table × every kind of caller.
@Suite struct RouteTableTests {
    static let callers: [(String, Caller, Audience?)] = [
        ("configured peer", .peer(oin: "99990000000000000001"), .peer),
        ("federation certificate of a non-peer OIN", .unknownPeer(oin: "99990000000000000777"), nil),
        ("caseworker", .person(role: .caseworker, commonName: "C. Worker"), .caseworker),
        ("researcher", .person(role: .researcher, commonName: "R. Searcher"), .researcher),
        ("operator", .person(role: .operator, commonName: "O. Perator"), .operator),
    ]

    @Test func everyRouteTimesEveryCaller() {
        var checked = 0
        for rule in RouteTable.rules {
            for (name, caller, audience) in Self.callers {
                let info = ConnectionInfo(caller: caller, excess: false, spkiSHA256: [])
                do {
                    try RouteTable.authorize(info, for: rule)
                    #expect(
                        audience.map(rule.audiences.contains) == true,
                        "\(name) was let into \(rule.method) \(rule.path)"
                    )
                } catch {
                    #expect(error.status == .forbidden)
                    if audience == nil {
                        #expect(error.code == "unknown_peer", "\(name) on \(rule.path)")
                    } else {
                        #expect(!rule.audiences.contains(audience!), "\(name) was refused \(rule.method) \(rule.path)")
                        #expect(error.code == "role_not_allowed")
                    }
                }
                checked += 1
            }
        }
        #expect(checked == RouteTable.rules.count * 5)
    }

    @Test func federationRoutesArePeerOnlyAndLocalRoutesOneRoleEach() {
        #expect(RouteTable.rule(.post, "/v1/messages")?.audiences == [.peer])
        #expect(RouteTable.rule(.get, "/v1/descriptor")?.audiences == Set(Audience.allCases))
        for rule in RouteTable.rules where rule.path.hasPrefix("/v1/local/") {
            let caseworkers = rule.path.hasPrefix("/v1/local/cases") || rule.path.hasPrefix("/v1/local/referrals")
            #expect(rule.audiences == (caseworkers ? [.caseworker] : [.operator]), "\(rule.path)")
        }
    }

    @Test func brokenCertificatesAndExcessConnections() {
        let rule = RouteTable.rule(.get, "/v1/descriptor")!
        #expect(throws: HubHTTPError.self) { try RouteTable.authorize(nil, for: rule) }
        do {
            try RouteTable.authorize(
                ConnectionInfo(caller: .notAllowed(reason: "two roles"), excess: false, spkiSHA256: []),
                for: rule
            )
            Issue.record("accepted")
        } catch {
            #expect(error.code == "certificate_not_allowed" && error.status == .forbidden)
        }
        do {
            try RouteTable.authorize(
                ConnectionInfo(caller: .peer(oin: "99990000000000000001"), excess: true, spkiSHA256: []),
                for: rule
            )
            Issue.record("accepted")
        } catch {
            #expect(error.code == "too_many_connections" && error.status == .tooManyRequests && error.closeConnection)
        }
    }

    @Test func errorBodiesHaveTheProtocolShape() throws {
        let error = HubHTTPError(.forbidden, "unknown_peer", "this node's OIN is not a configured peer here")
        let value = try JSONParser.parse(error.body)
        #expect(
            value
                == .object([
                    "error": .object([
                        "code": .string("unknown_peer"),
                        "message": .string("this node's OIN is not a configured peer here"),
                    ])
                ])
        )
    }
}

@Suite struct OpenAPIDocumentTests {
    /// docs/openapi.yaml documents exactly the local routes of the table.
    @Test func documentsEveryLocalRoute() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var documented: Set<String> = []
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /v1/") { currentPath = String(line.dropFirst(2).dropLast()) }
            if let path = currentPath, line.hasPrefix("    get:") || line.hasPrefix("    post:") {
                documented.insert("\(line.contains("get") ? "GET" : "POST") \(path)")
            }
        }
        let local = Set(
            RouteTable.rules.filter { $0.path.hasPrefix("/v1/local/") }.map { "\($0.method.rawValue) \($0.path)" }
        )
        #expect(documented == local)
    }
}
