import Foundation
import HiveCore

/// Starting an agent: its files, its worktree, its terminal, and the wait for its pid.
extension Processes {
    /// Starts the agent of a session whose spec is checked, and tells its machine how
    /// that went (`.launched`, `.launchFailed`: a bad dir, a failed tmux call).
    func launch(_ s: LiveSession, _ place: Place) -> HiveError? {
        let name = s.name
        // A summary of the previous run still being written is done before this one starts.
        s.ingest.sync {}
        var record = s.record
        let spec = record.spec
        // The agent as its definition says now (a file edited since is read again).
        let adapter = agents().adapterOrMissing(spec.agent)
        s.with { $0.machine.use(adapter) }
        do throws(HiveError) {
            try (adapter as? any AgentRuntime)?.checkLaunchable(spec)
        } catch {
            guard case .queue(let uid) = place else { return step(s, .launchFailed(error.reason), place) }
            return step(s, .refused(error, uid: uid), place)
        }
        // tmux appends the terminal's output with `cat >>`, which would follow a link.
        for why in store.setAsideLinks(name) { parts.machines.refused(name, HiveError(.tooManySymbolicLinkLevels, why)) }
        let dir = spec.dir.isEmpty ? config.home : spec.dir
        if let why = Processes.badDir(dir) { return step(s, .launchFailed("bad dir: \(dir): \(why)"), place) }
        let workdir: String
        let madeWorktree: Bool
        switch worktrees.workplace(record, dir: dir) {
        case .success(let w):
            workdir = w.dir
            madeWorktree = w.made != nil
            if let e = w.made { step(s, .record(e, durable: true), place) }
        case .failure(let e): return step(s, .launchFailed(e.reason), place)
        }
        record = s.record
        // Without a worktree, in a repository: what changed is counted from HEAD at the first start.
        let repository = spec.wantsWorktree || record.repo != nil ? nil : worktrees.repositoryFacts(dir)
        var plan = LaunchPlan(name: name, spec: spec, workdir: workdir, record: record,
                              launch: AgentLaunch(reportCommand: config.hookCommand + [store.hooksLogPath(name)],
                                                  conversation: record.agentSession, ranBefore: record.started != nil),
                              env: spec.env)
        let argv: [String]
        let setup: [String]
        do {
            // A fork's worktree was made at the fork: its setup runs at its first start.
            let fresh = madeWorktree || (record.forkedFrom != nil && record.started == nil && record.worktree != nil)
            setup = fresh && !spec.setup.isEmpty ? try CommandLineWords.split(spec.setup) : []
            if let runtime = adapter as? any AgentRuntime { try runtime.prepare(parts, s, &plan) }
            argv = try adapter.argv(spec, plan.launch)
        } catch {
            return step(s, .launchFailed(error.reason), place)
        }
        for file in [store.launchErrorPath(name), store.agentPidPath(name), store.exitStatusPath(name),
                     // A summary is of an ended run; this one starts again.
                     store.sessionDir(name) + "/summary", store.sessionDir(name) + "/summary.json"] {
            unlink(file)
        }
        if tmux.hasSession(name) { tmux.killSession(name) }
        s.with { $0.handles.cgroup = nil }
        var env = plan.env
        env["HIVE_SESSION"] = name
        // An agent hivefs does not wire itself (a Claude Code started by hand in a shell
        // session, with contrib/claude-hooks.example.json) reports here; the agents
        // hivefs wires get no such variable, so nothing is reported twice.
        if adapter.readsHooksVariable { env["HIVE_HOOKS"] = store.hooksLogPath(name) }
        // The daemon's environment as it is now, not the tmux server's (see AgentEnvironment).
        do {
            try Sys.writeFileAtomically(store.environPath(name), AgentEnvironment.encode(AgentEnvironment.compose(overrides: env)),
                                        mode: 0o600, sync: false)
        } catch {
            return step(s, .launchFailed(error.hive("cannot write \(store.environPath(name))").reason), place)
        }
        let walls: Walls
        do throws(HiveError) {
            walls = try self.walls(s, plan, adapter: adapter, argv: argv, setup: setup, env: env, repo: record.repo ?? repository?.repo)
        } catch {
            return step(s, .launchFailed(error.reason), place)
        }
        let launch = Tmux.Launch(
            name: name, dir: workdir, environment: env,
            argv: [config.executable, "launch", "--report", store.launchErrorPath(name),
                   "--pidfile", store.agentPidPath(name), "--statusfile", store.exitStatusPath(name),
                   "--environ", store.environPath(name), "--dir", workdir]
                + (walls.cgroup?.folders ?? []).flatMap { ["--cgroup", $0] }
                + walls.setup.flatMap { ["--setup", $0] } + ["--"] + walls.argv,
            logPath: store.logPath(name))
        watchLog(s)
        let pid: pid_t
        do {
            pid = try tmux.start(launch)
        } catch {
            walls.cgroup?.remove()
            return step(s, .launchFailed(error.reason), place)
        }
        s.with { inside in
            inside.handles.generation += 1
            inside.handles.panePid = pid
            inside.handles.cgroup = walls.cgroup
        }
        // The launcher writes the agent's pid as soon as it has started it (after setup).
        let agent = awaitAgentPid(name, ms: setup.isEmpty ? 2000 : 300)
        var launched = Launched(pid: agent, commandLine: CommandLineWords.join(argv), detail: plan.detail, workdir: workdir)
        if !setup.isEmpty && agent == nil { launched.detail += " (setup: \(spec.setup))" }
        launched.agentSession = plan.agentSession
        launched.transcript = plan.transcript
        launched.repo = repository?.repo
        launched.head = repository?.head
        launched.typesPrompt = adapter.typesPrompt(spec, plan.launch)
        let refused = step(s, .launched(launched), place)
        if !setup.isEmpty && agent == nil { awaitSetup(s) }
        gitView.changed(s)
        return refused
    }

