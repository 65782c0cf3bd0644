import HTTPTypes
import HiveCore
import Hummingbird

/// Every request passes here first: without the token it goes no further (401),
/// a POST from another origin neither (403); every answer gets the headers that
/// keep it in its own page (no framing, no referrer, no caching, a strict policy
/// for scripts).
struct Guard<Context: RequestContext>: RouterMiddleware {
    let access: Access

    static var tokenHeader: HTTPField.Name {
        // A valid token name: the constant is lowercase letters and '-'.
        HTTPField.Name(Access.header) ?? .authorization
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var given = request.headers[Guard.tokenHeader]
        // A cookie never carries a change: a browser sends it with other sites' forms too.
        if given == nil, request.method != .post {
            given = access.token(inCookies: request.headers[.cookie])
            if given == nil, request.uri.path == "/" { given = request.uri.queryParameters["token"].map(String.init) }
        }
        guard access.matches(given) else {
            let why = given == nil
                ? "this dashboard needs its access token: open the URL hivefs web printed (it ends in ?token=…), or send the \(Access.header) header"
                : "the access token is wrong (each start of hivefs web makes a new one; it is in the state directory's web.token)"
            return Guard.secured(WebServer.text("401 Unauthorized: \(why)\n", type: "text/plain; charset=utf-8", status: .unauthorized))
        }
        if request.method == .post, let origin = request.headers[.origin], !Access.sameOrigin(origin, host: request.head.authority) {
            return Guard.secured(WebServer.refusal(HiveError(.permissionDenied, "a request from \(origin) is not the dashboard's own")))
        }
        return Guard.secured(try await next(request, context))
    }

    static func secured(_ response: Response) -> Response {
        var r = response
        r.headers[.contentSecurityPolicy] = "default-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        r.headers[.cacheControl] = "no-store"
        r.headers[HTTPField.Name("X-Frame-Options") ?? .cacheControl] = "DENY"
        r.headers[HTTPField.Name("X-Content-Type-Options") ?? .cacheControl] = "nosniff"
        r.headers[HTTPField.Name("Referrer-Policy") ?? .cacheControl] = "no-referrer"
        return r
    }
}
