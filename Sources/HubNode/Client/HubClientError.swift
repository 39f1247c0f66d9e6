/// An error of the node's HTTP client (`HubHTTPClient`): connecting, the TLS
/// handshake, sending a request or reading its response.
///
/// A `Code` names the kind of failure (extensible without a breaking change);
/// `message` says, for an operator, which `host:port` and what happened. A
/// message never contains a request or response body, a query string or
/// header values; at most the method and path of the request.
public struct HubClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The snake_case name of the code.
        public let rawValue: String

        /// Makes a code from its snake_case name.
        public init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// Human text naming the endpoint and the problem.
    public var message: String
    /// The TLS layer's error, when `code` is `.tls`.
    public var tlsError: TLSError?

    /// Makes an error.
    public init(_ code: Code, _ message: String, tlsError: TLSError? = nil) {
        self.code = code
        self.message = message
        self.tlsError = tlsError
    }

    public var description: String { "\(code): \(message)" }
}

extension HubClientError.Code {
    /// The TCP connection could not be made (refused, unreachable, name not
    /// resolved).
    public static let connectFailed = Self("connect_failed")
    /// The TCP connection and TLS handshake did not complete within the
    /// connect timeout.
    public static let connectTimeout = Self("connect_timeout")
    /// The response was not complete within the request timeout.
    public static let requestTimeout = Self("request_timeout")
    /// TLS failed: the server's certificate did not verify, named another host
    /// or another OIN, or the server refused ours (`tlsError` says which).
    public static let tls = Self("tls")
    /// The server closed the connection (or it broke) before the response was
    /// complete.
    public static let connectionClosed = Self("connection_closed")
    /// The response body is larger than the client accepts.
    public static let responseTooLarge = Self("response_too_large")
    /// The server's answer is not valid HTTP/1.1.
    public static let invalidResponse = Self("invalid_response")
    /// The request cannot be sent as given (a path not starting with `/`, a
    /// header name or value with forbidden characters).
    public static let invalidRequest = Self("invalid_request")
    /// The client has been shut down.
    public static let shutDown = Self("shut_down")
}
