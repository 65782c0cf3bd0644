import Foundation
import HiveCore
import Logging

/// Notifications: the config's `[on]` commands, run on state changes.
final class OnCommands: Sendable {
    let config: HiveConfig
    let log: Logger
    /// Where the commands run, off every session's queue.
    private let queue = DispatchQueue(label: "hivefs.on", attributes: .concurrent)

    init(config: HiveConfig, log: Logger) {
        self.config = config
        self.log = log
    }

    /// Runs the `[on]` commands for a change of state: the new state's, then `any`'s.
    /// A command is the user's own shell line, run with `sh -c`; the session's facts
    /// reach it only through its environment, never spliced into the line. It runs
    /// off every session's queue, is killed after `onTimeoutMS`, and a failure is
    /// logged and changes nothing else.
    func run(from previous: SessionState, to r: SessionRecord) {
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
            queue.async { [log, env] in
                let res = Spawn.run(["/bin/sh", "-c", command], environment: env, timeoutMS: timeout)
                guard !res.ok else { return }
                let said = (res.stderr + res.stdout).split(separator: "\n").suffix(3).joined(separator: " | ")
                let how = res.status == 128 + SIGKILL ? "was killed after \(timeout / 1000) s" : "exited \(res.status)"
                log.warning("[on] \(r.state.rawValue) for \(r.name): '\(command)' \(how)\(said.isEmpty ? "" : ": " + said)")
            }
        }
    }
}
