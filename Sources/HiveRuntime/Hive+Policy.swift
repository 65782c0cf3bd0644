import Foundation
import HiveCore

/// Policies that end or stop a session by themselves: the idle timeout, the budget.
extension Hive {
    /// Freezes a session's processes and records `paused` (by `pause`, or a budget).
    func freeze(_ s: LiveSession, scope: ProcessTree.Scope, state: SessionState, pid: Int32?, reason: String?) throws(HiveError) {
        _ = try ProcessTree.freeze(scope)
        lock.lock(); s.beforePause = state == .starting ? .idle : state; lock.unlock()
        stateEvent(s, .paused, pid: pid, reason: reason)
    }

    /// Pauses (or kills, as configured) a session whose tokens or cost passed its
    /// budget, once per budget set. Runs on the session's queue.
    func enforceBudget(_ s: LiveSession) {
        s.queue.async { [self] in
            lock.lock()
            let r = s.record
            let ctx = context(s, now: .now())
            let scope = s.scope
            lock.unlock()
            guard let b = r.budget, !r.budgetSpent, r.state.isLive, r.state != .paused,
                  StatusRenderer.overBudget(r, ctx), let l = ctx.ledger else { return }
            let spent: String
            switch b {
            case .tokens(let n): spent = "\(l.total.input + l.total.output) tokens of \(n)"
            case .usd(let d): spent = "$\(JSONWriter.money(l.cost(ctx.prices).usd)) of $\(JSONWriter.money(d))"
            }
            var e = Event(session: r.name, kind: EventKind.policy, detail: "budget spent: \(spent)")
            e.key = "budget.spent"
            emit(s, e, durable: true)
            do throws(HiveError) {
                if config.budgetKills {
                    try terminate(s, reason: "budget: \(spent)")
                } else if let scope {
                    try freeze(s, scope: scope, state: r.state, pid: r.pid, reason: "budget: \(spent)")
                }
            } catch {
                log.error("\(r.name): the budget could not stop it: \(error)")
            }
        }
    }

    /// Arms the idle timeout of a session that is idle or waiting: when it fires, the
    /// session is ended as by `kill` if it has not changed state meanwhile. Time spent
    /// paused does not count: the clock starts again with each change of state.
    func scheduleReap(_ s: LiveSession) {
        lock.lock()
        let r = s.record
        let ctx = context(s, now: .now())
        lock.unlock()
        guard let timeout = StatusRenderer.idleTimeout(r, ctx), r.state == .idle || r.state == .waiting else { return }
        let left = timeout * 1000 - (ctx.now.milliseconds - r.stateSince.milliseconds)
        let version = r.stateVersion
        watcher.after(ms: Int(clamping: max(0, left))) { [weak self, weak s] in
            guard let self, let s else { return }
            s.queue.async { self.reap(s, stateVersion: version) }
        }
    }

    private func reap(_ s: LiveSession, stateVersion: UInt64) {
        lock.lock()
        let r = s.record
        let ctx = context(s, now: .now())
        lock.unlock()
        guard r.stateVersion == stateVersion, r.state == .idle || r.state == .waiting,
              let timeout = StatusRenderer.idleTimeout(r, ctx) else { return }
        // A new timeout may be longer: then this one is not due yet.
        guard r.stateSince.seconds(until: ctx.now) >= timeout else { return scheduleReap(s) }
        var e = Event(session: r.name, kind: EventKind.policy,
                      detail: "idle-timeout fired: \(r.state.rawValue) for \(timeout)s")
        e.key = "idle-timeout.fired"
        emit(s, e, durable: true)
        do { try terminate(s, reason: "idle-timeout") } catch {
            log.error("\(r.name): idle-timeout could not end it: \(error)")
        }
    }
}

/// Notifications: the config's `[on]` commands, run on state changes.
extension Hive {
    /// Runs the `[on]` commands for a change of state: the new state's, then `any`'s.
    /// A command is the user's own shell line, run with `sh -c`; the session's facts
    /// reach it only through its environment, never spliced into the line. It runs
    /// off every session's queue, is killed after `onTimeoutMS`, and a failure is
    /// logged and changes nothing else.
    func runOn(from previous: SessionState, to r: SessionRecord) {
        let commands = [config.onCommands[r.state.rawValue], config.onCommands["any"]].compactMap { $0 }
        guard !commands.isEmpty else { return }
        var env = ProcessInfo.processInfo.environment
        env["HIVE_SESSION"] = r.name
        env["HIVE_STATE"] = r.state.rawValue
        env["HIVE_PREVIOUS"] = previous.rawValue
        env["HIVE_REASON"] = r.reason ?? ""
        env["HIVE_MOUNT"] = config.mountpoint
        let timeout = config.onTimeoutMS
        for command in commands {
            notifyQueue.async { [log, env] in
                let res = Spawn.run(["/bin/sh", "-c", command], environment: env, timeoutMS: timeout)
                guard !res.ok else { return }
                let said = (res.stderr + res.stdout).split(separator: "\n").suffix(3).joined(separator: " | ")
                let how = res.status == 128 + SIGKILL ? "was killed after \(timeout / 1000) s" : "exited \(res.status)"
                log.warning("[on] \(r.state.rawValue) for \(r.name): '\(command)' \(how)\(said.isEmpty ? "" : ": " + said)")
            }
        }
    }
}
