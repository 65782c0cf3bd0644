import Foundation
import HiveCore

extension Hive {
    // MARK: adoption

    /// Reads every session back from disk and matches it with tmux: a live agent
    /// is watched again, one that ended while hivefs was down gets its exit, and
    /// one whose tmux session is gone (a reboot) is `exited` with reason `lost`.
    func adoptAll() {
        let panes = tmux.panes()
        // Each session's files are its own: they are read back side by side.
        let names = store.sessionNames()
        let loaded = Loaded(count: names.count)
        let catalog = agents()
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            let links = store.setAsideLinks(names[i])
            loaded.set(i, store.loadRecord(names[i]).map {
                (LiveSession(record: $0.record, adapter: catalog.adapterOrMissing($0.record.spec.agent)), $0.replayed, links)
            })
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
            // `new` with a pane: the daemon died while launching it; adopt it too.
            guard record.state.isLive || (record.state == .new && panes[name] != nil) else { continue }
            s.queue.async { [self] in adopt(s, pane: panes[name]) }
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

    private func adopt(_ s: LiveSession, pane: Tmux.Pane?) {
        let name = s.name
        s.ingest.sync {}  // the catch-up `follow` queued is done
        lock.lock(); let known = s.record; lock.unlock()
        guard let pane else {
            let wasLive = known.state.isLive
            stateEvent(s, .exited, detail: "lost", reason: "lost")
            // `restore = true`: back in the same folder, worktree and conversation.
            if config.restore && wasLive {
                emit(s, Event(session: name, kind: EventKind.control, detail: "restart (restore)"), durable: true)
                launch(s)
            }
            return
        }
        let agent = readAgentPid(name) ?? known.pid
        if known.state == .new {
            stateEvent(s, .starting, detail: "pid \(agent.map(String.init) ?? "-")", pid: agent)
        }
        if pane.dead {
            finishExit(s, pane: pane)
            return
        }
        lock.lock(); s.generation += 1; let gen = s.generation; s.panePid = pane.pid; lock.unlock()
        emit(s, Event(session: name, kind: EventKind.adopted, detail: "pid \(agent.map(String.init) ?? "-")", pid: agent), durable: true)
        watchGit(s)
        watchLog(s)
        watchExit(s, pid: pane.pid, generation: gen)
        scheduleQuietCheck(s, afterMS: config.quietAfterMS)
        scheduleReap(s)
    }

    // MARK: launching

    /// Starts the agent of a session whose spec is checked. A bad dir or a failed
    /// tmux call makes the session `failed` with the reason; it does not throw.
    func launch(_ s: LiveSession) {
        let (spec, name) = { lock.lock(); defer { lock.unlock() }; return (s.record.spec, s.name) }()
        // tmux appends the terminal's output with `cat >>`, which would follow a link.
        for why in store.setAsideLinks(name) { errorEvent(name, HiveError(.tooManySymbolicLinkLevels, why), uid: getuid()) }
        let dir = spec.dir.isEmpty ? config.home : spec.dir
        if let why = Hive.badDir(dir) {
            stateEvent(s, .failed, detail: "bad dir: \(dir): \(why)", reason: "bad dir: \(dir): \(why)")
            return
        }
        let workdir: String
        let madeWorktree: Bool
        switch workplace(s, spec: spec, dir: dir) {
        case .success(let w): (workdir, madeWorktree) = w
        case .failure(let e):
            stateEvent(s, .failed, detail: e.reason, reason: e.reason)
            return
        }
        // Without a worktree, in a repository: what changed is counted from HEAD at the first start.
        lock.lock(); let record = s.record; lock.unlock()
        let repository = spec.wantsWorktree || record.repo != nil ? nil : repositoryFacts(dir)
        // The agent as its definition says now (a file edited since is read again).
        let adapter = agents().adapterOrMissing(spec.agent)
        lock.lock(); s.adapter = adapter; lock.unlock()
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
            stateEvent(s, .failed, detail: error.reason, reason: error.reason)
            return
        }
        unlink(store.launchErrorPath(name))
        unlink(store.agentPidPath(name))
        unlink(store.exitStatusPath(name))
        // A summary is of an ended run; this one starts again.
        unlink(store.sessionDir(name) + "/summary")
        unlink(store.sessionDir(name) + "/summary.json")
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
            let why = error.hive("cannot write \(store.environPath(name))").reason
            stateEvent(s, .failed, detail: why, reason: why)
            return
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
            stateEvent(s, .failed, detail: error.reason, reason: error.reason)
            return
        }
        lock.lock()
        s.generation += 1
        let gen = s.generation
        s.toldRefusedSettings = false
        s.hooksAtLaunch = s.record.hookOffset
        s.output = nil
        s.outputMS = Sys.monotonicMS()
        s.beforePause = .idle
        s.panePid = pid
        lock.unlock()
        // The launcher writes the agent's pid as soon as it has started it (after setup).
        var agent: pid_t?
        let deadline = Sys.monotonicMS() + (setup.isEmpty ? 2000 : 300)
        while agent == nil && Sys.monotonicMS() < deadline {
            agent = readAgentPid(name)
            if agent == nil {
                if Sys.stat(store.launchErrorPath(name)) != nil { break }
                Sys.sleep(ms: 2)
            }
        }
        var detail = "pid \(agent.map(String.init) ?? "-")" + plan.detail
        if !setup.isEmpty && agent == nil { detail += " (setup: \(spec.setup))" }
        stateEvent(s, .starting, detail: detail, pid: agent, value: CommandLineWords.join(argv),
                   agentSession: plan.agentSession, transcript: plan.transcript) { e in
            e.workdir = workdir
            if let repository { e.repo = repository.repo; e.base = repository.head; e.head = repository.head }
        }
        if !setup.isEmpty && agent == nil { awaitAgentPid(s, generation: gen) }
        watchGit(s)
        gitChanged(s)
        watchExit(s, pid: pid, generation: gen)
        scheduleQuietCheck(s, afterMS: config.quietAfterMS)
        if adapter.typesPrompt(spec, plan.launch), !spec.prompt.isEmpty {
            Sys.sleep(ms: config.sendEnterDelayMS)
            try? type(s, spec.prompt)
        }
    }

    /// The agent starts once its setup is done: its pid is recorded then (the launcher
    /// writes agent.pid, which inotify on the session's folder sees).
    private func awaitAgentPid(_ s: LiveSession, generation: Int) {
        let name = s.name
        let holder = WatchHolder()
        let check: @Sendable () -> Void = { [weak self, weak s] in
            guard let self, let s else { return }
            s.queue.async { [self] in
                lock.lock(); let current = s.generation == generation && s.record.state == .starting && s.record.pid == nil; lock.unlock()
                let agent = readAgentPid(name)
                let failed = Sys.stat(store.launchErrorPath(name)) != nil
                guard !current || agent != nil || failed else { return }  // setup still runs
                guard let wd = holder.take() else { return }
                watcher.unwatchWrites(wd)
                if current, let agent { stateEvent(s, .starting, detail: "pid \(agent) (setup done)", pid: agent) }
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

    private func watchLog(_ s: LiveSession) {
        lock.lock(); let has = s.logWatch != nil; lock.unlock()
        guard !has else { return }
        let wd = watcher.watchWrites(store.logPath(s.name)) { [weak self, weak s] in
            guard let self, let s else { return }
            self.terminalOutput(s)
        }
        lock.lock(); s.logWatch = wd; lock.unlock()
    }

    private func watchExit(_ s: LiveSession, pid: pid_t, generation: Int) {
        do {
            let fd = try Sys.pidfdOpen(pid)
            let token = watcher.watchExit(pidfd: fd) { [weak self, weak s] in
                guard let self, let s else { return }
                s.queue.async { self.agentExited(s, generation: generation) }
            }
            lock.lock(); s.pidfd = (fd, token); lock.unlock()
        } catch {
            s.queue.async { [self] in agentExited(s, generation: generation) }
        }
    }

    // MARK: activity

    /// The terminal printed something: `working` now, `idle` once it has been quiet.
    func terminalOutput(_ s: LiveSession) {
        let now = Timestamp.now()
        lock.lock()
        s.output = now
        s.outputMS = Sys.monotonicMS()
        let state = s.record.state
        let reports = s.adapter.reportsTurns
        lock.unlock()
        // A shell agent reports nothing: anything it prints may have changed files.
        if !reports { gitChanged(s) }
        // An agent that reports its state is not `working` because its terminal printed
        // (a person typing prints too); its quiet only makes hivefs look at the screen.
        if !reports && (state == .new || state == .starting || state == .idle) {
            s.queue.async { [self] in
                lock.lock(); let st = s.record.state; let since = s.record.stateSince; let adapter = s.adapter; lock.unlock()
                guard st == .starting || st == .idle else { return }
                // Aider notifies before it draws its prompt: that drawing is not work.
                if adapter.drawsAfterReport && st == .idle && now.milliseconds - since.milliseconds < Int64(config.quietAfterMS) { return }
                stateEvent(s, .working, durable: false)
            }
        }
        scheduleQuietCheck(s, afterMS: config.quietAfterMS)
    }

    func scheduleQuietCheck(_ s: LiveSession, afterMS: Int) {
        lock.lock()
        if s.quietCheckPending { lock.unlock(); return }
        s.quietCheckPending = true
        lock.unlock()
        watcher.after(ms: afterMS) { [weak self, weak s] in
            guard let self, let s else { return }
            self.quietCheck(s)
        }
    }

    private func quietCheck(_ s: LiveSession) {
        lock.lock()
        s.quietCheckPending = false
        let quietFor = Sys.monotonicMS() - s.outputMS
        let state = s.record.state
        let hadOutput = s.output != nil
        let adapter = s.adapter
        lock.unlock()
        let reports = adapter.reportsTurns
        let asks = adapter.asksOnScreen
        guard state == .working || state == .starting || (reports && state == .waiting) || (asks && state == .idle && hadOutput)
        else { return }
        // Quiet is counted from the last output, or from the launch: a check left over
        // from the agent's previous run must not read the new one's screen at once
        // (Claude Code redraws the conversation it resumes before it takes input).
        if quietFor < Int64(config.quietAfterMS) {
            // Codex prints all through a turn and reports only its end: look while it prints.
            if hadOutput, let runtime = adapter as? any AgentRuntime, runtime.watchesWhilePrinting {
                s.ingest.async { [self] in runtime.whilePrinting(self, s) }
            }
            scheduleQuietCheck(s, afterMS: config.quietAfterMS - Int(quietFor))
            return
        }
        // Idle, the terminal printed and went quiet: a question may have come up
        // without a report (Claude Code's start-up questions).
        if state == .idle {
            s.ingest.async { [self] in if let text = tmux.capture(s.name) { noteQuestion(s, screen: text) } }
            return
        }
        if reports {
            s.ingest.async { [self] in reconcileWithScreen(s) }
            return
        }
        s.queue.async { [self] in
            lock.lock()
            let st = s.record.state, q = Sys.monotonicMS() - s.outputMS, out = s.output != nil, adapter = s.adapter
            lock.unlock()
            guard st == .working || st == .starting, !out || q >= Int64(config.quietAfterMS) else { return }
            // An agent may wait quietly at a question too (Aider's yes/no); its screen says
            // which. Quiet anywhere but at rest (Aider importing as it starts), it is not idle yet.
            if adapter.readsQuietScreen, let text = tmux.capture(s.name) {
                if adapter.question(on: text) != nil {
                    s.ingest.async { [self] in noteQuestion(s, screen: text) }
                    return
                }
                if !adapter.atRest(text) { return }
            }
            stateEvent(s, .idle, durable: false)
        }
    }

    // MARK: ending

    /// The agent's process ended (seen through its pidfd).
    func agentExited(_ s: LiveSession, generation: Int) {
        lock.lock()
        let current = s.generation == generation && s.record.state.isLive
        lock.unlock()
        guard current else { return }
        finishExit(s, pane: tmux.pane(s.name))
    }

    /// Records how the agent ended, keeps its last screen and closes its terminal.
    func finishExit(_ s: LiveSession, pane: Tmux.Pane?) {
        let name = s.name
        s.ingest.sync { ingestHooks(s) }  // its last reports come before its end
        if let text = tmux.capture(name) { store.writeSessionFile(name, "screen", text) }
        tmux.killSession(name)
        closeWatches(s)
        if let report = Sys.readFile(store.launchErrorPath(name)) {
            let why = String(decoding: report, as: UTF8.self).trimmingWhitespace()
            stateEvent(s, .failed, detail: why, exit: pane?.status ?? 127, reason: why)
            return
        }
        // How it ended: the launcher's record first, tmux's dead pane second.
        let ended: (status: Int32?, signal: Int32?)
        if let recorded = readExitStatus(name) {
            ended = recorded
        } else if let pane, pane.dead {
            ended = (pane.status, pane.signal)
        } else {
            stateEvent(s, .exited, detail: "lost", reason: "lost")
            return
        }
        if let sig = ended.signal, sig > 0, ended.status == nil {
            let code = 128 + sig
            stateEvent(s, .exited, detail: "\(code) signal \(sig)", exit: code, reason: "signal \(sig)")
        } else if let code = ended.status {
            stateEvent(s, .exited, detail: "\(code)", exit: code)
        } else {
            stateEvent(s, .exited, detail: "exit status unknown", reason: "exit status unknown")
        }
    }

    func closeWatches(_ s: LiveSession) {
        lock.lock()
        s.generation += 1
        let fd = s.pidfd, wd = s.logWatch
        s.pidfd = nil
        s.logWatch = nil
        lock.unlock()
        if let fd { watcher.unwatchExit(pidfd: fd.fd, token: fd.token) }
        if let wd { watcher.unwatchWrites(wd) }
    }

    /// Ends the agent: TERM to the whole tree, KILL after the grace period, waits
    /// until no process is left, then closes the terminal.
    func terminate(_ s: LiveSession, reason: String) throws(HiveError) {
        let name = s.name
        lock.lock(); let scope = s.scope; s.generation += 1; lock.unlock()
        if let text = tmux.capture(name) { store.writeSessionFile(name, "screen", text) }
        var failure: HiveError?
        if let scope {
            do { try ProcessTree.terminate(scope, graceMS: config.killGraceMS) } catch { failure = error }
        }
        tmux.killSession(name)
        closeWatches(s)
        stateEvent(s, .killed, detail: reason, reason: reason)
        if let failure { throw failure }
    }
}
