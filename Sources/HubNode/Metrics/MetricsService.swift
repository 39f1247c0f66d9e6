import HTTPTypes
import Hummingbird
public import Logging
import NIOCore
public import ServiceLifecycle

/// The plain-HTTP listener for Prometheus and liveness checks, apart from the
/// mutual-TLS listener: `GET /metrics` (text exposition format 0.0.4) and
/// `GET /healthz` (200 `{"status":"ok"}` when the database answers a trivial
/// read, 503 otherwise). Bind it to a private address: it has no TLS and no
/// authentication, and serves no personal data.
///
/// Once bound it logs `metrics ready` with `port=N`, as the main listener
/// logs `ready`.
public struct MetricsService: Service {
    /// The content type of the exposition format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let application: any Service
    private let logger: Logger

    /// Makes the listener; nothing listens until ``run()``.
    public init(configuration: NodeConfiguration.Metrics, collector: MetricsCollector, logger: Logger) {
        self.logger = logger
        let router = Router(context: BasicRequestContext.self)
        router.get("/metrics") { _, _ -> Response in
            let text = await collector.collect()
            return Response(
                status: .ok,
                headers: [.contentType: Self.contentType],
                body: .init(byteBuffer: ByteBuffer(string: text))
            )
        }
        router.get("/healthz") { _, _ -> Response in
            let healthy = await collector.healthy()
            let body = healthy ? #"{"status":"ok"}"# : #"{"status":"unavailable","problem":"database"}"#
            return Response(
                status: healthy ? .ok : .serviceUnavailable,
                headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(string: body))
            )
        }
        application = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.address, port: configuration.port),
                serverName: nil
            ),
            onServerRunning: { channel in
                let address = channel.localAddress
                logger.notice(
                    "metrics ready",
                    metadata: ["address": "\(address?.ipAddress ?? "?")", "port": "\(address?.port ?? 0)"]
                )
            },
            logger: logger
        )
    }

    /// Serves until graceful shutdown. A listener that cannot bind or fails
    /// is logged and does not stop the node: delivery matters more than metrics.
    public func run() async throws {
        do {
            try await application.run()
        } catch  where !Task.isCancelled {
            logger.error(
                "the metrics listener failed; the node runs on without /metrics and /healthz",
                metadata: ["error": "\(error)"]
            )
        }
    }
}
