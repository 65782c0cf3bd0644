import ArgumentParser
import Foundation
import HiveCore
import HiveFUSE
import HiveLink
import HiveRuntime
import Logging

struct MountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mount",
        abstract: "Mount the tree and run the daemon.",
        discussion: "Without --foreground, returns once the mount answers; the daemon logs to STATE/hivefs.log."
    )

    @Argument(help: "Where to mount (default ~/hive, or mountpoint in the config file).", completion: .directory)
    var mountpoint: String?

    @Option(name: .long, help: "The state directory (default $XDG_STATE_HOME/hivefs).", completion: .directory)
    var state: String?

    @Option(name: .long, help: "The name of hivefs's tmux server, as in tmux -L NAME (default hive).")
    var socket: String?

    @Option(name: .long, help: "Seconds of terminal quiet after which a session is idle (default 3).")
    var quietAfter: Double?

    @Option(name: .long, help: "Seconds kill waits after TERM before KILL (default 5).")
    var killGrace: Double?

    @Option(name: .long, help: "Where sessions' git worktrees are made (default STATE/worktrees).", completion: .directory)
    var worktrees: String?

    @Option(name: .long, help: "End sessions idle or waiting this long (30m, 2h) unless they set their own; off by default.")
    var idleTimeout: String?

    @Flag(name: .long, help: "Also serve the dashboard (hivefs web) while mounted, on loopback at the config's web-port (7117); its URL is printed and kept in STATE/web.url.")
    var web = false
    @Flag(name: .long, help: "Stay attached and log to stderr.")
    var foreground = false

    @OptionGroup var location: Location

    func run() throws {
        let file = try ConfigFile.load(location.config)
        let mp = absolute(mountpoint ?? file.mountpoint ?? HiveConfig.defaultMountpoint())
        var config = HiveConfig(mountpoint: mp, stateDir: absolute(state ?? file.state ?? HiveConfig.defaultStateDir()))
        config.socket = socket ?? file.socket ?? config.socket
        guard !config.socket.isEmpty, !config.socket.contains("/") else {
            throw ValidationError("--socket is a name, not a path")
        }
        if let q = quietAfter ?? file.quietAfter {
            guard q > 0, q <= 3600 else { throw ValidationError("quiet-after must be between 0 and 3600 seconds") }
            config.quietAfterMS = Int(q * 1000)
        }
        if let g = killGrace ?? file.killGrace {
            guard g >= 0, g <= 600 else { throw ValidationError("kill-grace must be between 0 and 600 seconds") }
            config.killGraceMS = Int(g * 1000)
        }
        config.prices = PriceTable.standard.merging(file.prices.mapValues(\.price))
        if let w = worktrees ?? file.worktrees { config.worktreesDir = absolute(w) }
        // Agents the user defines sit beside the config file, whichever it is.
        let configPath = absolute(location.config)
        config.agentsDir = String(configPath[..<(configPath.lastIndex(of: "/") ?? configPath.endIndex)]) + "/agents"
        config.onCommands = file.on
        config.restore = file.restore ?? false
        switch file.cgroups {
        case nil, "auto": config.cgroups = "auto"
        case "off": config.cgroups = "off"
        case let other?: throw ValidationError("cgroups must be auto or off (got '\(other)')")
        }
        switch file.sandbox {
        case nil, "none": config.sandbox = "none"
        case "bwrap": config.sandbox = "bwrap"
        case let other?: throw ValidationError("sandbox must be none or bwrap (got '\(other)')")
        }
        if let b = file.bwrap {
            guard b.hasPrefix("/") || b.hasPrefix("~") else { throw ValidationError("bwrap must be an absolute path (got '\(b)')") }
            config.bwrap = expand(b)
        }
        switch file.budgetAction {
        case nil, "pause": config.budgetKills = false
        case "kill": config.budgetKills = true
        case let other?: throw ValidationError("budget-action must be pause or kill (got '\(other)')")
        }
        if let t = file.onTimeout {
            guard t > 0, t <= 3600 else { throw ValidationError("on-timeout must be between 0 and 3600 seconds") }
            config.onTimeoutMS = Int(t * 1000)
        }
        if let t = idleTimeout ?? file.idleTimeout, t != "off" {
            do throws(HiveError) {
                config.idleTimeout = try Durations.parse(t)
            } catch {
                throw ValidationError("idle-timeout: \(error.reason)")
            }
        }
        var logger = Logger(label: "hivefs")
        logger.logLevel = .info
        do {
            try Sys.makeDirectories(mp, mode: 0o755)
        } catch {
            throw ValidationError("cannot create mount point \(mp): \(error)")
        }
        try Mount.cleanStale(mp, logger: logger)
        if Mount.status(mp) == .mounted {
            throw ValidationError("something is already mounted at \(mp); hivefs unmount \(mp) first")
        }
        var hosts: [String: [String]] = [:]
        for (name, entry) in file.hosts {
            do throws(HiveError) {
                try HostName.validate(name)
            } catch {
                throw ValidationError("[hosts] \(error.reason)")
            }
            hosts[name] = try entry.argv(file.link)
        }
        // A host added at run time (`host add NAME DEST`) is reached as [link] says.
        let defaults = file.link
        _ = try HostEntry(destination: "example").argv(defaults)  // a [link] ssh line that cannot be split is refused now, not at `host add`
        let hostCommand: @Sendable (String) -> [String] = { destination in
            (try? HostEntry(destination: destination).argv(defaults)) ?? ["ssh", destination, "--", HostEntry.defaultCommand]
        }
        if foreground {
            var daemon = Daemon(config: config, logger: logger, hosts: hosts, hostCommand: hostCommand)
            if web {
                daemon.web = [Sys.executablePath, "web", "--mount", config.mountpoint, "--state", config.stateDir,
                              "--config", absolute(location.config), "--exit-with", String(getpid())]
            }
            try daemon.run()
        } else {
            try background(config)
        }
    }

    /// Starts the daemon detached and waits until the mount answers.
    private func background(_ config: HiveConfig) throws {
        try Sys.makeDirectories(config.stateDir)
        let logPath = config.stateDir + "/hivefs.log"
        var argv = [Sys.executablePath, "mount", config.mountpoint, "--foreground",
                    "--state", config.stateDir, "--socket", config.socket,
                    "--quiet-after", String(Double(config.quietAfterMS) / 1000),
                    "--kill-grace", String(Double(config.killGraceMS) / 1000),
                    "--worktrees", config.worktreesDir,
                    "--idle-timeout", config.idleTimeout.map { "\($0)s" } ?? "off"]
        argv += ["--config", location.config]
        if web { argv.append("--web") }
        // The dashboard's URL of this start, once it listens (an older one is removed first).
        let urlPath = config.stateDir + "/web.url"
        if web { unlink(urlPath) }
        argv = scoped(argv, config)
        let pid = try Spawn.detached(argv, logPath: logPath)
        let deadline = Sys.monotonicMS() + 15_000
        while Sys.monotonicMS() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let tail = (try? String(contentsOfFile: logPath, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
                throw ValidationError("the daemon stopped before mounting; the end of \(logPath):\n\(tail)")
            }
            if Mount.status(config.mountpoint) == .mounted {
                print("hivefs: mounted at \(config.mountpoint) (pid \(pid), state \(config.stateDir), tmux -L \(config.socket))")
                if web { printWebURL(urlPath, logPath: logPath) }
                return
            }
            Sys.sleep(ms: 20)
        }
        throw ValidationError("the mount did not answer within 15 s; see \(logPath)")
    }

    /// `argv` behind `systemd-run --user --scope` where the daemon needs the user
    /// manager for a cgroup of its own (see UserScope); as it is otherwise. A manager
    /// that refuses is said on stderr, and the daemon starts without the scope.
    private func scoped(_ argv: [String], _ config: HiveConfig) -> [String] {
        switch UserScope.plan(mode: config.cgroups, stateDir: config.stateDir, command: argv) {
        case .skip:
            return argv
        case .wrap(let prefix):
            if let why = UserScope.probe(prefix) {
                warn("no cgroups for sessions (limits refused, pause by signals): the user manager gave no delegated scope: \(why)")
                return argv
            }
            return prefix + argv
        }
    }

    /// Prints the dashboard's URL once `hivefs web` has written it (within 10 s), or
    /// says where to look.
    private func printWebURL(_ path: String, logPath: String) {
        let deadline = Sys.monotonicMS() + 10_000
        while Sys.monotonicMS() < deadline {
            if let bytes = Sys.readFile(path), !bytes.isEmpty {
                print("hivefs: dashboard at \(String(decoding: bytes, as: UTF8.self).trimmingWhitespace())")
                return
            }
            Sys.sleep(ms: 50)
        }
        warn("the dashboard did not start within 10 s; see \(logPath)")
    }
}

