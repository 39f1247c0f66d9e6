/// A snapshot of one endpoint's connection pool in a `HubHTTPClient`.
public struct ConnectionPoolStatistics: Sendable, Hashable {
    /// Connections open or being opened, in any state.
    public var open: Int
    /// Idle keep-alive connections ready for reuse.
    public var idle: Int
    /// Connections serving a request.
    public var leased: Int
    /// Requests waiting for a connection.
    public var waiting: Int

    /// Makes a snapshot.
    public init(open: Int, idle: Int, leased: Int, waiting: Int) {
        self.open = open
        self.idle = idle
        self.leased = leased
        self.waiting = waiting
    }
}
