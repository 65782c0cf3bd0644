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
        let frozen: Bool
        var note = ""
        let began = Sys.monotonicMS()
        if let cgroup, cgroup.canFreeze {
            do throws(HiveError) { try cgroup.freeze(); frozen = true } catch {
                frozen = false
                note = "copied while running (the freezer refused: \(error.reason))"
            }
        } else {
            do throws(HiveError) { _ = try ProcessTree.freeze(scope); frozen = true } catch {
                try? ProcessTree.thaw(scope)
                frozen = false
                note = "copied while running (it could not be stopped: \(error.reason))"
            }
        }
        body()
        if frozen {
            if let cgroup, cgroup.canFreeze { try? cgroup.thaw() } else { try? ProcessTree.thaw(scope) }
            note = "held still \(Sys.monotonicMS() - began) ms for the copy"
        }
        return note
    }
}