/// The daemon: holds the state directory's lock, loads the hive, serves the mount.
struct Daemon {
    let config: HiveConfig
    let logger: Logger
    /// Other hosts, by name: the command line of each one's link.
    var hosts: [String: [String]] = [:]
    /// The link's command line for a host added at run time.
    var hostCommand: @Sendable (String) -> [String] = { ["ssh", $0, "--", HostEntry.defaultCommand] }
    /// `hivefs web …` to run beside the mount (`--web`): started once mounted, ended
    /// at unmount; it ends by itself if this process dies (`--exit-with`).
    var web: [String]?

    /// How long a new daemon waits for the one holding the state directory to exit:
    /// one that has unmounted still saves its sessions, and `hivefs unmount && hivefs
    /// mount` must work.
    static let exitingDaemonWaitMS = 5000

    /// The state directory's lock, held while the daemon runs; waited for a little,
    /// then refused with the reason.
    private func takeLock() throws -> Int32 {
        let path = config.stateDir + "/daemon.lock"
        let deadline = Sys.monotonicMS() + Int64(Daemon.exitingDaemonWaitMS)
        while true {
            do {
                return try Sys.lockFile(path)
            } catch .wouldBlock {
                guard Sys.monotonicMS() < deadline else {
                    var holder = ""
                    if let bytes = Sys.readFile(config.stateDir + "/daemon.pid") {
                        holder = " (pid " + String(decoding: bytes, as: UTF8.self).trimmingWhitespace() + ")"
                    }
                    throw ValidationError("another hivefs daemon is using " + config.stateDir + holder)
                }
                Sys.sleep(ms: 20)
            } catch {
                throw ValidationError("cannot lock \(path): \(error)")
            }
        }
    }

