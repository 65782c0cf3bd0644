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
                runOn(from: from, to: to)
            case .summary:
                // After the agent's last reports and transcript lines.
                s.ingest.async { [self] in
                    readTranscripts(s)
                    writeSummary(s)
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
                onIngest(s, place) { [self] in
                    if let text = tmux.capture(s.name) { step(s, .screen(text, purpose), .ingest) }
                }
            case .gitChanged:
                gitChanged(s)
            case .whilePrinting:
                if let runtime = s.adapter as? any AgentRuntime, runtime.watchesWhilePrinting {
                    s.ingest.async { [self] in runtime.whilePrinting(self, s) }
                }
            case .saveLedger:
                // Reading again from an older save counts nothing twice, so this only
                // bounds what a restarted daemon reads again; the file can be large.
                watcher.after(ms: 5000) { [weak self, weak s] in
                    guard let self, let s else { return }
                    s.ingest.async { self.saveLedger(s) }
                }
            case .watch:
                watchAgent(s)
            case .launch, .freeze, .thaw, .terminate, .finishExit, .keys, .type, .answer:
                // These act on the agent: on its queue, in order.
                guard case .queue(let uid) = place else {
                    s.queue.async { [self] in _ = perform(s, [effect], .queue(uid: getuid())) }
                    continue
                }
                note(act(s, effect, uid: uid))
            }
        }
        return refusal
    }

    /// Runs `body` on the session's ingest queue: now when already there.
    private func onIngest(_ s: LiveSession, _ place: Place, _ body: @escaping @Sendable () -> Void) {
        if place == .ingest { body() } else { s.ingest.async(execute: body) }
    }

    /// Carries out an effect on the agent, on its queue; a failure is recorded as an
    /// `error` event and returned.
    private func act(_ s: LiveSession, _ effect: SessionEffect, uid: UInt32) -> HiveError? {
        let place = Place.queue(uid: uid)
        do throws(HiveError) {
            switch effect {
            case .launch:
                return launch(s, place)
            case .freeze(let reason):
                let (state, scope) = s.with { ($0.machine.record.state, $0.handles.scope($0.machine.record)) }
                guard state != .paused, let scope else { return nil }
                _ = try ProcessTree.freeze(scope)
                return step(s, .frozen(reason: reason), place)
            case .thaw:
                guard let scope = s.with({ $0.handles.scope($0.machine.record) }) else { return nil }
                try ProcessTree.thaw(scope)
                return step(s, .thawed, place)
            case .terminate(let reason):
                let failure = terminate(s)
                let refused = step(s, .terminated(reason: reason), place)
                if let failure { throw failure }
                return refused
            case .finishExit:
                return step(s, .ended(finishExit(s)), place)
            case .keys(let keys):
                try tmux.sendKeys(s.name, keys)
            case .type(let text):
                try type(s, text)
            case .answer(let known, let choice, let notBefore):
                // The screen must still show this question, with the focus where it is now.
                guard let text = tmux.capture(s.name) else { throw .notRunning("\(s.name)'s terminal is gone") }
                let machine = s.with { $0.machine }
                let keys: [String]
                do throws(HiveError) {
                    keys = try machine.answerKeys(known, choice: choice, screen: text)
                } catch {
                    s.ingest.async { [self] in step(s, .screen(text, .question), .ingest) }
                    throw error
                }
                let wait = notBefore - Sys.monotonicMS()
                if wait > 0 { Sys.sleep(ms: Int(wait)) }
                try tmux.sendKeys(s.name, keys)
                return step(s, .answered(known, choice: choice), place)
            default:
                return nil
            }
        } catch {
            return step(s, .refused(error, uid: uid), place)
        }
        return nil
    }
}
