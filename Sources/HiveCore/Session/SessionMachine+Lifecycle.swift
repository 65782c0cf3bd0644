/// Starting, adopting and ending: what each records.
extension SessionMachine {
    /// The agent runs: `starting`, and its reports are counted from here.
    mutating func launched(_ l: Launched, _ out: inout Effects) {
        live.hooksAtLaunch = record.hookOffset
        live.toldRefusedReports = false
        live.output = nil
        live.outputMS = out.now.ms
        enter(.starting, detail: "pid \(l.pid.map(String.init) ?? "-")" + l.detail, pid: l.pid, value: l.commandLine, &out) { e in
            e.agentSession = l.agentSession
            e.transcript = l.transcript
            e.workdir = l.workdir
            if let repo = l.repo { e.repo = repo; e.base = l.head; e.head = l.head }
        }
        // An agent that reports nothing and printed as it started is working.
        if live.printedWhileLaunching && !adapter.reportsTurns { enter(.working, durable: false, &out) }
        live.launching = false
        live.printedWhileLaunching = false
        live.attached = true
        out.add(.watch)
        armQuiet(afterMS: settings.quietAfterMS, &out)
        if l.typesPrompt && !record.spec.prompt.isEmpty { out.add(.type(record.spec.prompt)) }
    }

    /// How the agent ended: the launcher's record first, tmux's dead pane second.
    mutating func ended(_ how: Ending, _ out: inout Effects) {
        guard record.state.isLive || record.state == .new else { return }
        if let why = how.launchError {
            return enter(.failed, detail: why, exit: how.paneStatus ?? 127, reason: why, &out)
        }
        let status: Int32?, signal: Int32?
        if how.status != nil || how.signal != nil {
            (status, signal) = (how.status, how.signal)
        } else if how.paneDead {
            (status, signal) = (how.paneStatus, how.paneSignal)
        } else {
            return enter(.exited, detail: "lost", reason: "lost", &out)
        }
        if how.oom {
            let code = signal.map { 128 + $0 } ?? status
            enter(.exited, detail: "\(code.map(String.init) ?? "-") oom", exit: code, reason: "oom", &out)
        } else if let sig = signal, sig > 0, status == nil {
            let code = 128 + sig
            enter(.exited, detail: "\(code) signal \(sig)", exit: code, reason: "signal \(sig)", &out)
        } else if let code = status {
            enter(.exited, detail: "\(code)", exit: code, &out)
        } else {
            enter(.exited, detail: "exit status unknown", reason: "exit status unknown", &out)
        }
    }

    /// At mount: a live agent is watched again, one that ended while hivefs was down
    /// gets its exit, and one whose terminal is gone (a reboot) is `exited` with
    /// reason `lost` (and started again with `restore = true`). A watched agent may
    /// be typed queued prompts from here on (`adoptQueue`).
    mutating func adopt(_ a: Adoption, _ out: inout Effects) {
        let wasLive = record.state.isLive
        guard wasLive || (record.state == .new && a.pane) else { return }
        guard a.pane else {
            enter(.exited, detail: "lost", reason: "lost", &out)
            if a.restore && wasLive {
                emit(Event(time: out.now.wall, session: name, kind: EventKind.control, detail: "restart (restore)"), durable: true, &out)
                launch(&out)
            }
            return
        }
        let agent = a.agentPid ?? record.pid
        if record.state == .new { enter(.starting, detail: "pid \(agent.map(String.init) ?? "-")", pid: agent, &out) }
        if a.dead { return out.add(.finishExit) }
        live.outputMS = out.now.ms
        emit(Event(time: out.now.wall, session: name, kind: EventKind.adopted, detail: "pid \(agent.map(String.init) ?? "-")", pid: agent),
             durable: true, &out)
        adoptQueue(&out)
        out.add(.watch)
        armQuiet(afterMS: settings.quietAfterMS, &out)
        armReap(&out)
    }
}

/// Policies that end or stop a session by themselves: the idle timeout, the budget.
extension SessionMachine {
    /// Arms the idle timeout of a session that is idle or waiting: when it fires, the
    /// session is ended as by `kill` if it has not changed state meanwhile. Time spent
    /// paused does not count: the clock starts again with each change of state.
    mutating func armReap(_ out: inout Effects) {
        let ctx = context(out.now.wall)
        guard let timeout = StatusRenderer.idleTimeout(record, ctx), record.state == .idle || record.state == .waiting else { return }
        let left = timeout * 1000 - (out.now.wall.milliseconds - record.stateSince.milliseconds)
        out.add(.after(ms: Int(clamping: max(0, left)), .reap(stateVersion: record.stateVersion)))
    }

    mutating func reap(stateVersion: UInt64, _ out: inout Effects) {
        let ctx = context(out.now.wall)
        guard record.stateVersion == stateVersion, record.state == .idle || record.state == .waiting,
              let timeout = StatusRenderer.idleTimeout(record, ctx) else { return }
        // A new timeout may be longer: then this one is not due yet.
        guard record.stateSince.seconds(until: ctx.now) >= timeout else { return armReap(&out) }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.policy,
                      detail: "idle-timeout fired: \(record.state.rawValue) for \(timeout)s")
        e.key = "idle-timeout.fired"
        emit(e, durable: true, &out)
        terminate("idle-timeout", &out)
    }

    /// Pauses (or kills, as configured) a session whose tokens or cost passed its
    /// budget, once per budget set.
    mutating func enforceBudget(_ out: inout Effects) {
        let ctx = context(out.now.wall)
        guard let b = record.budget, !record.budgetSpent, record.state.isLive, record.state != .paused,
              StatusRenderer.overBudget(record, ctx), let l = ctx.ledger else { return }
        let spent: String
        switch b {
        case .tokens(let n): spent = "\(l.total.input + l.total.output) tokens of \(n)"
        case .usd(let d): spent = "$\(JSONWriter.money(l.cost(ctx.prices).usd)) of $\(JSONWriter.money(d))"
        }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.policy, detail: "budget spent: \(spent)")
        e.key = "budget.spent"
        emit(e, durable: true, &out)
        if settings.budgetKills { terminate("budget: \(spent)", &out) } else { out.add(.freeze(reason: "budget: \(spent)")) }
    }
}
