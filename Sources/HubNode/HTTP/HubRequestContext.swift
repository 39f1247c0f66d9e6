public import Hummingbird
public import NIOCore

/// The request context of the hub's router: the connection's verified caller
/// and the channel it arrived on.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's caller, as the child channel classified it.
    public let connection: ConnectionInfo?
    /// The channel the request arrived on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        connection = ConnectionInfo.current
        channel = source.channel
    }

    /// Bodies are read through ``RequestLimits`` instead.
    public var maxUploadSize: Int { 8 << 20 }
}
