import HubProtocol
public import Hummingbird

/// Who may call a route.
public enum Audience: String, Sendable, Hashable, CaseIterable {
    /// A configured peer node (federation bundle).
    case peer
    /// A case worker (local bundle).
    case caseworker
    /// A researcher (local bundle).
    case researcher
    /// An operator (local bundle).
    case `operator`
}

/// One route and who may call it.
public struct RouteRule: Sendable, Hashable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The path, with `{name}` parameters.
    public var path: String
    /// Who may call it.
    public var audiences: Set<Audience>

    /// Makes a rule.
    public init(_ method: HTTPRequest.Method, _ path: String, _ audiences: Set<Audience>) {
        self.method = method
        self.path = path
        self.audiences = audiences
    }
}

/// The one table of every endpoint and who may call it. Authorisation happens
/// on the request head, before the body is read (PROTOCOL §3).
public enum RouteTable {
    static let everyone: Set<Audience> = Set(Audience.allCases)
    static let local: Set<Audience> = [.caseworker, .researcher, .operator]

    /// Every route of the node.
    public static let rules: [RouteRule] = [
        // Federation (PROTOCOL §3).
        RouteRule(.post, "/v1/messages", [.peer]),
        RouteRule(.get, "/v1/descriptor", everyone),
        RouteRule(.post, "/v1/stats/query", [.peer]),
        // Operators (docs/openapi.yaml).
        RouteRule(.get, "/v1/local/status", [.operator]),
        RouteRule(.get, "/v1/local/peers", [.operator]),
        RouteRule(.post, "/v1/local/peers/{oin}/reset-backoff", [.operator]),
        RouteRule(.get, "/v1/local/outbox", [.operator]),
        RouteRule(.post, "/v1/local/outbox/{id}/retry", [.operator]),
        RouteRule(.post, "/v1/local/outbox/{id}/drop", [.operator]),
        RouteRule(.get, "/v1/local/audit/verify", [.operator]),
        RouteRule(.get, "/v1/local/alerts", [.operator]),
        RouteRule(.get, "/v1/local/keys", [.operator]),
        RouteRule(.post, "/v1/local/keys/rotate-enc", [.operator]),
        RouteRule(.post, "/v1/local/retention/purge", [.operator]),
        // The data-protection officer (operator role).
        RouteRule(.post, "/v1/local/subjects/find", [.operator]),
        RouteRule(.post, "/v1/local/subjects/export", [.operator]),
        RouteRule(.post, "/v1/local/subjects/erase", [.operator]),
        RouteRule(.get, "/v1/local/audit/reads", [.operator]),
        // Case workers (docs/openapi.yaml, PROTOCOL §9).
        RouteRule(.post, "/v1/local/cases", [.caseworker]),
        RouteRule(.get, "/v1/local/cases", [.caseworker]),
        RouteRule(.get, "/v1/local/cases/{id}", [.caseworker]),
        RouteRule(.post, "/v1/local/cases/{id}/close", [.caseworker]),
        RouteRule(.post, "/v1/local/referrals", [.caseworker]),
        RouteRule(.get, "/v1/local/referrals", [.caseworker]),
        RouteRule(.get, "/v1/local/referrals/{sender}/{id}", [.caseworker]),
        RouteRule(.post, "/v1/local/referrals/{sender}/{id}/accept", [.caseworker]),
        RouteRule(.post, "/v1/local/referrals/{sender}/{id}/reject", [.caseworker]),
        RouteRule(.post, "/v1/local/referrals/{sender}/{id}/complete", [.caseworker]),
        RouteRule(.post, "/v1/local/referrals/{sender}/{id}/withdraw", [.caseworker]),
    ]

    /// The rule for `method` and `path` (as registered).
    public static func rule(_ method: HTTPRequest.Method, _ path: String) -> RouteRule? {
        rules.first { $0.method == method && $0.path == path }
    }

    /// Decides whether `connection` may call a route with `rule`; throws the
    /// HTTP error to answer otherwise.
    public static func authorize(_ connection: ConnectionInfo?, for rule: RouteRule) throws(HubHTTPError) {
        guard let connection else {
            throw HubHTTPError(
                .forbidden,
                "certificate_not_allowed",
                "the connection has no verified client certificate"
            )
        }
        if connection.excess {
            throw HubHTTPError(
                .tooManyRequests,
                "too_many_connections",
                "more than the allowed number of connections for this certificate",
                retryAfterSeconds: 1,
                closeConnection: true
            )
        }
        let audience: Audience
        switch connection.caller {
        case .unknownPeer:
            throw HubHTTPError(.forbidden, "unknown_peer", "this node's OIN is not a configured peer here")
        case .notAllowed(let reason):
            throw HubHTTPError(.forbidden, "certificate_not_allowed", reason)
        case .peer:
            audience = .peer
        case .person(let role, _):
            switch role {
            case .caseworker: audience = .caseworker
            case .researcher: audience = .researcher
            case .operator: audience = .operator
            case .node:
                throw HubHTTPError(.forbidden, "certificate_not_allowed", "a local certificate cannot be a node")
            }
        }
        guard rule.audiences.contains(audience) else {
            throw HubHTTPError(
                .forbidden,
                "role_not_allowed",
                "\(audience.rawValue) may not call \(rule.method.rawValue) \(rule.path)"
            )
        }
    }
}

extension Router where Context == HubRequestContext {
    /// Registers `handler` for the table's rule at `method` and `path`,
    /// authorising the caller before the handler (and its body) runs.
    @discardableResult
    func route(
        _ method: HTTPRequest.Method,
        _ path: String,
        _ handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Response
    ) -> Self {
        guard let rule = RouteTable.rule(method, path) else {
            preconditionFailure("\(method.rawValue) \(path) is not in RouteTable.rules")
        }
        let routerPath = RouterPath(path.replacingParameters())
        return on(routerPath, method: method) { request, context in
            try RouteTable.authorize(context.connection, for: rule)
            return try await handler(request, context)
        }
    }
}

extension String {
    /// `{name}` → `:name`, Hummingbird's parameter syntax.
    fileprivate func replacingParameters() -> String {
        split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : part
        }.joined(separator: "/")
    }
}
