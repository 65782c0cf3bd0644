/// The terminal: output and quiet. An agent that reports nothing is `working` while
/// it prints and `idle` once quiet; for one that reports its turns, output means
/// nothing by itself (a person typing prints too) and quiet makes hivefs read the
/// screen for a report that did not come.
extension SessionMachine {
    mutating func output(_ out: inout Effects) {
        live.output = out.now.wall
        live.outputMS = out.now.ms
        if live.launching { live.printedWhileLaunching = true }
        let reports = adapter.reportsTurns
        // An agent that reports nothing: anything it prints may have changed files.
        if !reports { out.add(.gitChanged) }
        let st = record.state
        if !reports && (st == .starting || st == .idle) {
            // An agent that notifies before it draws its prompt (Aider): that drawing is not work.
            let justIdle = st == .idle && out.now.wall.milliseconds - record.stateSince.milliseconds < Int64(settings.quietAfterMS)
            if !(adapter.drawsAfterReport && justIdle) { enter(.working, durable: false, &out) }
        }
        armQuiet(afterMS: settings.quietAfterMS, &out)
    }

    /// Arms the quiet check, unless one is armed.
    mutating func armQuiet(afterMS: Int, _ out: inout Effects) {
        guard !live.quietPending else { return }
        live.quietPending = true
        out.add(.after(ms: afterMS, .quiet))
    }

    /// The quiet check fired: quiet long enough (counted from the last output, or from
    /// the launch), the screen is read or the session is `idle`; else it is armed again.
    mutating func quiet(_ out: inout Effects) {
        live.quietPending = false
        let quietFor = out.now.ms - live.outputMS
        let state = record.state
        let hadOutput = live.output != nil
        let reports = adapter.reportsTurns
        settleQueue(&out)
        guard state == .working || state == .starting || (reports && state == .waiting)
                || (adapter.asksOnScreen && state == .idle && hadOutput) else { return }
        // A check left over from the agent's previous run must not read the new one's
        // screen at once (Claude Code redraws the conversation it resumes before it takes input).
        if quietFor < Int64(settings.quietAfterMS) {
            // An agent that prints all through a turn and reports only its end (Codex): look while it prints.
            if hadOutput { out.add(.whilePrinting) }
            armQuiet(afterMS: settings.quietAfterMS - Int(quietFor), &out)
            return
        }
        // Idle, the terminal printed and went quiet: a question may have come up
        // without a report (Claude Code's start-up questions).
        if state == .idle { return out.add(.capture(.question)) }
        if reports { return out.add(.capture(.reconcile(version: record.version))) }
        guard state == .working || state == .starting else { return }
        if adapter.readsQuietScreen { return out.add(.capture(.rest)) }
        enter(.idle, durable: false, &out)
    }

    /// The screen of a quiet agent that reports nothing: a question (Aider's yes/no),
    /// at rest (`idle`), or not yet (Aider importing its libraries as it starts).
    mutating func rest(_ text: String, _ out: inout Effects) {
        guard record.state == .working || record.state == .starting,
              live.output == nil || out.now.ms - live.outputMS >= Int64(settings.quietAfterMS) else { return }
        if adapter.question(on: text) != nil {
            noteQuestion(text, &out)
            return
        }
        guard adapter.atRest(text) else { return }
        enter(.idle, durable: false, &out)
    }
}
