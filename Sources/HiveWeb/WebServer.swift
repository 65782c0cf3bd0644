import Foundation
import HiveCore
import HTTPTypes
import HiveTop
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import SystemPackage

/// `hivefs web`: the dashboard's HTTP and WebSocket server.
///
/// Routes (every one needs the access token; see `Access`):
/// - `GET /` the page (`/?token=T` sets the cookie and redirects to `/`),
///   `GET /app.js`, `GET /app.css` its parts, all inside the binary (`Page`).
/// - `GET /ws` the WebSocket (`Messages`), from the page's own origin only.
/// - `GET /api/status` the root `status.json`, as it is.
/// - `POST /api/control?name=NAME` one line to a session's `control` (the root's
///   without `name`); `POST /api/new` a session from a form's fields (a `new`
///   line to the root `control`); `POST /api/remove?name=NAME` its `rmdir`.
///   A refusal is `{"errno","code","reason"}` with a 4xx status (5xx when the
///   mount or the daemon failed), as `control` gives them.
///
/// Every read and write of the mount runs off the event loops (`blocking`).
public struct WebServer: Sendable {
    public let hub: Hub
    public let access: Access
    public let host: String
    public let port: Int
    let log: Logger

    /// The largest body a POST may carry (a control line is at most 64 KiB).
    static let maxBody = 70_000

    public init(hub: Hub, access: Access, host: String, port: Int, logger: Logger) {
        self.hub = hub
        self.access = access
        self.host = host
        self.port = port
        log = logger
    }

