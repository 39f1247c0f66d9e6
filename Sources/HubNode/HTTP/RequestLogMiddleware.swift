import Hummingbird
import Logging

/// Observes each request on the main listener once: logs it without personal
/// data (method, path, status, caller, duration, error code) and times it
/// into `hub_http_request_duration_seconds` by route pattern (never the raw
/// path), method and status class.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let logger: Logger
    let metrics: HubMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let caller = context.connection?.caller.description ?? "-"
        do {
            let response = try await next(request, context)
            finished(request, context, status: response.status.code, caller: caller, start: start)
            return response
        } catch let error as HubHTTPError {
            finished(request, context, status: error.status.code, caller: caller, start: start, code: error.code)
            throw error
        } catch let error as any HTTPResponseError {
            finished(request, context, status: error.status.code, caller: caller, start: start)
            throw error
        } catch {
            finished(request, context, status: 500, caller: caller, start: start, code: "internal")
            throw error
        }
    }

    private func finished(
        _ request: Request,
        _ context: Context,
        status: Int,
        caller: String,
        start: ContinuousClock.Instant,
        code: String? = nil
    ) {
        let duration = ContinuousClock.now - start
        // The router sets the matched pattern, e.g. /v1/local/outbox/{id}/retry.
        metrics.requestFinished(
            route: context.endpointPath,
            method: request.method.rawValue,
            status: status,
            duration: duration
        )
        let ms = duration.components
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)",
            "caller": "\(caller)",
            "ms": "\(ms.seconds * 1000 + ms.attoseconds / 1_000_000_000_000_000)",
        ]
        if let code { metadata["code"] = "\(code)" }
        logger.info("request", metadata: metadata)
    }
}
