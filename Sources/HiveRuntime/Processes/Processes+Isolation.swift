import Foundation
import HiveCore
import SystemPackage

/// A start's walls: the session's cgroup (limits, freezer, accounting) and its
/// sandbox (`Sandbox`), made on the session's queue before its terminal opens.
extension Processes {
    /// What a start runs inside: the command lines wrapped in the sandbox, and the
    /// cgroup the launcher joins (nil when hivefs can make none and no limit is asked).
    struct Walls {
        var argv: [String]
        var setup: [String]
        var cgroup: SessionCgroup?
    }

    func walls(_ s: LiveSession, _ plan: LaunchPlan, adapter: any AgentAdapter, argv: [String], setup: [String],
               env: [String: String], repo: String?) throws(HiveError) -> Walls {
        let record = s.record
        var walls = Walls(argv: argv, setup: setup, cgroup: nil)
        switch parts.cgroups {
        case .success(let cgroups):
            let cgroup = cgroups.session(s.name)
            try cgroup.create()
            do throws(HiveError) { try cgroup.apply(record.limits) } catch {
                cgroup.remove()
                throw error
            }
            walls.cgroup = cgroup
        case .failure(let why):
            if let key = record.limits.set.first {
                throw HiveError(.notSupported, "limit.\(key.rawValue) needs a cgroup hivefs can write: \(why.reason)")
            }
        }
        if plan.spec.sandboxed {
            do throws(HiveError) {
                let sandbox = try sandbox(s.name, plan, adapter: adapter, env: env, repo: repo)
                try sandbox.check()
                walls.argv = sandbox.prefix + argv
                if !setup.isEmpty { walls.setup = sandbox.prefix + setup }
            } catch {
                walls.cgroup?.remove()
                throw error
            }
        }
        return walls
    }

    /// The sandbox of a start, its paths made ready (the files it binds exist).
    func sandbox(_ name: String, _ plan: LaunchPlan, adapter: any AgentAdapter, env: [String: String],
                 repo: String?) throws(HiveError) -> Sandbox {
        let daemonEnv = ProcessInfo.processInfo.environment
        let environment = daemonEnv.merging(env) { _, new in new }
        var box = Sandbox(program: try Sandbox.find(configured: config.bwrap, path: environment["PATH"]), workdir: plan.workdir)
        box.network = plan.spec.sandboxNetwork
        let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? config.home
        // What lives under /tmp is hidden by its tmpfs: shown again, read-only.
        let underTmp = { (p: String) in p == "/tmp" || p.hasPrefix("/tmp/") }
        var shown = [home, config.home, Processes.folder(config.executable)]
            + config.hookCommand.prefix(1).map(Processes.folder)
            + (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        shown = shown.filter { underTmp($0) && Sys.stat($0) != nil }
        box.readOnly = shown
        // The ways out and the other sessions: hidden. Its own state folder (its hooks'
        // settings) is shown again; the files its hooks write are bound writable below.
        let tmux = (environment["TMUX_TMPDIR"] ?? daemonEnv["TMUX_TMPDIR"] ?? "/tmp") + "/tmux-\(getuid())"
        var hidden = [config.stateDir, config.mountpoint, environment["XDG_RUNTIME_DIR"] ?? ""]
        if !underTmp(tmux) { hidden.append(tmux) }
        box.hidden = hidden.filter { $0.hasPrefix("/") && $0 != "/" && Sys.stat($0) != nil }
        box.exposed = [store.sessionDir(name)]
        if let tmp = environment["TMPDIR"], tmp.hasPrefix("/"), tmp != "/tmp" {
            if underTmp(tmp) { box.emptyDirs.append(tmp) } else if Sys.stat(tmp) != nil { box.writable.append(tmp) }
        }
        var writable = [plan.workdir]
        // A worktree commits into its repository's .git. Its hooks and config, which
        // git runs later outside the sandbox, stay read-only.
        for git in [repo.map { $0 + "/.git" }, plan.workdir + "/.git"].compactMap({ $0 }) where Sys.stat(git).map({ ($0.st_mode & S_IFMT) == S_IFDIR }) == true {
            writable.append(git)
            box.protected += [git + "/hooks", git + "/config"].filter { Sys.stat($0) != nil }
        }
        // The agent's own folders, made if missing (a first run), and its config files, which must exist to be bound.
        for path in (adapter as? any AgentRuntime)?.sandboxWrites(env: environment, home: home) ?? [] {
            if Sys.stat(path) == nil {
                if path.hasSuffix(".json") { try touch(path) } else {
                    do { try Sys.makeDirectories(path) } catch { throw error.hive("cannot make \(path) for the sandbox") }
                }
            }
            writable.append(path)
        }
        for file in [store.hooksLogPath(name)] + plan.hookFiles {
            try touch(file)
            writable.append(file)
        }
        for path in plan.spec.sandboxWrite {
            guard Sys.stat(path) != nil else {
                throw .notFound("sandbox.write: \(path) does not exist; make it first, or leave it out")
            }
            writable.append(path)
        }
        box.writable += writable
        return box
    }

    /// Makes `path` if it is not there (empty, 0600), so that it can be bound.
    private func touch(_ path: String) throws(HiveError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let e = Errno(rawValue: errno)
            throw HiveError(e, "cannot make \(path) for the sandbox: \(String(cString: strerror(e.rawValue)))")
        }
        Sys.close(fd)
    }

    static func folder(_ path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }
}
