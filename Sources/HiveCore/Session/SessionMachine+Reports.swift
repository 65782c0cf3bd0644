/// The agent's own reports (hooks, notifications), its tokens and cost, and the
/// screen read when a report that should have come did not.
extension SessionMachine {
    /// One record of `hooks.log`: its event, and the state it leads to.
    mutating func report(_ report: AgentReport, time: Timestamp, hookEnd: Int64, transcriptFound: String?, _ out: inout Effects) {
        if report.mayChangeFiles { out.add(.gitChanged) }
        let r = record
        var e = Event(time: time, session: name, kind: report.kind, detail: report.detail)
        e.hook = hookEnd
        e.tool = report.tool
        e.action = report.touch?.action
        e.path = report.touch?.path
        e.model = report.model
        e.message = report.message
        if let v = report.agentSession, v != r.agentSession { e.agentSession = v }
        if let v = report.transcript, v != r.transcript { e.transcript = v }
        // An agent that says which conversation, not where its transcript is (Codex):
        // the runtime looked it up.
        if r.transcript == nil, e.transcript == nil, let found = transcriptFound { e.transcript = found }
        if let wish = report.wish {
            if r.state == .paused {
                // Recorded before the freeze, read after it: where resume returns to.
                if wish.state != r.resumeTo { e.resumeTo = wish.state }
            } else if let (state, reason) = wish.next(from: r.state, reason: r.reason) {
                e.state = state
                e.reason = reason
            }
        }
        emit(e, &out)
        // A report that the agent waits (a PermissionRequest): its menu is drawn next.
        if record.state == .waiting && record.permission == nil { watchForQuestion(&out) }
    }

    /// The agent's own total cost, from its status line.
    mutating func agentCost(_ usd: Double, _ out: inout Effects) {
        guard ledger.agentCostUSD != usd else { return }
        ledger.noteAgentTotal(usd)
        countsChanged(&out)
    }

    /// The transcripts gained lines: the ledger as it now stands.
    mutating func tokens(_ l: TranscriptLedger, _ out: inout Effects) {
        guard l != ledger else { return }
        ledger = l
        countsChanged(&out)
    }

    /// Tokens or cost changed: the files that show them, the saved ledger, the budget.
    private mutating func countsChanged(_ out: inout Effects) {
        record.version &+= 1
        out.add(.changed)
        if !live.ledgerSavePending {
            live.ledgerSavePending = true
            out.add(.saveLedger)
        }
        enforceBudget(&out)
    }

    /// The saved ledger is written; the next change arms another save.
    public mutating func ledgerSaved() { live.ledgerSavePending = false }

    // MARK: the screen

    mutating func screen(_ text: String, _ purpose: ScreenPurpose, _ out: inout Effects) {
        switch purpose {
        case .reconcile(let version): reconcile(text, version: version, &out)
        case .question: noteQuestion(text, &out)
        case .rest: rest(text, &out)
        }
    }

    /// Compares the state the reports gave with what the terminal shows, once it has
    /// been quiet: a turn interrupted (no Stop hook), a permission prompt dismissed
    /// with Escape (no hook), a trust dialog (hooks held back).
    mutating func reconcile(_ text: String, version: UInt64, _ out: inout Effects) {
        guard [.starting, .working, .waiting].contains(record.state) else { return }
        if !live.toldRefusedReports, let detail = adapter.refusedReports(text) {
            live.toldRefusedReports = true
            // Reports since the start show the hooks work; only a refusal before any is news.
            if record.hookOffset == live.hooksAtLaunch {
                emit(Event(time: out.now.wall, session: name, kind: EventKind.hooksRefused, detail: detail), &out)
            }
        }
        // A question the screen shows is recorded with its options (`permission`).
        if noteQuestion(text, &out) { return }
        // A report that came meanwhile knows better.
        guard record.version == version else { return }
        let seen = adapter.screen(text)
        let target: SessionState
        let detail: String
        switch seen {
        case .unknown:
            return
        case .trustDialog, .menu:
            guard record.state != .waiting else { return }
            target = .waiting
            detail = "waiting: " + (seen.reason ?? "")
        case .busy:
            guard record.state != .working else { return }
            target = .working
            detail = "working: the screen shows a turn running"
        case .prompt:
            target = .idle
            detail = "idle: the screen shows the prompt (no report ended the \(record.state == .waiting ? "wait" : "turn"))"
        }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.screen, detail: detail, state: target)
        e.reason = seen.reason
        emit(e, &out)
    }

    /// Compares the question on the screen with the one recorded: a new question is
    /// recorded (`waiting`, with a new id), one that left the screen is closed.
    /// Returns whether the screen shows a question.
    @discardableResult
    mutating func noteQuestion(_ screen: String, _ out: inout Effects) -> Bool {
        let seen = adapter.question(on: screen)
        guard record.state.isLive, record.state != .paused else { return seen != nil }
        let r = record
        if let seen {
            if let known = r.permission, known.sameQuestion(seen.permission(id: known.id, tool: nil, subject: nil)) { return true }
            // The tool and its target from the hook that announced it (`Bash ls -l`).
            let announced = r.tool.map { t -> (String, String?) in
                let words = t.split(separator: " ", maxSplits: 1).map(String.init)
                return (words[0], words.count > 1 ? words[1] : nil)
            }
            let p = seen.permission(id: (r.lastPermissionID ?? 0) + 1, tool: seen.kind == .tool ? announced?.0 : nil,
                                    subject: seen.kind == .tool ? announced?.1 : nil)
            live.questionSeenMS = out.now.ms
            var e = Event(time: out.now.wall, session: name, kind: EventKind.permissionAsked,
                          detail: "\(p.id) \(p.kind.rawValue): \(p.question)", state: .waiting, reason: p.reason)
            e.permission = p
            emit(e, durable: true, &out)
            return true
        }
        guard let known = r.permission else { return false }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.permissionGone, detail: "\(known.id) left the screen unanswered")
        e.permission = known
        emit(e, durable: true, &out)
        return false
    }

    /// Reads the screen of a session that waits until its question is known (or it
    /// stops waiting), a few times a second: the terminal of an agent at a menu is
    /// seldom quiet (Claude Code redraws its menu), so the quiet check cannot do it.
    mutating func watchForQuestion(_ out: inout Effects) {
        guard !live.questionWatch else { return }
        live.questionWatch = true
        out.add(.after(ms: settings.questionPollMS, .questionPoll(triesLeft: settings.questionPollTries)))
    }

    mutating func questionPoll(triesLeft: Int, _ out: inout Effects) {
        guard record.state == .waiting, record.permission == nil, triesLeft > 0 else {
            live.questionWatch = false
            return
        }
        out.add(.capture(.question))
        out.add(.after(ms: settings.questionPollMS, .questionPoll(triesLeft: triesLeft - 1)))
    }
}
