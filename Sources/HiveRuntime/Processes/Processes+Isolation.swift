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
    /// What the agent may write or hide comes from the daemon's own environment
    /// where it matters (bwrap, the runtime folder, tmux's sockets): a session's
    /// `env.` cannot move them.
    func sandbox(_ name: String, _ plan: LaunchPlan, adapter: any AgentAdapter, env: [String: String],
                 repo: String?) throws(HiveError) -> Sandbox {
        let daemonEnv = ProcessInfo.processInfo.environment
        let environment = daemonEnv.merging(env) { _, new in new }
        var box = Sandbox(program: try Sandbox.find(configured: config.bwrap, path: daemonEnv["PATH"]), workdir: plan.workdir)
        box.network = plan.spec.sandboxNetwork
        let home = environment["HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? config.home
        // What lives under /tmp is hidden by its tmpfs: shown again, read-only.
        let underTmp = { (p: String) in p == "/tmp" || p.hasPrefix("/tmp/") }
        let shown = [home, config.home, Sys.folder(of: config.executable)]
            + config.hookCommand.prefix(1).map(Sys.folder(of:))
            + (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        box.add(shown.filter { underTmp($0) && Sys.stat($0) != nil }, .readOnly)
        // The ways out and the other sessions: hidden. Its own state folder (its hooks'
        // settings) is shown again; the files its hooks write are bound writable below.
        let tmux = (daemonEnv["TMUX_TMPDIR"] ?? "/tmp") + "/tmux-\(getuid())"
        let hidden = [config.stateDir, config.mountpoint, tmux, daemonEnv["XDG_RUNTIME_DIR"] ?? "", "/run/user/\(getuid())"]
        // Under /tmp too: a writable folder there (`dir=/tmp`) would show them again. A
        // tmpfs over the mount point also keeps out a tree mounted there later.
        box.add(hidden.filter { Sys.stat($0) != nil }, .hidden)
        // The other sessions' worktrees are seen as the rest of the machine is, read-only.
        box.add([store.sessionDir(name), config.worktreesDir].filter { Sys.stat($0) != nil }, .exposed)
        if let tmp = environment["TMPDIR"], tmp.hasPrefix("/"), tmp != "/tmp" {
            if underTmp(tmp) { box.add([tmp], .emptyDir) } else if Sys.stat(tmp) != nil { box.add([tmp], .writable) }
        }
        // Its folder is writable whole: one that holds the home, the state directory or the
        // mount (`dir` defaults to the home) would open what the sandbox is for.
        let realWork = Sandbox.realPath(plan.workdir)
        for (what, path) in [("the home", home), ("hivefs's state directory", config.stateDir), ("the mount", config.mountpoint)] {
            let real = Sandbox.realPath(path)
            if real == realWork || real.hasPrefix(realWork == "/" ? "/" : realWork + "/") {
                throw .invalid("sandbox=bwrap: the session's folder \(plan.workdir) holds \(what) (\(path)), which it could then write; give it a project folder (dir=~/src/app) or worktree=yes")
            }
        }
        box.add([plan.workdir], .writable)
        try gitWalls(&box, repo: repo, workdir: plan.workdir)
        // The agent's own folders, made if missing (a first run), since only what exists can be bound.
        for path in (adapter as? any AgentRuntime)?.sandboxWrites(env: environment, home: home) ?? [] {
            if Sys.stat(path) == nil {
                do { try Sys.makeDirectories(path) } catch { throw error.hive("cannot make \(path) for the sandbox") }
            }
            box.add([path], .writable)
        }
        for p in (adapter as? any AgentRuntime)?.sandboxProtects(env: environment, home: home) ?? [] {
            switch Processes.kind(p.path) {
            case nil:
                do throws(Errno) {
                    if p.folder { try Sys.makeDirectory(p.path, mode: 0o700) } else {
                        try Sys.writeFileAtomically(p.path, Array(p.seed.utf8), mode: 0o600, sync: false)
                    }
                } catch {
                    throw error.hive("cannot make \(p.path) to keep it read-only in the sandbox")
                }
            case S_IFLNK:
                // The target could be kept read-only, but the link itself, in a folder the
                // agent writes, could be replaced by a file of its own.
                throw .denied("sandbox=bwrap: \(p.path) is a symbolic link; hivefs keeps it read-only in a sandbox and cannot keep a link so: make it the file or folder itself, or use sandbox=none")
            default:
                break
            }
            box.add([p.path], .protected)
        }
        for file in [store.hooksLogPath(name)] + plan.hookFiles {
            try touch(file)
            box.add([file], .writable)
        }
        for path in plan.spec.sandboxWrite {
            guard Sys.stat(path) != nil else {
                throw .notFound("sandbox.write: \(path) does not exist; make it first, or leave it out")
            }
            box.add([path], .writable)
        }
        return box
    }

    /// What of a repository's `.git` a sandboxed agent may write, so that it can
    /// commit, but never what git runs or follows later outside the sandbox (the
    /// user's git, and hivefs's own for the `git` file and new worktrees):
    /// - in a worktree (the usual sandboxed session), only `objects`, `refs`, `logs`
    ///   and the worktree's own folder in `worktrees/`, less its `gitdir`,
    ///   `commondir` and `config.worktree`; the worktree's `.git` file is read-only;
    /// - in the repository's own work tree (whose index and HEAD are in `.git`), all
    ///   of `.git` less `hooks` (made if missing, so that none can be added),
    ///   `config`, `commondir` and the worktrees' links.
    /// Only a real folder counts: a `.git` that is a symbolic link (which the agent
    /// could have made on its last run) is never bound.
    private func gitWalls(_ box: inout Sandbox, repo: String?, workdir: String) throws(HiveError) {
        func isFolder(_ p: String) -> Bool { Processes.kind(p) == S_IFDIR }
        func isFile(_ p: String) -> Bool { Processes.kind(p) == S_IFREG }
        // A worktree of `repo`: its `.git` file names its folder under the repository's `.git/worktrees`.
        if let repo, isFile(workdir + "/.git"), isFolder(repo + "/.git"),
           let text = Sys.readFile(workdir + "/.git").map({ String(decoding: $0, as: UTF8.self).trimmingWhitespace() }),
           text.hasPrefix("gitdir: ") {
            let own = String(text.dropFirst("gitdir: ".count))
            let common = repo + "/.git"
            guard own.hasPrefix(common + "/worktrees/"), !own.contains("/../"), isFolder(own) else {
                throw .denied("sandbox=bwrap: \(workdir)/.git names \(own), which is not one of \(common)'s worktrees")
            }
            // Seen (its config, its HEAD) even where it lives under /tmp, read-only.
            box.add([common], .readOnly)
            for sub in ["objects", "refs", "logs"] {
                let path = common + "/" + sub
                if !isFolder(path) {
                    guard Sys.stat(path) == nil else { throw .denied("sandbox=bwrap: \(path) is not a folder") }
                    do { try Sys.makeDirectory(path, mode: 0o755) } catch { throw error.hive("cannot make \(path) for the sandbox") }
                }
                box.add([path], .writable)
            }
            box.add([own], .writable)
            box.add(["gitdir", "commondir", "config.worktree"].map { own + "/" + $0 }.filter(isFile), .protected)
            box.add([workdir + "/.git"], .protected)
            return
        }
        for git in Set([repo.map { $0 + "/.git" }, workdir + "/.git"].compactMap { $0 }) where isFolder(git) {
            let hooks = git + "/hooks"
            if !isFolder(hooks) {
                guard Sys.stat(hooks) == nil else { throw .denied("sandbox=bwrap: \(hooks) is not a folder; hivefs binds it read-only") }
                do { try Sys.makeDirectory(hooks, mode: 0o755) } catch { throw error.hive("cannot make \(hooks) for the sandbox") }
            }
            box.add([git], .writable)
            box.add([hooks], .protected)
            box.add([git + "/config", git + "/commondir"].filter(isFile), .protected)
            for tree in Sys.listDirectory(git + "/worktrees") {
                box.add(["gitdir", "commondir"].map { git + "/worktrees/" + tree + "/" + $0 }.filter(isFile), .protected)
            }
        }
        // A worktree's `.git` file says where its repository is.
        if isFile(workdir + "/.git") { box.add([workdir + "/.git"], .protected) }
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

    /// What `path` itself is (`S_IFDIR`, `S_IFREG`, `S_IFLNK`…: a link is not followed), or nil when nothing is there.
    static func kind(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : nil
    }
}
