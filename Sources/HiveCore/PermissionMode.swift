/// How much an agent may do without asking: the session's `mode`, in each agent's
/// own words, mapped to its command line. An empty mode adds nothing (the agent's
/// own default, or the user's configuration). A value an agent does not have is
/// refused with EINVAL, naming the values it has.
///
/// The values were read from the real programs' `--help` (Claude Code 2.1.337,
/// Codex CLI 0.163.0, Aider 0.86.2); man 5 lists them.
public enum PermissionMode {
    /// Claude Code's `--permission-mode` choices (`default` is the older name of `manual`).
    public static let claude = ["default", "manual", "acceptEdits", "auto", "plan", "dontAsk", "bypassPermissions"]
    /// Codex CLI's approval policies (`--ask-for-approval`)…
    public static let codexApproval = ["on-request", "never"]
    /// …and sandboxes (`--sandbox`); a mode is one of either, or one of each joined by `+`.
    public static let codexSandbox = ["read-only", "workspace-write", "danger-full-access"]
    /// Aider asks before it adds files, runs commands or creates files (`ask`), or
    /// answers yes to all of it (`yes-always`, its `--yes-always`).
    public static let aider = ["ask", "yes-always"]

    static func refused(_ agent: AgentName, _ mode: String, _ known: String) -> HiveError {
        .invalid("mode '\(Text.printable(mode))' is not one \(agent) has; it has: \(known)")
    }
}
