import Foundation
import HiveCore

/// The agents' processes and terminals: the work behind the machine's `launch`,
/// `watch`, `terminate` and `finishExit` effects, and the facts it is told back
/// (`.launched`, `.ended`, `.setupDone`). Each session's work here runs on its
/// `queue`, one thing at a time; the watcher's callbacks only hand work to it.
final class Processes: Sendable {
    let parts: Parts
    let worktrees: Worktrees
    let reports: Reports
    let gitView: GitView
    /// The agents there are now (the user's files are read again when they change).
    let agents: @Sendable () -> AgentCatalog
    var config: HiveConfig { parts.config }
    var store: StateStore { parts.store }
    var tmux: Tmux { parts.tmux }
    var watcher: Watcher { parts.watcher }

    init(_ parts: Parts, worktrees: Worktrees, reports: Reports, gitView: GitView, agents: @escaping @Sendable () -> AgentCatalog) {
        self.parts = parts
        self.worktrees = worktrees
        self.reports = reports
        self.gitView = gitView
        self.agents = agents
    }

    /// Matches a session read back at start with what tmux says of it: its machine is
    /// told (`.adopt`) on its queue, after the reports its `follow` is catching up on.
    func adopt(_ s: LiveSession, pane: Tmux.Pane?) {
        s.queue.async { [self] in
            s.ingest.sync {}  // the catch-up `follow` queued is done
            if let pane { s.with { $0.handles.panePid = pane.pid } }
            step(s, .adopt(Adoption(pane: pane != nil, dead: pane?.dead == true, agentPid: readAgentPid(s.name),
                                    restore: config.restore)), .queue(uid: getuid()))
        }
    }

    /// Carries out an effect on the agent, on its queue; a failure is recorded as an
    /// `error` event and returned.
    func act(_ s: LiveSession, _ effect: SessionEffect, uid: UInt32) -> HiveError? {
        let place = Place.queue(uid: uid)
        do throws(HiveError) {
            switch effect {
            case .launch:
                return launch(s, place)
            case .freeze(let reason):
                let (state, scope, cgroup) = s.with { ($0.machine.record.state, $0.handles.scope($0.machine.record), $0.handles.cgroup) }
                guard state != .paused, let scope else { return nil }
                try Processes.freeze(scope, cgroup)
                return step(s, .frozen(reason: reason), place)
            case .thaw:
                let (scope, cgroup) = s.with { ($0.handles.scope($0.machine.record), $0.handles.cgroup) }
                guard let scope else { return nil }
                try Processes.thaw(scope, cgroup)
                return step(s, .thawed, place)
            case .setLimits(let limits):
                guard let cgroup = s.with({ $0.handles.cgroup }) else {
                    // Nothing to lift where nothing was set.
                    if limits.isEmpty { return step(s, .limitsSet(limits), place) }
                    throw .unsupported("\(s.name) runs without a cgroup (started by a daemon that could make none); restart it to limit it")
                }
                try cgroup.apply(limits)
                return step(s, .limitsSet(limits), place)
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
            case .typeQueued(let id, let text):
                // Its turn on the queue came after what was queued before it (a kill, a
                // pause, an idle timeout): typed only into an agent that can still take it.
                if let why = s.with({ $0.machine.queueHold(id) }) { return step(s, .queueReturned(id: id, why: why), place) }
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

    @discardableResult
    func step(_ s: LiveSession, _ input: SessionInput, _ place: Place = .elsewhere) -> HiveError? {
        parts.machines.step(s, input, place)
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
}