    /// Serves until SIGTERM or SIGINT; `ready` gets the port bound (the one asked,
    /// or the system's pick for 0).
    public func run(ready: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(Guard<BasicRequestContext>(access: access))
        routes(router)
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.middlewares.add(Guard<BasicWebSocketRequestContext>(access: access))
        let hub = hub
        let log = log
        sockets.ws("/ws", shouldUpgrade: { request, _ in
            // A refused upgrade is answered 400 by the WebSocket layer, which takes no
            // reason: the reason goes to the log.
            guard Access.sameOrigin(request.headers[.origin], host: request.head.authority) else {
                log.warning("refused a WebSocket from \(request.headers[.origin] ?? "no origin"): only the page's own origin (http://\(request.head.authority ?? "?")) may open one")
                return .dontUpgrade
            }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, _ in
            let (id, messages) = hub.open()
            defer { hub.close(id) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await m in messages { try await outbound.write(.text(m)) }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        guard case .text(let text) = message else { continue }
                        hub.watch(id, WebServer.watched(text))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        })
        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: sockets),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in ready(channel.localAddress?.port ?? 0) },
            logger: log
        )
        try await app.runService()
    }

    /// The session a page's `{"watch": NAME}` names; nil for anything else.
    static func watched(_ text: String) -> SessionRef? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let name = object["watch"] as? String else { return nil }
        return try? SessionRef(name)
    }

    func routes(_ router: Router<BasicRequestContext>) {
        let hub = hub, access = access
        router.get("/") { request, _ -> Response in
            if request.uri.queryParameters["token"] != nil {
                // The printed URL: the cookie, then the page without the token in the address bar.
                var h = HTTPFields()
                h[.location] = "/"
                h[.setCookie] = access.setCookie
                return Response(status: .seeOther, headers: h)
            }
            return WebServer.text(Page.html(token: access.token), type: "text/html; charset=utf-8")
        }
        router.get("/app.js") { _, _ in WebServer.text(Page.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in WebServer.text(Page.style, type: "text/css; charset=utf-8") }
        router.get("/api/status") { _, _ -> Response in
            do {
                let bytes = try await blocking { () throws(HiveError) in try MountFiles.read(hub.mount + "/status.json") }
                return WebServer.text(String(decoding: bytes, as: UTF8.self), type: "application/json")
            } catch {
                return WebServer.refusal(error)
            }
        }
        router.post("/api/control") { request, _ -> Response in
            do {
                let ref = try WebServer.session(request, required: false)
                let line = try await WebServer.line(request)
                try await blocking { () throws(HiveError) in
                    try MountFiles.writeControl(ref.map { $0.path(hub.mount, "control") } ?? hub.mount + "/control", line)
                }
                return WebServer.ok()
            } catch {
                return WebServer.refusal(error)
            }
        }
        router.post("/api/new") { request, _ -> Response in
            do {
                let fields = try await WebServer.form(request)
                let line = try NewLine.make(fields)
                try await blocking { () throws(HiveError) in try MountFiles.writeControl(hub.mount + "/control", line) }
                return WebServer.ok()
            } catch {
                return WebServer.refusal(error)
            }
        }
        router.post("/api/remove") { request, _ -> Response in
            do {
                guard let ref = try WebServer.session(request, required: true) else { throw HiveError.invalid("name= is missing") }
                try await blocking { () throws(HiveError) in
                    let path = ref.directory(hub.mount)
                    guard rmdir(path) == 0 else {
                        let e = Errno(rawValue: errno)
                        throw HiveError(e, "\(ref.name): \(String(cString: strerror(e.rawValue)))")
                    }
                }
                return WebServer.ok()
            } catch {
                return WebServer.refusal(error)
            }
        }
    }

    // MARK: requests

    /// The session `name=` names; nil when absent and not `required`.
    static func session(_ request: Request, required: Bool) throws(HiveError) -> SessionRef? {
        guard let name = request.uri.queryParameters["name"] else {
            if required { throw .invalid("name= is missing") }
            return nil
        }
        return try SessionRef(String(name))
    }

    /// The body as one control line: UTF-8, one line (a trailing newline is
    /// allowed), at most 64 KiB.
    static func line(_ request: Request) async throws(HiveError) -> String {
        let text = try await body(request)
        var line = text
        if line.hasSuffix("\n") { line.removeLast() }
        guard !line.contains("\n"), !line.contains("\r") else { throw .invalid("one control line at a time: the body holds a newline") }
        guard !line.isEmpty else { throw .invalid("the body is empty: it is the control line to write") }
        return line
    }

    /// The body, as UTF-8 text.
    static func body(_ request: Request) async throws(HiveError) -> String {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBody)
        } catch {
            throw .tooBig("the body is over \(maxBody) bytes")
        }
        let bytes = Array(buffer.readableBytesView)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalid("the body is not UTF-8") }
        return text
    }

    /// A JSON object of string fields.
    static func form(_ request: Request) async throws(HiveError) -> [String: String] {
        let text = try await body(request)
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw .invalid("the body is not a JSON object")
        }
        var out: [String: String] = [:]
        for (k, v) in object {
            if let s = v as? String { out[k] = s } else if let b = v as? Bool { out[k] = b ? "yes" : "no" } else {
                throw .invalid("'\(Text.printable(k))' is not a string")
            }
        }
        return out
    }

    // MARK: responses

    static func text(_ s: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        var h = HTTPFields()
        h[.contentType] = type
        return Response(status: status, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }

    static func ok() -> Response { text("{\"ok\":true}", type: "application/json") }

    /// A refusal: its errno and reason, with the status that fits it.
    static func refusal(_ error: any Error) -> Response {
        let e = (error as? HiveError) ?? HiveError(.ioError, "\(error)")
        return text(Messages.refusal(e), type: "application/json", status: status(e.errno))
    }

    static func status(_ e: Errno) -> HTTPResponse.Status {
        switch e {
        case .noSuchFileOrDirectory: return .notFound
        case .permissionDenied, .notPermitted, .readOnlyFileSystem: return .forbidden
        case .argListTooLong: return .contentTooLarge
        case .resourceBusy, .fileExists, .directoryNotEmpty, .resourceTemporarilyUnavailable, .staleNFSFileHandle,
             .noMessage, .noSuchProcess:
            return .conflict
        case .ioError, .socketNotConnected, .timedOut, .noSpace, .connectionRefused: return .badGateway
        case .notSupported: return .notImplemented
        default: return .badRequest
        }
    }
}

/// Runs blocking work (the mount's files) on a thread that is not an event loop's.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws(HiveError) -> T) async throws(HiveError) -> T {
    let result: Result<T, HiveError> = await withCheckedContinuation { c in
        DispatchQueue.global().async {
            do throws(HiveError) { c.resume(returning: .success(try work())) } catch { c.resume(returning: .failure(error)) }
        }
    }
    return try result.get()
}
