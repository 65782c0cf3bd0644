/// The kinds of agent a session can run. Each has an adapter in the runtime.
public enum AgentKind: String, Sendable, CaseIterable, Codable {
    /// Claude Code, started as `claude` from PATH.
    case claude
    /// OpenAI's Codex CLI, started as `codex` from PATH.
    case codex
    /// Google's Gemini CLI, started as `gemini` from PATH.
    case gemini
    /// Aider, started as `aider` from PATH.
    case aider
    /// Cursor's CLI agent, started as `cursor-agent` from PATH.
    case cursor
    /// Any command line, given by the `command` spec key.
    case shell

    /// Whether the agent says, through hooks or notifications, when a turn ends: then
    /// terminal output does not mean `working`, and a quiet terminal is read to
    /// tell working, waiting and idle apart.
    public var reportsTurns: Bool { self == .claude || self == .codex || self == .gemini }

    /// Whether its token use is read from its own log (a transcript, a rollout).
    public var transcript: TranscriptFormat? {
        switch self {
        case .claude: return .claude
        case .codex: return .codex
        case .gemini: return .gemini
        case .aider, .cursor, .shell: return nil
        }
    }

    /// The words `agent` accepts, for error messages and usage text.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
