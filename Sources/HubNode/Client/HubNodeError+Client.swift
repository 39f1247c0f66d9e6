// The HTTP client's errors (`HubHTTPClient`): connecting, the TLS handshake,
// sending a request or reading its response. They carry `Detail.client`;
// a message says, for an operator, which `host:port` and what happened, and
// never contains a request or response body, a query string or header
// values: at most the method and path of the request.

extension HubNodeError.Code {
    /// The TCP connection could not be made (refused, unreachable, name not
    /// resolved).
    public static let connectFailed = Self("connect_failed")
    /// The TCP connection and TLS handshake did not complete within the
    /// connect timeout.
    public static let connectTimeout = Self("connect_timeout")
    /// The response was not complete within the request timeout.
    public static let requestTimeout = Self("request_timeout")
    /// TLS failed: the server's certificate did not verify, named another host
    /// or another OIN, or the server refused ours (the error's ``HubNodeError/cause``,
    /// an error of the TLS layer, says which).
    public static let tls = Self("tls")
    /// The server closed the connection (or it broke) before the response was
    /// complete.
    public static let connectionClosed = Self("connection_closed")
    /// The response body is larger than the client accepts.
    public static let responseTooLarge = Self("response_too_large")
    /// The server's answer is not valid HTTP/1.1.
    public static let invalidResponse = Self("invalid_response")
    /// The request cannot be sent as given (a path not starting with `/`, a
    /// header name or value with forbidden characters). (The case service's
    /// ``invalidCaseRequest`` has the same raw value.)
    public static let invalidRequest = Self("invalid_request")
    /// The client has been shut down.
    public static let shutDown = Self("shut_down")
}
