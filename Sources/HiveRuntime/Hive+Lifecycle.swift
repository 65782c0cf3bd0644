import Foundation
import HiveCore

/// Starting, adopting and ending agents: the work behind the machine's `launch`,
/// `watch`, `terminate` and `finishExit` effects, and the facts it is told.
extension Hive {
    // MARK: adoption

    /// Reads every session back from disk and matches it with tmux: each machine is
    /// told what tmux says (`.adopt`), after the reports written while no daemon ran.
    func adoptAll() {
        let panes = tmux.panes()
        // Each session's files are its own: they are read back side by side.
        let names = store.sessionNames()
        let loaded = Loaded(count: names.count)
        let catalog = agents()
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            let links = store.setAsideLinks(names[i])
            loaded.set(i, store.loadRecord(names[i]).map { (LiveSession(machine: machine($0.record, agents: catalog)), $0.replayed, links) })
        }
        for (i, name) in names.enumerated() {
            guard let (s, replayed, links) = loaded.get(i) else {
                // A crash between making the folder and recording `created`: set it aside
                // (a name starting with '.' is never a session) so the name is free again.
                let aside = store.sessionsDir + "/.unreadable-\(name)-\(Timestamp.now().milliseconds)"
                log.warning("session \(name) has no readable log; moved to \(aside)")
                try? Sys.rename(store.sessionDir(name), aside)
                continue
            }
            let record = s.record
            // A long replay is saved, so the next start need not do it again.
            if replayed >= Hive.replaySaveThreshold { saveRecord(s) }
            loadLedger(s)
            lock.lock(); sessions[name] = s; lock.unlock()
            for why in links { errorEvent(name, HiveError(.tooManySymbolicLinkLevels, why), uid: getuid()) }
            // Reports written while no daemon ran become events first, then tmux is asked.
            follow(s)
            guard record.state.isLive || (record.state == .new && panes[name] != nil) else { continue }
            s.queue.async { [self] in
                s.ingest.sync {}  // the catch-up `follow` queued is done
                let pane = panes[name]
                if let pane { s.with { $0.handles.panePid = pane.pid } }
                step(s, .adopt(Adoption(pane: pane != nil, dead: pane?.dead == true, agentPid: readAgentPid(name),
                                        restore: config.restore)), .queue(uid: getuid()))
            }
        }
    }

    /// Events replayed at start past which the record is saved at once.
    static let replaySaveThreshold = 1000

    /// The sessions read back at start, by index, filled from several threads.
    private final class Loaded: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [(LiveSession, Int, [String])?]
        init(count: Int) { items = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ v: (LiveSession, Int, [String])?) { lock.lock(); items[i] = v; lock.unlock() }
        func get(_ i: Int) -> (LiveSession, Int, [String])? { lock.lock(); defer { lock.unlock() }; return items[i] }
    }

    // MARK: launching

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
        for why in store.setAsideLinks(name) { errorEvent(name, HiveError(.tooManySymbolicLinkLevels, why), uid: getuid()) }
        let dir = spec.dir.isEmpty ? config.home : spec.dir
        if let why = Hive.badDir(dir) { return step(s, .launchFailed("bad dir: \(dir): \(why)"), place) }
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
            setup = madeWorktree && !spec.setup.isEmpty ? try CommandLineWords.split(spec.setup) : []
            if let runtime = adapter as? any AgentRuntime { try runtime.prepare(self, s, &plan) }
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
        let launch = Tmux.Launch(
            name: name, dir: workdir, environment: env,
            argv: [config.executable, "launch", "--report", store.launchErrorPath(name),
                   "--pidfile", store.agentPidPath(name), "--statusfile", store.exitStatusPath(name),
                   "--environ", store.environPath(name),
                   "--dir", workdir] + setup.flatMap { ["--setup", $0] } + ["--"] + argv,
            logPath: store.logPath(name))
        watchLog(s)
        let pid: pid_t
        do {
            pid = try tmux.start(launch)
        } catch {
            return step(s, .launchFailed(error.reason), place)
        }
        s.with { inside in
            inside.handles.generation += 1
            inside.handles.panePid = pid
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
        gitChanged(s)
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

    /// The launcher's `exit N` or `signal N`, if it wrote one.
    func readExitStatus(_ name: String) -> (status: Int32?, signal: Int32?)? {
        guard let b = Sys.readFile(store.exitStatusPath(name)) else { return nil }
        let words = String(decoding: b, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.count == 2, let n = Int32(words[1]) else { return nil }
        switch words[0] {
        case "exit": return (n, nil)
        case "signal": return (nil, n)
        default: return nil
        }
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

    /// Types text literally, then Enter as a separate key after a short pause.
    func type(_ s: LiveSession, _ text: String) throws(HiveError) {
        let name = s.name
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.isEmpty { try tmux.sendLiteral(name, String(line)) }
            Sys.sleep(ms: config.sendEnterDelayMS)
            try tmux.sendKeys(name, ["Enter"])
        }
    }

    // MARK: watching

    /// After a start or an adoption: the agent's end (pidfd), its terminal, its git work tree.
    func watchAgent(_ s: LiveSession) {
        watchGit(s)
        watchLog(s)
        let (pane, generation) = s.with { ($0.handles.panePid, $0.handles.generation) }
        guard let pane else { return }
        do {
            let fd = try Sys.pidfdOpen(pane)
            let token = watcher.watchExit(pidfd: fd) { [weak self, weak s] in
                guard let self, let s else { return }
                s.queue.async { self.agentExited(s, generation: generation) }
            }
            s.with { $0.handles.pidfd = (fd, token) }
        } catch {
            s.queue.async { [self] in agentExited(s, generation: generation) }
        }
    }

    private func watchLog(_ s: LiveSession) {
        guard s.with({ $0.handles.logWatch == nil }) else { return }
        let wd = watcher.watchWrites(store.logPath(s.name)) { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.step(s, .output, .ingest) }
        }
        s.with { $0.handles.logWatch = wd }
    }

    // MARK: ending

    /// The agent's process ended (seen through its pidfd).
    func agentExited(_ s: LiveSession, generation: Int) {
        let current = s.with { $0.handles.generation == generation && $0.machine.record.state.isLive }
        guard current else { return }
        step(s, .ended(finishExit(s)), .queue(uid: getuid()))
    }

    /// Keeps the last screen of an agent that ended, closes its terminal, and says how it ended.
    func finishExit(_ s: LiveSession) -> Ending {
        let name = s.name
        s.ingest.sync { ingestHooks(s) }  // its last reports come before its end
        let pane = tmux.pane(name)
        if let text = tmux.capture(name) { store.writeSessionFile(name, "screen", text) }
        tmux.killSession(name)
        closeWatches(s)
        var how = Ending()
        if let report = Sys.readFile(store.launchErrorPath(name)) {
            how.launchError = String(decoding: report, as: UTF8.self).trimmingWhitespace()
        }
        if let recorded = readExitStatus(name) { (how.status, how.signal) = recorded }
        how.paneDead = pane?.dead == true
        how.paneStatus = pane?.status
        how.paneSignal = pane?.signal
        return how
    }

    func closeWatches(_ s: LiveSession) {
        let (fd, wd) = s.with { inside in
            inside.handles.generation += 1
            defer { inside.handles.pidfd = nil; inside.handles.logWatch = nil }
            return (inside.handles.pidfd, inside.handles.logWatch)
        }
        if let fd { watcher.unwatchExit(pidfd: fd.fd, token: fd.token) }
        if let wd { watcher.unwatchWrites(wd) }
    }

    /// Ends the agent: TERM to the whole tree, KILL after the grace period, waits
    /// until no process is left, then closes the terminal. Returns why it could not.
    func terminate(_ s: LiveSession) -> HiveError? {
        let name = s.name
        let scope = s.with { inside in
            inside.handles.generation += 1
            return inside.handles.scope(inside.machine.record)
        }
        if let text = tmux.capture(name) { store.writeSessionFile(name, "screen", text) }
        var failure: HiveError?
        if let scope {
            do { try ProcessTree.terminate(scope, graceMS: config.killGraceMS) } catch { failure = error }
        }
        tmux.killSession(name)
        closeWatches(s)
        return failure
    }
}
