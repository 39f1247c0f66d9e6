import HubProtocol
public import Hummingbird

/// The case workers' endpoints (role `caseworker`, docs/openapi.yaml): cases,
/// offers, answers, withdrawals and audited identity reads. Bad input is a
/// 4xx with a specific code and changes nothing.
public struct CaseworkerAPI: Sendable {
    let cases: CaseService
    let reader: RequestBodyReader

    /// Makes the API.
    public init(cases: CaseService, reader: RequestBodyReader = RequestBodyReader()) {
        self.cases = cases
        self.reader = reader
    }

    /// Registers the routes.
    public func register(on router: Router<HubRequestContext>) {
        router.route(.post, "/v1/local/cases") { request, context in
            try await Self.mapping {
                let body = try CaseworkerRequests.parse(try await reader.read(request))
                let fields = try CaseworkerRequests.decode(CaseworkerRequests.OpenCase.self, from: body)
                let view = try await cases.openCase(
                    persons: try CaseworkerRequests.members(body),
                    categories: CaseService.Categories(
                        entryPhase: fields.entryPhase,
                        helpDomains: fields.helpDomains,
                        referralSource: fields.referralSource,
                        safety: fields.safety ?? .init()
                    ),
                    openedOn: fields.openedOn,
                    by: try Self.caseworker(context)
                )
                return jsonResponse(CaseworkerViews.json(view), status: .created)
            }
        }
        router.route(.get, "/v1/local/cases") { request, _ in
            try await Self.mapping {
                let status = try request.uri.queryParameters.get("status").map { text in
                    guard let status = CaseRow.Status(rawValue: text) else {
                        throw HubNodeError.refusal(.badRequest, .invalidParameter, "status must be open or closed")
                    }
                    return status
                }
                let rows = try await cases.listCases(status: status)
                return jsonResponse(.object(["cases": .array(rows.map(CaseworkerViews.json))]))
            }
        }
        router.route(.get, "/v1/local/cases/{id}") { _, context in
            try await Self.mapping {
                jsonResponse(CaseworkerViews.json(try await cases.showCase(id: try Self.uuid(context, "id"))))
            }
        }
        router.route(.post, "/v1/local/cases/{id}/close") { request, context in
            try await Self.mapping {
                let body = try CaseworkerRequests.parse(try await reader.read(request))
                let fields = try CaseworkerRequests.decode(CaseworkerRequests.CloseCase.self, from: body)
                let row = try await cases.closeCase(
                    id: try Self.uuid(context, "id"),
                    outcome: fields.outcome,
                    closedOn: fields.closedOn,
                    by: try Self.caseworker(context)
                )
                return jsonResponse(CaseworkerViews.json(row))
            }
        }
        router.route(.post, "/v1/local/referrals") { request, context in
            try await Self.mapping {
                let body = try CaseworkerRequests.parse(try await reader.read(request))
                let fields = try CaseworkerRequests.decode(CaseworkerRequests.Offer.self, from: body)
                guard HubUUID.isLowercaseUUID(fields.caseID) else { throw HubNodeError.unknownCase }
                let view = try await cases.offer(
                    CaseService.NewOffer(
                        caseID: fields.caseID,
                        peer: fields.peer,
                        kind: fields.kind,
                        effectiveDate: fields.effectiveDate,
                        respondBy: fields.respondBy,
                        priority: fields.priority ?? .normal,
                        consent: fields.consent,
                        includeIdentity: fields.includeIdentity ?? false,
                        note: fields.note
                    ),
                    by: try Self.caseworker(context)
                )
                return jsonResponse(CaseworkerViews.json(view), status: .created)
            }
        }
        router.route(.get, "/v1/local/referrals") { request, _ in
            try await Self.mapping {
                let direction = try request.uri.queryParameters.get("direction").map { text in
                    guard let direction = ReferralRow.Direction(rawValue: text) else {
                        throw HubNodeError.refusal(
                            .badRequest,
                            .invalidParameter,
                            "direction must be incoming or outgoing"
                        )
                    }
                    return direction
                }
                let views = try await cases.listReferrals(direction: direction)
                return jsonResponse(.object(["referrals": .array(views.map(CaseworkerViews.json))]))
            }
        }
        router.route(.get, "/v1/local/referrals/{sender}/{id}") { request, context in
            try await Self.mapping {
                let (sender, id) = try Self.referralKey(context)
                var json = CaseworkerViews.json(try await cases.showReferral(sender: sender, id: id))
                if request.uri.queryParameters.get("identity") == "1" {
                    let identity = try await cases.readIdentity(
                        sender: sender,
                        id: id,
                        purpose: request.uri.queryParameters.get("purpose") ?? "",
                        by: try Self.caseworker(context),
                        role: .caseworker
                    )
                    if case .object(var members) = json {
                        members["identity"] = try JSONValueEncoder().encode(identity)
                        json = .object(members)
                    }
                }
                return jsonResponse(json)
            }
        }
        for action in ["accept", "reject", "complete", "withdraw"] {
            router.route(.post, "/v1/local/referrals/{sender}/{id}/\(action)") { request, context in
                try await Self.mapping {
                    let (sender, id) = try Self.referralKey(context)
                    let actor = try Self.caseworker(context)
                    let body = try CaseworkerRequests.parse(try await reader.read(request))
                    let view: CaseService.ReferralView
                    switch action {
                    case "accept":
                        _ = try CaseworkerRequests.decode(CaseworkerRequests.Empty.self, from: body)
                        view = try await cases.accept(sender: sender, id: id, by: actor)
                    case "reject":
                        let reason = try CaseworkerRequests.decode(CaseworkerRequests.Reject.self, from: body).reason
                        view = try await cases.reject(sender: sender, id: id, reason: reason, by: actor)
                    case "complete":
                        _ = try CaseworkerRequests.decode(CaseworkerRequests.Empty.self, from: body)
                        view = try await cases.complete(sender: sender, id: id, by: actor)
                    default:
                        let reason = try CaseworkerRequests.decode(CaseworkerRequests.Withdraw.self, from: body).reason
                        view = try await cases.withdraw(sender: sender, id: id, reason: reason, by: actor)
                    }
                    return jsonResponse(CaseworkerViews.json(view))
                }
            }
        }
    }

