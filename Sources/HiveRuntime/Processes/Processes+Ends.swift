import Foundation
import HiveCore

/// Watching a running agent and ending it: its pidfd and terminal output, its exit
/// as the launcher recorded it, a kill of its whole process tree.
extension Processes {
    // MARK: watching

    /// After a start or an adoption: the agent's end (pidfd), its terminal, its git work tree.
    func watchAgent(_ s: LiveSession) {
        gitView.watch(s)
        watchLog(s)
        let (pane, generation) = s.with { ($0.handles.panePid, $0.handles.generation) }
        guard let pane else { return }
        // A restarted daemon finds the agent's cgroup from the launcher's.
        if case .success(let cgroups) = parts.cgroups, s.with({ $0.handles.cgroup == nil }),
           let found = SessionCgroup.of(pid: pane, in: cgroups, name: s.name) {
            s.with { $0.handles.cgroup = found }
            // What the record says holds: a daemon that crashed between the kernel and the log is caught up.
            do throws(HiveError) { try found.apply(s.record.limits) } catch {
                parts.machines.refused(s.name, HiveError(error.errno, "the limits recorded could not be set again: \(error.reason)"))
            }
        }
        watchOOM(s, generation: generation)
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

    func watchLog(_ s: LiveSession) {
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

    /// Keeps the terminal's last screen, plain (`screen`) and with its colours
    /// (`screen.ansi`), for the session's files once its terminal is gone.
    func keepScreen(_ name: String) {
        if let text = tmux.capture(name) { store.writeSessionFile(name, "screen", text) }
        if let text = tmux.capture(name, colours: true) { store.writeSessionFile(name, "screen.ansi", text) }
    }

    /// Keeps the last screen of an agent that ended, closes its terminal, and says how it ended.
    func finishExit(_ s: LiveSession) -> Ending {
        let name = s.name
        s.ingest.sync { reports.ingestHooks(s) }  // its last reports come before its end
        let pane = tmux.pane(name)
        keepScreen(name)
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
        let status = how.status ?? how.paneStatus, signal = how.signal ?? how.paneSignal
        how.oom = closeCgroup(s, agentKilled: signal == SIGKILL || status == 128 + SIGKILL)
        return how
    }

    func closeWatches(_ s: LiveSession) {
        let (fd, wd, oom) = s.with { inside in
            inside.handles.generation += 1
            defer { inside.handles.pidfd = nil; inside.handles.logWatch = nil; inside.handles.oomWatch = nil }
            return (inside.handles.pidfd, inside.handles.logWatch, inside.handles.oomWatch)
        }
        if let fd { watcher.unwatchExit(pidfd: fd.fd, token: fd.token) }
        if let wd { watcher.unwatchWrites(wd) }
        switch oom {
        case .eventfd(let fd, let token): watcher.unwatchExit(pidfd: fd, token: token)
        case .inotify(let wd): watcher.unwatchWrites(wd)
        case nil: break
        }
    }

    /// Tells the machine of each OOM kill in the agent's cgroup as the kernel reports
    /// it: a v1 eventfd (armed again after each), or inotify on v2's `memory.events`.
    func watchOOM(_ s: LiveSession, generation: Int) {
        guard let cgroup = s.with({ $0.handles.cgroup }) else { return }
        let check: @Sendable () -> Void = { [weak self, weak s] in
            guard let self, let s else { return }
            s.queue.async { [self] in
                guard s.with({ $0.handles.generation == generation }), let count = cgroup.counters()?.oom, count > 0 else { return }
                step(s, .oomKilled(count: count), .queue(uid: getuid()))
            }
        }
        if let file = cgroup.oomEventsFile {
            if let wd = watcher.watchWrites(file, check) { s.with { $0.handles.oomWatch = .inotify(wd) } }
        } else if let efd = cgroup.oomEventFd() {
            let token = watcher.watchExit(pidfd: efd) { [weak self, weak s] in
                check()
                // Armed again on the session's queue (it writes a cgroup file), for this run only.
                guard let self, let s else { return }
                s.queue.async { [self] in
                    guard s.with({ $0.handles.generation == generation && $0.handles.cgroup == cgroup }) else { return }
                    watchOOM(s, generation: generation)
                }
            }
            let current = s.with { inside -> Bool in
                guard inside.handles.generation == generation else { return false }
                inside.handles.oomWatch = .eventfd(fd: efd, token: token)
                return true
            }
            if !current { watcher.unwatchExit(pidfd: efd, token: token) }
        }
        check()  // one that came before the watch
    }

    /// Records what the run used (its cgroup's counters) and removes its cgroup;
    /// says whether the kernel's OOM killer ended the agent (`signal` 9 or a shell's 137).
    /// A run that ended while no daemon watched it left its cgroup under its name: that one.
    @discardableResult
    func closeCgroup(_ s: LiveSession, agentKilled: Bool) -> Bool {
        var left: SessionCgroup?
        if case .success(let cgroups) = parts.cgroups {
            let named = cgroups.session(s.name)
            if Sys.stat(named.shown) != nil { left = named }
        }
        guard let cgroup = s.with({ $0.handles.cgroup }) ?? left else { return false }
        let usage = cgroup.usage()
        if let usage {
            if usage.oom > s.record.oomKills { step(s, .oomKilled(count: usage.oom)) }
            step(s, .usage(usage))
        }
        cgroup.remove(graceMS: config.killGraceMS)
        s.with { $0.handles.cgroup = nil }
        return agentKilled && (usage?.oom ?? 0) > 0
    }

    /// Ends the agent: TERM to the whole tree, KILL after the grace period, waits
    /// until no process is left, then closes the terminal. Returns why it could not.
    func terminate(_ s: LiveSession) -> HiveError? {
        let name = s.name
        let scope = s.with { inside in
            inside.handles.generation += 1
            return inside.handles.scope(inside.machine.record)
        }
        keepScreen(name)
        var failure: HiveError?
        let cgroup = s.with { $0.handles.cgroup }
        // A frozen v1 task acts on no signal, not even KILL: thawed first.
        if let cgroup, cgroup.isFrozen { _ = try? cgroup.thaw() }
        if let scope {
            // What the kernel lists in its cgroup is the session's too, however it left the tree.
            let extra = Set(cgroup?.pids ?? []).subtracting([scope.leader].compactMap { $0 })
            do { try ProcessTree.terminate(scope, graceMS: config.killGraceMS, extra: extra) } catch { failure = error }
        }
        tmux.killSession(name)
        closeWatches(s)
        closeCgroup(s, agentKilled: false)
        return failure
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
}
