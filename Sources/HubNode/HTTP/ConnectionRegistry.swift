import NIOCore
internal import Synchronization

/// Open connections per identity (PROTOCOL §2: at most 8 per federation OIN
/// and per local certificate), and the channels to re-check after a reload.
public final class ConnectionRegistry: Sendable {
    private struct Entry {
        var channel: any Channel
        var key: String?
        var chain: [[UInt8]]
    }

    private let limit: Int
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    /// Makes a registry allowing `limit` connections per identity.
    public init(limit: Int = 8) {
        self.limit = limit
    }

    /// Registers a verified connection; returns whether it is over the limit.
    /// The entry goes away when the channel closes.
    func register(_ channel: any Channel, key: String?, chain: [[UInt8]]) -> Bool {
        let id = ObjectIdentifier(channel)
        let count = entries.withLock { entries -> Int in
            entries[id] = Entry(channel: channel, key: key, chain: chain)
            guard let key else { return 0 }
            return entries.values.filter { $0.key == key }.count
        }
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.entries.withLock { _ = $0.removeValue(forKey: id) }
        }
        return key != nil && count > limit
    }

    /// Open connections.
    public var count: Int { entries.withLock { $0.count } }

    /// Closes every connection whose chain `stillValid` refuses (after a reload).
    public func closeConnections(where invalid: ([[UInt8]]) -> Bool) -> Int {
        let doomed = entries.withLock { entries in entries.values.filter { invalid($0.chain) }.map(\.channel) }
        for channel in doomed { channel.close(promise: nil) }
        return doomed.count
    }
}
