import Foundation
import HiveCore

/// How each kind of agent is started and steered. One place per agent; later
/// agents add a case here and an adapter beside it.
public enum AgentLauncher {
    /// The argument vector that runs the agent (before the launcher wraps it).
    public static func argv(_ spec: SessionSpec) throws(HiveError) -> [String] {
        switch spec.agent {
        case .shell:
            let words = try CommandLineWords.split(spec.command)
            guard !words.isEmpty else { throw .invalid("agent shell needs a command") }
            return words
        case .claude:
            var words = spec.command.isEmpty ? ["claude"] : try CommandLineWords.split(spec.command)
            if !spec.model.isEmpty { words += ["--model", spec.model] }
            if !spec.prompt.isEmpty { words.append(spec.prompt) }
            return words
        }
    }

    /// The keys that stop the agent's current turn the way a person would.
    public static func interruptKeys(_ agent: AgentKind) -> [String] {
        switch agent {
        case .claude: return ["Escape"]
        case .shell: return ["C-c"]
        }
    }

    /// Whether the prompt is typed into the terminal after start (rather than passed as an argument).
    public static func typesPrompt(_ agent: AgentKind) -> Bool { agent == .shell }

    /// Run inside the tmux pane: changes to `dir` and replaces itself with `argv`.
    /// If that fails it writes the reason to `report` and exits 127 (not found) or 126.
    public static func exec(argv: [String], dir: String, report: String) -> Never {
        func fail(_ code: Int32, _ reason: String) -> Never {
            try? Sys.writeFileAtomically(report, Array((reason + "\n").utf8))
            FileHandle.standardError.write(Data(("hivefs: " + reason + "\n").utf8))
            exit(code)
        }
        guard !argv.isEmpty else { fail(127, "no command to run") }
        if chdir(dir) != 0 {
            fail(126, "bad dir: \(dir): \(String(cString: strerror(errno)))")
        }
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cargs.append(nil)
        execvp(argv[0], cargs)
        let e = errno
        if e == ENOENT { fail(127, "command not found: \(argv[0])") }
        fail(126, "cannot execute \(argv[0]): \(String(cString: strerror(e)))")
    }
}
