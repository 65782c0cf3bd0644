/// Where Codex CLI keeps a session's log (its "rollout"), which holds its token counts.
public enum CodexPaths {
    /// `$CODEX_HOME/sessions`: rollouts are filed under `YYYY/MM/DD/` (local time) as
    /// `rollout-TIME-ID.jsonl`, where ID is the thread id `notify` reports.
    public static func sessionsFolder(codexHome: String) -> String { codexHome + "/sessions" }

    /// Whether a file name is the rollout of thread `id`.
    public static func isRollout(_ name: String, of id: String) -> Bool {
        name.hasPrefix("rollout-") && name.hasSuffix("-" + id + ".jsonl")
    }

    /// The thread whose rollout a path is (`…/sessions/…/rollout-TIME-ID.jsonl`, ID
    /// a UUID), or nil.
    public static func thread(ofRollout path: String) -> String? {
        guard path.contains("/sessions/"), let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[path.index(after: slash)...]
        guard name.hasPrefix("rollout-"), name.hasSuffix(".jsonl") else { return nil }
        let id = String(name.dropLast(".jsonl".count).suffix(36))
        let groups = id.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], groups.allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
              name.dropLast(".jsonl".count).dropLast(36).hasSuffix("-") else { return nil }
        return id
    }
}