    /// The caller's CN; the route table already admitted only case workers.
    static func caseworker(_ context: HubRequestContext) throws -> String {
        guard case .person(.caseworker, let commonName) = context.connection?.caller else {
            throw HubHTTPError(.forbidden, "role_not_allowed", "only a case worker may do this")
        }
        return commonName
    }

    static func uuid(_ context: HubRequestContext, _ name: String) throws -> String {
        guard let text = context.parameters.get(name), HubUUID.isLowercaseUUID(text) else {
            throw HubNodeError.refusal(.notFound, .resourceNotFound, "\(name) must be a lowercase UUID")
        }
        return text
    }

    static func referralKey(_ context: HubRequestContext) throws -> (String, String) {
        guard let sender = context.parameters.get("sender"), OIN.isValid(sender) else {
            throw HubNodeError.refusal(.notFound, .resourceNotFound, "sender must be an OIN (20 digits)")
        }
        return (sender, try uuid(context, "id"))
    }

    /// Runs `body`, turning a case service's refusal into its HTTP error and
    /// an unavailable store into `503`.
    static func mapping(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as HubNodeError {
            if case .caseService(let status) = error.detail {
                throw HubHTTPError(
                    status,
                    error.code.rawValue,
                    error.message,
                    retryAfterSeconds: status == .serviceUnavailable ? 30 : nil
                )
            }
            if error.isStorageUnavailable { throw HubHTTPError.storageUnavailable }
            throw error
        }
    }
}
