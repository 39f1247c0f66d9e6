import GRDB
import HubProtocol
public import Hummingbird

/// The data-protection officer's endpoints (role `operator`): subject find,
/// export and erase by BSN in the request body (never in a URL, which logs
/// would keep), and the report of who read which sealed identity and why.
public struct PrivacyAPI: Sendable {
    let subjects: SubjectService
    let store: NodeStore
    let reader: RequestBodyReader

    /// Makes the API.
    public init(subjects: SubjectService, store: NodeStore, reader: RequestBodyReader) {
        self.subjects = subjects
        self.store = store
        self.reader = reader
    }

    /// Registers the routes.
    public func register(on router: Router<HubRequestContext>) {
        for action in ["find", "export", "erase"] {
            router.route(.post, "/v1/local/subjects/\(action)") { request, context in
                let bsn = try Self.bsn(try await reader.read(request))
                let actor = context.connection?.caller.auditName ?? "unknown"
                switch action {
                case "find": return jsonResponse(try await subjects.find(bsn, by: actor))
                case "export": return jsonResponse(try await subjects.export(bsn, by: actor))
                default: return jsonResponse(try await subjects.erase(bsn, by: actor))
                }
            }
        }
        router.route(.get, "/v1/local/audit/reads") { request, _ in
            let by: String? = request.uri.queryParameters.get("by").map { String($0) }
            var since: Int64 = 0
            if let text = request.uri.queryParameters.get("since") {
                guard let date = CalendarDate(String(text)) else {
                    throw HubHTTPError.badRequest("invalid_parameter", "since must be a date YYYY-MM-DD")
                }
                since = Int64(date.daysSinceEpoch) * 86_400
            }
            let rows = try await store.read { [since] db in
                try AuditEntryRow.fetchAll(
                    db,
                    sql:
                        "SELECT * FROM audit_log WHERE action = 'identity.read' AND at >= ? AND (? IS NULL OR actor = ?) ORDER BY i",
                    arguments: [since, by, by]
                )
            }
            let reads: [JSONValue] = rows.map { row in
                let details = (try? JSONParser.parse(Array(row.entryJSON.utf8)))?["details"] ?? .null
                return .object([
                    "i": .integer(row.i), "at": .integer(row.at), "by": .string(row.actor),
                    "case": details["case"] ?? .null, "referral": details["referral"] ?? .null,
                    "purpose": details["purpose"] ?? .null,
                ])
            }
            return jsonResponse(.object(["reads": .array(reads)]))
        }
    }

    /// `{"bsn":"…"}`, validated; errors never repeat the number.
    static func bsn(_ body: [UInt8]) throws -> BSN {
        guard let value = try? JSONParser.parse(body), let members = value.objectValue, members.count == 1,
            let digits = members["bsn"]?.stringValue
        else { throw HubHTTPError.badRequest("invalid_body", "the body must be {\"bsn\":\"…\"}") }
        do {
            return try BSN(digits)
        } catch let error as HubProtocolError {
            throw HubHTTPError.badRequest("invalid_bsn", error.message)
        }
    }
}
