import HubProtocol
public import Hummingbird

/// An HTTP error as PROTOCOL §3 renders it:
/// `{"error":{"code":"<snake_case>","message":"<human text>"}}`.
/// Messages never contain a citizen's personal data.
public struct HubHTTPError: HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    /// The snake_case code.
    public var code: String
    /// Human text.
    public var message: String
    /// `Retry-After`, in seconds, for 429 and 503.
    public var retryAfterSeconds: Int?
    /// Whether the connection is closed after this answer.
    public var closeConnection: Bool

    /// Makes an error.
    public init(
        _ status: HTTPResponse.Status,
        _ code: String,
        _ message: String,
        retryAfterSeconds: Int? = nil,
        closeConnection: Bool = false
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
        self.closeConnection = closeConnection
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The JSON body.
    public var body: [UInt8] {
        JCS.serialize(.object(["error": .object(["code": .string(code), "message": .string(message)])]))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    /// The response, without a request (for handlers outside the router).
    public func response() -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        if closeConnection { headers[.connection] = "close" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension HubHTTPError {
    static func badRequest(_ code: String, _ message: String) -> Self { Self(.badRequest, code, message) }
    static func forbidden(_ code: String, _ message: String) -> Self { Self(.forbidden, code, message) }
    static let notFound = Self(.notFound, "not_found", "no such endpoint")
    static let storageUnavailable = Self(
        .serviceUnavailable,
        "storage_unavailable",
        "the node cannot store durably right now; nothing was acknowledged",
        retryAfterSeconds: 30
    )
}

/// A JSON response.
func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status,
        headers: [.contentType: "application/json; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: JCS.serialize(value)))
    )
}
