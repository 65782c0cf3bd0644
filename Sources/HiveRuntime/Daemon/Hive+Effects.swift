import Foundation
import HiveCore

/// Carries out what a session's machine decides. `step` gives the machine one
/// input, appends the events it recorded (under the session's mutex, in order),
/// then carries out the other effects: at once when `place` is where they run,
/// else handed to that queue. What an effect comes to (frozen, terminated, a
/// screen) goes back to the machine as its next input.
extension Hive {
    /// Steps the machine; returns the refusal of the write that gave `input`, if any.
    @discardableResult
    func step(_ s: LiveSession, _ input: SessionInput, _ place: Place = .elsewhere) -> HiveError? {
        var outcomes: [AppendOutcome] = []
        let effects = s.with { inside -> [SessionEffect] in
            let effects = inside.machine.handle(input, at: Instant(wall: .now(), ms: Sys.monotonicMS()))
            for effect in effects {
                switch effect {
                case .append(let e, let durable): outcomes.append(store.append(e, durable: durable))
                case .checkpoint(let r): store.checkpoint(r)
                default: break
                }
            }
            return effects
        }
        for o in outcomes { noteDisk(o) }
        return perform(s, effects, place)
    }

    /// Carries out the effects that are not the log's.
    private func perform(_ s: LiveSession, _ effects: [SessionEffect], _ place: Place) -> HiveError? {
        var refusal: HiveError?
        func note(_ e: HiveError?) { if refusal == nil { refusal = e } }
        for effect in effects {
            switch effect {
            case .append, .checkpoint:
                break
            case .refuse(let e):
                note(e)
            case .changed:
                onChange?(s.name)
            case .runOn(let from, let to):
                onCommands.run(from: from, to: to)
            case .summary:
                // After the agent's last reports and transcript lines.
                s.ingest.async { [self] in
                    reports.readTranscripts(s)
                    summaries.write(s)
                }
            case .after(let ms, let timer):
                watcher.after(ms: ms) { [weak self, weak s] in
                    guard let self, let s else { return }
                    switch timer {
                    case .quiet: step(s, .quiet)
                    case .reap(let v): step(s, .reap(stateVersion: v))
                    case .questionPoll(let tries): step(s, .questionPoll(triesLeft: tries))
                    }
                }
            case .capture(let purpose):
                let capture: @Sendable () -> Void = { [self] in
                    if let text = tmux.capture(s.name) { step(s, .screen(text, purpose), .ingest) }
                }
                if place == .ingest { capture() } else { s.ingest.async(execute: capture) }
            case .gitChanged:
                gitView.changed(s)
            case .whilePrinting:
                if let runtime = s.adapter as? any AgentRuntime, runtime.watchesWhilePrinting {
                    s.ingest.async { [processes] in runtime.whilePrinting(processes.parts, s) }
                }
            case .saveLedger:
                // Reading again from an older save counts nothing twice, so this only
                // bounds what a restarted daemon reads again; the file can be large.
                watcher.after(ms: 5000) { [weak self, weak s] in
                    guard let self, let s else { return }
                    s.ingest.async { self.reports.saveLedger(s) }
                }
            case .watch:
                processes.watchAgent(s)
            case .launch, .freeze, .thaw, .terminate, .finishExit, .keys, .type, .typeQueued, .answer, .setLimits, .land:
                // These act on the agent or its work tree: on its queue, in order (a
                // control write waits for them there).
                guard case .queue(let uid) = place else {
                    s.queue.async { [self] in _ = perform(s, [effect], .queue(uid: getuid())) }
                    continue
                }
                if case .land(let request) = effect { note(land(s, request, uid: uid)) } else { note(processes.act(s, effect, uid: uid)) }
            }
        }
        return refusal
    }

    /// Which other session's agent is writing the work tree at `path` now (its worktree,
    /// or the repository it works in), said for a refusal; nil when none is. git must
    /// not change files under an agent at work (`SessionState.writesFiles`).
    func agentWriting(in path: String, besides name: String) -> String? {
        let real = Sandbox.realPath(path)
        for other in registry.all() where other.name != name {
            let r = other.record
            guard r.state.writesFiles || r.promptJustTyped, let top = r.worktree ?? r.repo else { continue }
            if top == path || Sandbox.realPath(top) == real {
                let what = r.state.writesFiles ? "is \(r.state.rawValue)" : "was just given a queued prompt"
                return "\(r.name) \(what) (merge when it is idle, waiting, paused or ended)"
            }
        }
        return nil
    }

    /// Carries out a `commit`, `merge`, `push` or `pr` (`Landing`); its outcome is recorded
    /// as a `land` event, its refusal as an `error` and returned to the write.
    private func land(_ s: LiveSession, _ request: LandRequest, uid: UInt32) -> HiveError? {
        do throws(HiveError) {
            let outcome = try Landing(git: gitView.git, busy: { [self] in agentWriting(in: $0, besides: s.name) }).carryOut(request)
            return step(s, .landed(outcome), .queue(uid: uid))
        } catch {
            return step(s, .refused(error, uid: uid), .queue(uid: uid))
        }
    }
}
