import Hummingbird

/// Times each request on the main listener by route pattern (never the raw
/// path), method and status class, into `hub_http_request_duration_seconds`.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let metrics: HubMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, start: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, context, status: status, start: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, start: ContinuousClock.Instant) {
        // The router sets the matched pattern, e.g. /v1/local/outbox/{id}/retry.
        metrics.requestFinished(
            route: context.endpointPath,
            method: request.method.rawValue,
            status: status,
            duration: ContinuousClock.now - start
        )
    }
}
