import Foundation

/// Reads what Codex CLI's `notify` program is given (one JSON argument, at the end
/// of each turn) into an agent-neutral report. Codex documents one notification,
/// `agent-turn-complete`: the turn is over and the agent waits for its person. It
/// says nothing when a turn starts or when it asks for approval; those come from
/// the screen.
public enum CodexNotify {
    /// The `-c` override that makes Codex run `command` (hivefs-hook and the
    /// session's hooks.log) with each notification: a TOML array of strings.
    public static func override(command: [String]) -> String {
        "notify=[" + command.map(tomlString).joined(separator: ",") + "]"
    }

    /// A TOML basic string.
    static func tomlString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Reads one notification.
    public static func report(_ payload: [UInt8]) -> AgentReport {
        if payload.isEmpty { return .unreadable("empty payload", bytes: 0) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload)) else {
            let why = String(validating: payload, as: UTF8.self) == nil ? "not UTF-8 text" : "not JSON"
            return .unreadable(why, bytes: payload.count)
        }
        guard let p = object as? [String: Any] else { return .unreadable("not a JSON object", bytes: payload.count) }
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
