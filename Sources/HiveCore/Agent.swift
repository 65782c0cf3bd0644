/// The kinds of agent a session can run. Each has an adapter in the runtime.
public enum AgentKind: String, Sendable, CaseIterable, Codable {
    /// Claude Code, started as `claude` from PATH.
    case claude
    /// Any command line, given by the `command` spec key.
    case shell

    /// The words `agent` accepts, for error messages and usage text.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
