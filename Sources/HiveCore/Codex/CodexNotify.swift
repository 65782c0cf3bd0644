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
        case "agent-turn-complete" where isTitleThread(p):
            // Not the session's thread: its turn says nothing of the conversation's.
            let title = titleText(p["last-assistant-message"] as? String)
            return AgentReport(kind: EventKind.notification, detail: "title" + (title.map { ": " + ClaudeHooks.firstLine($0, limit: 60) } ?? ""))
        case "agent-turn-complete":
            r = .turnEnded(p["last-assistant-message"] as? String)
        default:
            r = AgentReport(kind: EventKind.notification, detail: "[\(ClaudeHooks.firstLine(type, limit: 60))]")
        }
        r.agentSession = (p["thread-id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return r
    }

    /// What Codex CLI (0.163) asks in the thread it starts of its own to name a new
    /// conversation; that thread's turn ends with a notification too (just before the
    /// conversation's first turn ends, or while it still runs), with another thread id.
    public static let titleRequest = "Generate a concise, single-line task title"

    /// Whether a notification is of the title thread: its one input message is the title request.
    static func isTitleThread(_ p: [String: Any]) -> Bool {
        guard let inputs = p["input-messages"] as? [String], inputs.count == 1 else { return false }
        return inputs[0].hasPrefix(titleRequest)
    }

    /// The title in the title thread's answer (`{"title": "…"}`), or the answer itself.
    static func titleText(_ answer: String?) -> String? {
        guard let answer else { return nil }
        if let o = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any], let t = o["title"] as? String {
            return t
        }
        return answer
    }
}
