import ArgumentParser
import CLinux
import Foundation
import HiveCore
import HiveRuntime
import HiveWeb
import Logging

/// `hivefs web`: the dashboard in a browser. Wiring only: the server, the hub and
/// the daemon's notifications are `HiveWeb`'s.
struct WebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve a live dashboard of every session to a browser, with a fresh access token.",
        discussion: """
            It reads and writes only the mount's files, as a script would, and is told of changes by the daemon. \
            It listens on 127.0.0.1:7117 (or the config's web-port) and prints the URL to open, which carries \
            the access token; the token is also in the state directory's web.token, and each start makes a new one. \
            Listening on another address must be asked for with --listen, and needs TLS in front (see hivefs(1)).
            """
    )

    @Option(name: .long, help: ArgumentHelp("The address and port to listen on (default 127.0.0.1:7117; port 0: any free one).",
                                            valueName: "addr:port"))
    var listen: String?
    @Option(name: .long, help: "The mount point (default ~/hive).", completion: .directory) var mount: String?
    @Option(name: .long, help: "The state directory (default $XDG_STATE_HOME/hivefs).", completion: .directory)
    var state: String?
    @Option(name: .long, help: .hidden) var exitWith: Int32?
    @OptionGroup var location: Location

    static let defaultPort = 7117

    func run() throws {
        let file = try ConfigFile.load(location.config)
        let mp = try location.mountpoint(mount)
        let stateDir = absolute(state ?? file.state ?? HiveConfig.defaultStateDir())
        let (host, port) = try address(file)
        if !WebCommand.isLoopback(host) {
            warn("listening on \(host), beyond this machine, over plain HTTP: put TLS in front (a reverse proxy or an ssh tunnel; see hivefs(1))")
        }
        guard access(mp + "/status.json", R_OK) == 0 else {
            warn("cannot read \(mp)/status.json: \(String(cString: strerror(errno))) (is hivefs mounted at \(mp)?)")
            throw ExitCode(3)
        }
        var logger = Logger(label: "hivefs-web")
        logger.logLevel = .warning
        let token = Access.newToken()
        guard access(stateDir, W_OK) == 0 else {
            warn("cannot write the access token in \(stateDir): \(String(cString: strerror(errno)))")
            throw ExitCode(1)
        }
        // Written once listening: a second start that cannot bind leaves the first's alone.
        let published = Published(stateDir: stateDir)
        if let parent = exitWith { WebCommand.exit(with: parent, removing: published) }
        let hub = Hub(mount: mp)
        let watch = DaemonWatch(command: [Sys.executablePath, "serve", "--stdio", "--state", stateDir,
                                          "--config", absolute(location.config)],
                                hub: hub, logger: logger)
        watch.start()
        let server = WebServer(hub: hub, access: Access(token: token), host: host, port: port, logger: logger)
        let done = DispatchSemaphore(value: 0)
        let failure = Failure()
        Task {
            do {
                try await server.run(ready: { bound in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    let url = "http://\(shown):\(bound)/?token=\(token)"
                    // Written at once (not through stdio's buffer): a pipe reader waits for it.
                    FileHandle.standardOutput.write(Data((url + "\n").utf8))
                    published.publish(token: token, url: url)
                    FileHandle.standardError.write(Data("hivefs web: serving \(mp) on \(shown):\(bound); open the URL above (its token is also in \(stateDir)/web.token)\n".utf8))
                })
            } catch {
                failure.set("cannot serve on \(host):\(port): \(error)")
            }
            done.signal()
        }
        done.wait()
        watch.stop()
        published.remove()
        if let why = failure.get() {
            warn(why)
            throw ExitCode(1)
        }
    }

    /// `--listen`, else loopback at the config's port, else 7117.
    func address(_ file: ConfigFile) throws -> (String, Int) {
        guard let listen else {
            let port = file.webPort ?? WebCommand.defaultPort
            guard (1...65535).contains(port) else { throw ValidationError("web-port must be between 1 and 65535 (got \(port))") }
            return ("127.0.0.1", port)
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw ValidationError("--listen is ADDRESS:PORT (127.0.0.1:7117, [::1]:7117, 0.0.0.0:7117); got '\(listen)'")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("--listen needs an address before the port (127.0.0.1:\(port))") }
        return (host, port)
    }

    /// Ends this process when `parent` ends (the daemon of `hivefs mount --web`,
    /// killed or crashed): a thread waits on its pidfd, no clock.
    static func exit(with parent: Int32, removing published: Published) {
        let fd = hive_pidfd_open(parent)
        guard fd >= 0 else {
            warn("the process \(parent) to end with is gone")
            Glibc.exit(0)
        }
        let thread = Thread {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&p, 1, -1) < 0 && errno == EINTR {}
            published.remove()
            Glibc.exit(0)
        }
        thread.start()
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// Why the server stopped, set from its task.
final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var why: String?
    func set(_ s: String) { lock.withLock { why = s } }
    func get() -> String? { lock.withLock { why } }
}

/// This start's token and URL in the state directory (`web.token`, `web.url`,
/// 0600), once it listens; the URL is removed when it stops, unless another start
/// has put its own there since.
final class Published: @unchecked Sendable {
    let tokenPath: String
    let urlPath: String
    private let lock = NSLock()
    private var url: String?

    init(stateDir: String) {
        tokenPath = stateDir + "/web.token"
        urlPath = stateDir + "/web.url"
    }

    func publish(token: String, url: String) {
        do throws(HiveError) {
            try Access.save(token, to: tokenPath)
            try Access.save(url, to: urlPath)
            lock.withLock { self.url = url }
        } catch {
            warn("\(error.errnoName) \(error.reason)")
        }
    }

    func remove() {
        guard let url = lock.withLock({ self.url }) else { return }
        if Sys.readFile(urlPath).map({ String(decoding: $0, as: UTF8.self) }) == url + "\n" { unlink(urlPath) }
    }
}
