/// A complete HTTP response as `HubHTTPClient` returns it: the body has been
/// read to its end (and is at most the client's response body limit).
public struct ClientResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The header fields in the order received; names as the server spelled them.
    public var headers: [(String, String)]
    /// The body (empty when there is none).
    public var body: [UInt8]

    /// Makes a response.
    public init(status: Int, headers: [(String, String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the first header field called `name` (compared without
    /// regard to ASCII case), or `nil`.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}
