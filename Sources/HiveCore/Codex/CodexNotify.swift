import Foundation

/// Reads what Codex CLI's `notify` program is given (one JSON argument, at the end
/// of each turn) into an agent-neutral report. Codex documents one notification,
/// `agent-turn-complete`: the turn is over and the agent waits for its person. It
/// says nothing when a turn starts or when it asks for approval; those come from
/// the screen.
public enum CodexNotify {
    /// The `-c` override that makes Codex run `command` (hivefs-hook and the
    /// session's hooks.log) with each notification: a TOML array of strings. The
    /// escapes of a JSON string are those of a TOML basic string.
    public static func override(command: [String]) -> String {
        "notify=[" + command.map(JSONWriter.quote).joined(separator: ",") + "]"
    }

    /// Reads one notification.
    public static func report(_ payload: [UInt8]) -> AgentReport {
        let p: [String: Any]
        switch AgentReport.object(payload) {
        case .success(let o): p = o
        case .failure(let bad): return bad.report
        }
        guard let type = p["type"] as? String, !type.isEmpty else { return .unreadable("no type", bytes: payload.count) }
        var r: AgentReport
        switch type {
        case "agent-turn-complete":
            let last = p["last-assistant-message"] as? String
            r = AgentReport(kind: AgentEventKind.idle, detail: last.map { ClaudeHooks.firstLine($0) } ?? "")
            r.message = last
            r.wish = .idle(nil)
            r.clearsTool = true
            r.mayChangeFiles = true
        default:
            r = AgentReport(kind: AgentEventKind.notification, detail: "[\(ClaudeHooks.firstLine(type, limit: 60))]")
        }
        r.agentSession = (p["thread-id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return r
    }
}