    /// Waits, at most `ms`, for the launcher to write the agent's pid (or its reason
    /// for failing): inotify on the session's folder says when.
    private func awaitAgentPid(_ name: String, ms: Int) -> pid_t? {
        let written = DispatchSemaphore(value: 0)
        let wd = watcher.watchNames(in: store.sessionDir(name), ["agent.pid", "launch-error"]) { written.signal() }
        defer { if let wd { watcher.unwatchWrites(wd) } }
        let deadline = DispatchTime.now() + .milliseconds(ms)
        while true {
            if let pid = readAgentPid(name) { return pid }
            if Sys.stat(store.launchErrorPath(name)) != nil { return nil }
            if written.wait(timeout: deadline) == .timedOut { return readAgentPid(name) }
        }
    }

    /// The agent starts once its setup is done: its pid is recorded then (the launcher
    /// writes agent.pid, which inotify on the session's folder sees).
    private func awaitSetup(_ s: LiveSession) {
        let name = s.name
        let generation = s.with { $0.handles.generation }
        let holder = WatchHolder()
        let check: @Sendable () -> Void = { [weak self, weak s] in
            guard let self, let s else { return }
            s.queue.async { [self] in
                let current = s.with { $0.handles.generation == generation && $0.machine.record.state == .starting && $0.machine.record.pid == nil }
                let agent = readAgentPid(name)
                let failed = Sys.stat(store.launchErrorPath(name)) != nil
                guard !current || agent != nil || failed else { return }  // setup still runs
                guard let wd = holder.take() else { return }
                watcher.unwatchWrites(wd)
                if current, let agent { step(s, .setupDone(pid: agent), .queue(uid: getuid())) }
            }
        }
        holder.wd = watcher.watchNames(in: store.sessionDir(name), ["agent.pid", "launch-error"], check)
        check()  // it may have come before the watch
    }

    func readAgentPid(_ name: String) -> pid_t? {
        guard let b = Sys.readFile(store.agentPidPath(name)) else { return nil }
        return pid_t(String(decoding: b, as: UTF8.self).trimmingWhitespace())
    }

    /// Why `dir` cannot be an agent's directory, or nil when it can.
    static func badDir(_ dir: String) -> String? {
        guard let info = Sys.stat(dir) else { return String(cString: strerror(errno)) }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "Not a directory" }
        guard access(dir, X_OK) == 0 else { return String(cString: strerror(errno)) }
        return nil
    }
}
