import Foundation
import HiveCore

/// Holding a running agent still for a moment (a fork's copy), without recording a
/// pause: its state is not changed, and it runs on as soon as the copy is taken.
extension Processes {
    /// Runs `body` with the agent's processes frozen (the cgroup's freezer, else
    /// SIGSTOP), when it runs and is not paused already; what was done, for the event
    /// that records the fork: nil when nothing ran, else how it was held (or why not).
    /// Runs on the session's queue, so no pause, resume or kill comes meanwhile.
    func holdStill(_ s: LiveSession, _ body: () -> Void) -> String? {
        let (state, scope, cgroup) = s.with { ($0.machine.record.state, $0.handles.scope($0.machine.record), $0.handles.cgroup) }
        guard state.isLive, state != .paused, let scope else {
            body()
            return nil
        }
        let began = Sys.monotonicMS()
        do throws(HiveError) { try Processes.freeze(scope, cgroup) } catch {
            body()
            return "copied while running (it could not be held still: \(error.reason))"
        }
        body()
        try? Processes.thaw(scope, cgroup)
        return "held still \(Sys.monotonicMS() - began) ms for the copy"
    }

    /// Stops every process of an agent: the freezer takes them all at once where there
    /// is one; signals walk the tree otherwise, and if not every process stopped, those
    /// that did run again before the error is thrown.
    static func freeze(_ scope: ProcessTree.Scope, _ cgroup: SessionCgroup?) throws(HiveError) {
        if let cgroup, cgroup.canFreeze { return try cgroup.freeze() }
        do throws(HiveError) { _ = try ProcessTree.freeze(scope) } catch {
            try? ProcessTree.thaw(scope)
            throw error
        }
    }

    /// Lets them run again; with a freezer, also continues what a daemon without one
    /// (or a person) stopped by signal.
    static func thaw(_ scope: ProcessTree.Scope, _ cgroup: SessionCgroup?) throws(HiveError) {
        if let cgroup, cgroup.canFreeze { try cgroup.thaw() }
        try ProcessTree.thaw(scope)
    }
}
