public import Hummingbird

/// Reads request bodies within the limits of PROTOCOL §3: at most
/// `maxBytes` (`413`), complete within `timeout` (`408`).
public struct RequestBodyReader: Sendable {
    /// The largest body. The default is 8 MiB.
    public var maxBytes: Int
    /// How long a request may take to arrive. The default is 30 s.
    public var timeout: Duration

    /// Makes a reader.
    public init(maxBytes: Int = 8 << 20, timeout: Duration = .seconds(30)) {
        self.maxBytes = maxBytes
        self.timeout = timeout
    }

    /// The whole body.
    public func read(_ request: Request) async throws -> [UInt8] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes {
            throw HubHTTPError(
                .contentTooLarge,
                "body_too_large",
                "the request body is larger than \(maxBytes) bytes",
                closeConnection: true
            )
        }
        let limit = maxBytes
        let body = request.body
        return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                do {
                    let buffer = try await body.collect(upTo: limit)
                    return Array(buffer.readableBytesView)
                } catch {
                    throw HubHTTPError(
                        .contentTooLarge,
                        "body_too_large",
                        "the request body is larger than \(limit) bytes",
                        closeConnection: true
                    )
                }
            }
            group.addTask { [timeout] in
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let bytes = first else {
                throw HubHTTPError(
                    .requestTimeout,
                    "request_timeout",
                    "the request was not complete within \(timeout)",
                    closeConnection: true
                )
            }
            return bytes
        }
    }
}
