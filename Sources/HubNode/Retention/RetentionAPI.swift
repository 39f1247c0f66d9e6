import GRDB
import HubProtocol
public import Hummingbird

/// `POST /v1/local/retention/purge` (role `operator`, docs/openapi.yaml):
/// `{"dry_run":true}` lists what retention would remove now and changes
/// nothing; `{"dry_run":false}` removes it (audited as `retention.purge`).
/// Either way the answer holds counts, case and referral ids and message
/// hashes, never personal data.
public struct RetentionAPI: Sendable {
    let retention: RetentionService
    let reader: RequestBodyReader

    /// Makes the API.
    public init(retention: RetentionService, reader: RequestBodyReader = RequestBodyReader(maxBytes: 1024)) {
        self.retention = retention
        self.reader = reader
    }

    /// Registers the route.
    public func register(on router: Router<HubRequestContext>) {
        router.route(.post, "/v1/local/retention/purge") { request, context in
            let dryRun = try Self.dryRun(try await reader.read(request))
            if dryRun {
                return jsonResponse(try await retention.plan().json(dryRun: true))
            }
            let actor = context.connection?.caller.auditName ?? "unknown"
            do {
                return jsonResponse(try await retention.purge(by: actor).json(dryRun: false))
            } catch let error as HubNodeError where error.isStorageUnavailable {
                throw HubHTTPError.storageUnavailable
            }
        }
    }

    /// `{"dry_run":true|false}`, nothing else.
    static func dryRun(_ body: [UInt8]) throws -> Bool {
        guard let value = try? JSONParser.parse(body), let members = value.objectValue, members.count == 1,
            let dryRun = members["dry_run"]?.boolValue
        else {
            throw HubHTTPError.badRequest("invalid_body", "the body must be {\"dry_run\":true} or {\"dry_run\":false}")
        }
        return dryRun
    }
}
