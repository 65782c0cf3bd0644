/// Where Codex CLI keeps a session's log (its "rollout"), which holds its token counts.
public enum CodexPaths {
    /// `$CODEX_HOME/sessions`: rollouts are filed under `YYYY/MM/DD/` (local time) as
    /// `rollout-TIME-ID.jsonl`, where ID is the thread id `notify` reports.
    public static func sessionsFolder(codexHome: String) -> String { codexHome + "/sessions" }

    /// Whether a file name is the rollout of thread `id`.
    public static func isRollout(_ name: String, of id: String) -> Bool {
        name.hasPrefix("rollout-") && name.hasSuffix("-" + id + ".jsonl")
    }
}
