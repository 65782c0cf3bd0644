import Foundation
import HiveCore

/// The launcher: the first process of every agent's terminal. What each agent's
/// command line is comes from its adapter (`AgentAdapter.argv`).
public enum AgentLauncher {
    /// Runs inside the tmux pane as its first process. It changes to `dir`, starts
    /// `argv` as its child (same terminal, same process group), writes the child's
    /// pid to `pidFile`, waits, and ends the way the child ended (its exit code, or
    /// the same signal), so tmux records the agent's own exit status.
    ///
    /// Why not exec: tmux sends SIGCONT to a pane's process group as soon as the
    /// pane's first process stops, which would undo `pause`. The launcher is never
    /// stopped, so the agent's processes stay frozen.
    ///
    /// How the agent ended goes to `statusFile` (`exit N` or `signal N`) first.
    /// If the agent cannot be started, the reason goes to `report` and the exit
    /// code is 127 (not found) or 126.
    ///
    /// `setup`, when given, runs first in the same terminal (its output goes to the
    /// session's log); if it fails, so does the launch, with the reason in `report`.
    ///
    /// `environ`, when given, is the file with the agent's whole environment
    /// (`AgentEnvironment`): it becomes the launcher's, so setup and agent both get it.
    ///
    /// `cgroups`, when given, are the folders of the session's cgroup: the launcher
    /// joins them first, so that setup, agent and all they fork are inside; if it
    /// cannot, nothing starts (never an agent without its limits).
    public static func run(argv: [String], dir: String, report: String, pidFile: String, statusFile: String,
                           setup: [String] = [], environ: String? = nil, cgroups: [String] = []) -> Never {
        func fail(_ code: Int32, _ reason: String) -> Never {
            try? Sys.writeFileAtomically(report, Array((reason + "\n").utf8))
            FileHandle.standardError.write(Data(("hivefs: " + reason + "\n").utf8))
            exit(code)
        }
        guard !argv.isEmpty else { fail(127, "no command to run") }
        var environment: [String: String]?
        if let environ {
            do {
                environment = try AgentEnvironment.adopt(environ)
            } catch {
                fail(126, error.reason)
            }
        }
        for folder in cgroups {
            let path = folder + "/cgroup.procs"
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            let line = Array("\(getpid())\n".utf8)
            if fd < 0 || write(fd, line, line.count) != line.count {
                let why = String(cString: strerror(errno))
                if fd >= 0 { close(fd) }
                fail(126, "cannot join the session's cgroup \(folder): \(why)")
            }
            close(fd)
        }
        if chdir(dir) != 0 {
            fail(126, "bad dir: \(dir): \(String(cString: strerror(errno)))")
        }
        // Keyboard signals go to the whole foreground group: the agent acts on them,
        // the launcher outlives them to report how the agent ended.
        let keyboard = [SIGINT, SIGQUIT, SIGTSTP]
        for sig in keyboard { signal(sig, SIG_IGN) }
        if !setup.isEmpty {
            let line = CommandLineWords.join(setup)
            FileHandle.standardOutput.write(Data("hivefs: setup: \(line)\n".utf8))
            switch Spawn.child(setup, environment: environment) {
            case .failure(let e):
                fail(e == .noSuchFileOrDirectory ? 127 : 126, "setup failed: cannot run \(setup[0]): \(String(cString: strerror(e.rawValue)))")
            case .success(let pid):
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 {
                    if errno != EINTR { fail(126, "setup failed: cannot wait for \(line)") }
                }
                let sig = status & 0x7f
                if sig != 0 { fail(126, "setup failed: \(line) was killed by signal \(sig)") }
                let code = (status >> 8) & 0xff
                if code != 0 { fail(126, "setup failed: \(line) exited \(code)") }
                FileHandle.standardOutput.write(Data("hivefs: setup done\n".utf8))
            }
        }
        let child: pid_t
        switch Spawn.child(argv, environment: environment) {
        case .success(let pid): child = pid
        case .failure(let e):
            if e == .noSuchFileOrDirectory { fail(127, "command not found: \(argv[0])") }
            fail(126, "cannot execute \(argv[0]): \(String(cString: strerror(e.rawValue)))")
        }
        try? Sys.writeFileAtomically(pidFile, Array("\(child)\n".utf8))
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 {
            if errno != EINTR { exit(1) }
        }
        let termsig = status & 0x7f
        // Written before the launcher ends, so the daemon (or a later one) knows how.
        let how = termsig == 0 ? "exit \((status >> 8) & 0xff)\n" : "signal \(termsig)\n"
        try? Sys.writeFileAtomically(statusFile, Array(how.utf8))
        if termsig == 0 { exit((status >> 8) & 0xff) }
        signal(termsig, SIG_DFL)
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, termsig)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        raise(termsig)
        exit(128 + termsig)
    }
}
