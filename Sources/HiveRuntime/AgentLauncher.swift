import Foundation
import HiveCore

/// How each kind of agent is started and steered. One place per agent; later
/// agents add a case here and an adapter beside it.
public enum AgentLauncher {
    /// What hivefs adds to a Claude Code command line.
    public struct ClaudeLaunch: Sendable {
        /// The conversation id: chosen by hivefs for a new one, so the transcript's path is known.
        public var session: String
        /// Continue that conversation (`--resume`) rather than start it (`--session-id`).
        public var resume: Bool
        /// The settings file with hivefs's hooks (`--settings`), given on resume too.
        public var settings: String
        /// What `claude --version` said, if it said.
        public var version: ClaudeVersion?
        /// Where its transcript is (or will be).
        public var transcript: String
    }

    /// What hivefs adds to a Codex CLI command line.
    public struct CodexLaunch: Sendable {
        /// What Codex runs at the end of each turn, its JSON last (`-c notify=[…]`):
        /// hivefs-hook and the session's hooks.log.
        public var notify: [String]
        /// The thread to go on with (`codex resume ID`), when restarting one it reported.
        public var resume: String?
    }

    /// What hivefs adds to a Gemini CLI command line (its hooks come through
    /// `GEMINI_CLI_SYSTEM_SETTINGS_PATH`, in the environment).
    public struct GeminiLaunch: Sendable {
        /// The session to go on with (`--resume ID`), when restarting one it reported.
        public var resume: String?
    }

    /// What hivefs adds to an Aider command line.
    public struct AiderLaunch: Sendable {
        /// The shell command Aider runs when it waits (`--notifications-command`).
        public var notify: String
        /// The chat history, kept in the session's folder (`--chat-history-file`).
        public var history: String
        /// Load that history again (`--restore-chat-history`), on restart.
        public var restore: Bool
    }

    /// The argument vector that runs the agent (before the launcher wraps it).
    public static func argv(_ spec: SessionSpec, claude: ClaudeLaunch? = nil, codex: CodexLaunch? = nil,
                            gemini: GeminiLaunch? = nil, aider: AiderLaunch? = nil,
                            resume: Bool = false) throws(HiveError) -> [String] {
        switch spec.agent {
        case .shell:
            let words = try CommandLineWords.split(spec.command)
            guard !words.isEmpty else { throw .invalid("agent shell needs a command") }
            return words
        case .claude:
            var words = spec.command.isEmpty ? ["claude"] : try CommandLineWords.split(spec.command)
            if let claude {
                words += [claude.resume ? "--resume" : "--session-id", claude.session, "--settings", claude.settings]
            }
            words += try PermissionMode.arguments(agent: .claude, mode: spec.mode)
            if !spec.model.isEmpty { words += ["--model", spec.model] }
            if !spec.prompt.isEmpty && claude?.resume != true {
                // A prompt is never an option, even one that starts with '-'.
                if spec.prompt.hasPrefix("-") { words.append("--") }
                words.append(spec.prompt)
            }
            return words
        case .codex:
            // Options before the `resume` subcommand: they are the program's own.
            var words = spec.command.isEmpty ? ["codex"] : try CommandLineWords.split(spec.command)
            if let codex { words += ["-c", CodexNotify.override(command: codex.notify)] }
            words += try PermissionMode.arguments(agent: .codex, mode: spec.mode)
            if !spec.model.isEmpty { words += ["--model", spec.model] }
            if let id = codex?.resume { return words + ["resume", id] }
            if !spec.prompt.isEmpty {
                if spec.prompt.hasPrefix("-") { words.append("--") }
                words.append(spec.prompt)
            }
            return words
        case .gemini:
            var words = spec.command.isEmpty ? ["gemini"] : try CommandLineWords.split(spec.command)
            if !spec.model.isEmpty { words += ["--model", spec.model] }
            if let id = gemini?.resume { return words + ["--resume", id] }
            // Interactive, with a first prompt (a bare prompt would run once and exit).
            if !spec.prompt.isEmpty { words += ["--prompt-interactive", spec.prompt] }
            return words
        case .aider:
            // The prompt is typed once it runs: `--message` would answer it and exit.
            var words = spec.command.isEmpty ? ["aider"] : try CommandLineWords.split(spec.command)
            if let aider {
                words += ["--notifications", "--notifications-command", aider.notify, "--chat-history-file", aider.history]
                if aider.restore { words.append("--restore-chat-history") }
            }
            words += try PermissionMode.arguments(agent: .aider, mode: spec.mode)
            if !spec.model.isEmpty { words += ["--model", spec.model] }
            return words
        case .cursor:
            // No hooks are given (they would be a file in the user's project); a
            // restart goes on with the folder's latest chat (`resume`).
            var words = spec.command.isEmpty ? ["cursor-agent"] : try CommandLineWords.split(spec.command)
            if !spec.model.isEmpty { words += ["--model", spec.model] }
            if resume { return words + ["resume"] }
            if !spec.prompt.isEmpty {
                if spec.prompt.hasPrefix("-") { words.append("--") }
                words.append(spec.prompt)
            }
            return words
        }
    }

    /// The keys that stop the agent's current turn the way a person would.
    public static func interruptKeys(_ agent: AgentKind) -> [String] {
        switch agent {
        case .claude, .codex, .gemini: return ["Escape"]
        case .shell, .aider, .cursor: return ["C-c"]
        }
    }

    /// Whether the prompt is typed into the terminal after start (rather than passed as
    /// an argument). Not when Aider restores its chat (a restart): the prompt was its
    /// first message, and is in that chat already.
    public static func typesPrompt(_ agent: AgentKind, aider: AiderLaunch? = nil) -> Bool {
        agent == .shell || (agent == .aider && aider?.restore != true)
    }

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
    public static func run(argv: [String], dir: String, report: String, pidFile: String, statusFile: String,
                           setup: [String] = [], environ: String? = nil) -> Never {
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
