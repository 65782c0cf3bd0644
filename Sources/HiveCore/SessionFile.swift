/// The files of a session directory (DESIGN.md §1), in listing order.
public enum SessionFile: String, Sendable, CaseIterable {
    case agent, command, control, diff
    case diffStat = "diff.stat"
    case dir, events
    case eventsJSONL = "events.jsonl"
    case files, git
    case gitJSON = "git.json"
    case log, mode, model, permission
    case permissionJSON = "permission.json"
    case prompt, queue, sandbox, screen
    case screenANSI = "screen.ansi"
    case setup, state, status
    case statusJSON = "status.json"
    case summary
    case summaryJSON = "summary.json"
    case trust, worktree

    /// The spec key this file edits, if it is a spec file.
    public var specKey: SpecKey? { SpecKey(rawValue: rawValue) }

    /// Files that only grow and are served from disk at any offset.
    public var isLog: Bool { self == .events || self == .eventsJSONL || self == .log }

    /// Files served as they are on disk, at any offset: the logs, and the summary
    /// written when the session ends (absent before).
    public var isOnDisk: Bool { isLog || self == .summary || self == .summaryJSON }

    /// The files a session in `history/` keeps (everything but `control`).
    public static let frozen: [SessionFile] = allCases.filter { $0 != .control }
}

/// The files of the mount's root, besides the session directories and `history/`.
public enum RootFile: String, Sendable, CaseIterable {
    case control, events, status
    /// Every session's `status.json`, in one array: what a dashboard reads each refresh.
    case statusJSON = "status.json"
}