    func run() throws {
        try Sys.makeDirectories(config.stateDir)
        let lock = try takeLock()
        defer { Sys.close(lock) }
        try? Sys.writeFileAtomically(config.stateDir + "/daemon.pid", Array("\(getpid())\n".utf8))
        let hive = try Hive(config: config, logger: logger)
        // Each read that reaches the daemon is logged when asked (the tests count them).
        let traceReads = ProcessInfo.processInfo.environment["HIVEFS_TRACE_READS"] == "1"
        // Other hosts' events join this one's root `events`, read on from where they stood.
        let events = HostEvents(offsets: HostOffsets(path: config.stateDir + "/hosts.events")) { [store = hive.store] bytes throws(HiveError) in
            try store.appendRootLines(bytes)
        }
        let remote = HostsTable(logger: logger, savedIn: config.stateDir + "/hosts", events: events, command: hostCommand)
        hive.hostControl = remote
        let tree = HiveTree(hive: hive, hosts: remote, fleet: remote)
        let bridge = Bridge(tree: tree, logger: logger, traceReads: traceReads)
        hive.start()
        for (name, argv) in hosts.sorted(by: { $0.key < $1.key }) { remote.add(name: name, command: argv) }
        remote.restore()
        // The same tree for other hosts, through `hivefs serve --stdio` over ssh.
        let link = LinkListener(tree: tree.withoutFleet(), path: LinkListener.socketPath(stateDir: config.stateDir), logger: logger)
        do {
            try link.start()
        } catch {
            logger.warning("\(error); other hosts cannot reach this one")
        }
        logger.info("serving \(config.mountpoint) from \(config.stateDir) (tmux -L \(config.socket))")
        let dashboard = WebChild()
        let rc = try Mount.serve(bridge, at: config.mountpoint, logger: logger) { [web] in
            logger.info("mounted at \(config.mountpoint)")
            if let web { dashboard.start(web, logger: logger) }
        }
        dashboard.stop()
        link.stop()
        remote.stop()
        hive.stop()
        logger.info("unmounted \(config.mountpoint); agents keep running")
        // A positive status is the signal that ended the loop (SIGINT, SIGTERM): a clean stop.
        if rc < 0 { throw ExitCode(1) }
    }
}

/// The dashboard beside the mount (`hivefs mount --web`): a child process, so a
/// fault there never reaches the mount. Started from the mount's ready callback,
/// stopped after the mount's loop ends; `pid` is behind `lock`.
final class WebChild: @unchecked Sendable {
    private let lock = NSLock()
    private var pid: pid_t?

    func start(_ argv: [String], logger: Logger) {
        switch Spawn.child(argv) {
        case .success(let p): lock.withLock { pid = p }
        case .failure(let e): logger.warning("cannot start the dashboard (\(argv.joined(separator: " "))): \(e)")
        }
    }

    /// TERM, up to 5 s to finish, then KILL; reaped.
    func stop() {
        guard let p = lock.withLock({ pid }) else { return }
        kill(p, SIGTERM)
        Spawn.reap(p, graceMS: 5000)
    }
}
