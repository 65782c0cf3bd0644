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
        let (type, p): (String, [String: Any])
        switch AgentReport.object(payload, key: "type") {
        case .success(let o): (type, p) = o
        case .failure(let bad): return bad.report
        }
        var r: AgentReport
        switch type {
        case "agent-turn-complete":
            r = .turnEnded(p["last-assistant-message"] as? String)
        default:
            r = AgentReport(kind: AgentEventKind.notification, detail: "[\(ClaudeHooks.firstLine(type, limit: 60))]")
        }
        r.agentSession = (p["thread-id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return r
    }
}
