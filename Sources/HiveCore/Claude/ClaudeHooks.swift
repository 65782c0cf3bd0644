import Foundation

/// Reads Claude Code's hook payloads (JSON on the hook's stdin) into agent-neutral
/// reports. Field names are those Claude Code documents; fields a payload lacks
/// (older versions send fewer) leave the report's facts unknown, never wrong.
public enum ClaudeHooks {
    /// The hook events hivefs asks Claude Code for, in the order they tend to fire.
    public static let events = [
        "SessionStart", "UserPromptSubmit", "PreToolUse", "PermissionRequest", "PostToolUse",
        "PostToolUseFailure", "PermissionDenied", "Notification", "SubagentStart", "SubagentStop", "PreCompact",
        "PostCompact", "Stop", "StopFailure", "Interrupt", "SessionEnd",
    ]

    /// The events whose hooks take a matcher; hivefs's match everything.
    public static let matched: Set<String> = [
        "PreToolUse", "PermissionRequest", "PostToolUse", "PostToolUseFailure", "Notification",
        "SubagentStart", "SubagentStop", "PreCompact", "SessionStart", "SessionEnd", "StopFailure",
        "PermissionDenied", "PostCompact",
    ]

    /// Longest detail shown for free text (prompts, commands, messages).
    public static let detailLimit = 200

    /// Reads one payload. `base` is the session's directory: paths inside it are
    /// shown relative to it.
    public static func report(_ payload: [UInt8], base: String) -> AgentReport {
        let (event, p): (String, [String: Any])
        switch AgentReport.object(payload, key: "hook_event_name") {
        case .success(let o): (event, p) = o
        case .failure(let bad): return bad.report
        }
        var r = describe(event, p, base: base)
        let writers: Set<String> = ["Edit", "MultiEdit", "Write", "NotebookEdit", "Bash"]
        r.mayChangeFiles = event == "Stop" || ((event == "PostToolUse" || event == "PostToolUseFailure")
            && writers.contains(p["tool_name"] as? String ?? ""))
        r.agentSession = p["session_id"] as? String
        r.transcript = p["transcript_path"] as? String
        return r
    }

    static func describe(_ event: String, _ p: [String: Any], base: String) -> AgentReport {
        let toolName = p["tool_name"] as? String ?? ""
        let input = p["tool_input"] as? [String: Any] ?? [:]
        let target = toolName.isEmpty ? "" : ToolTarget.describe(toolName, input, base: base)
        switch event {
        case "SessionStart":
            var r = AgentReport(kind: EventKind.agentStart)
            let model = modelName(p["model"])
            r.detail = join([p["source"] as? String, model, (p["session_id"] as? String).map { "session " + $0 }])
            r.model = model
            r.wish = .ready
            return r
        case "UserPromptSubmit":
            var r = AgentReport(kind: EventKind.prompt, detail: firstLine(p["prompt"] as? String ?? ""))
            r.wish = .working
            r.clearsTool = true
            return r
        case "PreToolUse":
            var r = AgentReport(kind: EventKind.tool, detail: target)
            r.tool = target
            r.wish = .working
            return r
        case "PostToolUse":
            var r = AgentReport(kind: EventKind.toolDone, detail: target)
            r.clearsTool = true
            r.wish = .working
            r.touch = ToolTarget.touch(toolName, input, response: p["tool_response"], base: base)
            return r
        case "PostToolUseFailure":
            let err = firstLine(p["error"] as? String ?? "")
            var r = AgentReport(kind: EventKind.toolFailed, detail: join([target, err.isEmpty ? nil : "— " + err]))
            if p["is_interrupt"] as? Bool == true { r.detail += " (interrupted)" }
            r.clearsTool = true
            r.wish = .working
            return r
        case "PermissionRequest":
            var r = AgentReport(kind: EventKind.permission, detail: target)
            r.tool = target
            r.wish = .waiting("permission " + target)
            return r
        case "Notification":
            let message = firstLine(p["message"] as? String ?? "")
            let type = p["notification_type"] as? String
            var r = AgentReport(kind: EventKind.notification, detail: join([type.map { "[\($0)]" }, message]))
            if asksAPerson(type: type, message: message) { r.wish = .asking(message.isEmpty ? (type ?? "notification") : message) }
            return r
        case "Stop":
            return .turnEnded(p["last_assistant_message"] as? String)
        case "StopFailure":
            let type = p["error_type"] as? String
            let text = (p["error_message"] as? String) ?? (p["error"] as? String)
            let why = join([type.map { $0 + ":" }, text.map { firstLine($0) }])
            var r = AgentReport(kind: EventKind.stopFailed, detail: why)
            r.wish = .idle(why.isEmpty ? "stop failed" : why)
            r.clearsTool = true
            return r
        case "SubagentStart":
            var r = AgentReport(kind: EventKind.subagentStart,
                                detail: join([p["agent_type"] as? String, p["agent_id"] as? String]))
            r.wish = .working
            return r
        case "SubagentStop":
            var r = AgentReport(kind: EventKind.subagentStop,
                                detail: join([p["agent_type"] as? String, p["agent_id"] as? String]))
            r.subagentTranscript = p["agent_transcript_path"] as? String
            return r
        case "PreCompact":
            return AgentReport(kind: EventKind.compact, detail: p["trigger"] as? String ?? "")
        case "PostCompact":
            return AgentReport(kind: EventKind.compactDone, detail: p["trigger"] as? String ?? "")
        case "PermissionDenied":
            // Auto mode's own check refused a call (a person's "No" is an Interrupt).
            let why = firstLine(p["reason"] as? String ?? "")
            var r = AgentReport(kind: EventKind.toolDenied, detail: join([target, why.isEmpty ? nil : "— " + why]))
            r.clearsTool = true
            return r
        case "Interrupt":
            // Escape during a stream or a tool (`stop`), or a person's No or Escape at a
            // permission menu (`permission_denied`): the turn is over either way.
            var r = AgentReport(kind: EventKind.interrupt, detail: p["reason"] as? String ?? "")
            r.wish = .idle(nil)
            r.clearsTool = true
            return r
        case "SessionEnd":
            var r = AgentReport(kind: EventKind.agentEnd, detail: p["reason"] as? String ?? "")
            r.clearsTool = true
            return r
        default:
            return AgentReport(kind: EventKind.hook, detail: firstLine(event, limit: 60))
        }
    }

    /// Whether a notification means the agent waits for a person's answer.
    static func asksAPerson(type: String?, message: String) -> Bool {
        switch type {
        case "permission_prompt", "elicitation_dialog": return true
        case .some: return false
        case .none:
            // Payloads from before `notification_type` existed: the message says it.
            return message.contains("needs your permission") || message.contains("needs your approval")
        }
    }

    static func modelName(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        if let o = v as? [String: Any] { return (o["id"] as? String) ?? (o["display_name"] as? String) }
        return nil
    }

    /// The first non-blank line of free text, shortened. Not escaped: the files that
    /// show a detail escape what they must, once.
    public static func firstLine(_ s: String, limit: Int = detailLimit) -> String {
        let lines = s.unicodeScalars.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        let line = lines.lazy.map { String(String.UnicodeScalarView($0)).trimmingWhitespace() }.first { !$0.isEmpty } ?? ""
        return line.count <= limit ? line : String(line.prefix(limit)) + "…"
    }

    static func join(_ parts: [String?]) -> String {
        parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// A tool call's target, as one line (`Edit src/a.swift`, `Bash make test`), and
/// the file it touched.
public enum ToolTarget {
    /// Tools that read, change or create one file, and the input key naming it.
    static let fileKeys: [String: String] = [
        "Read": "file_path", "Edit": "file_path", "MultiEdit": "file_path", "Write": "file_path",
        "NotebookEdit": "notebook_path", "NotebookRead": "notebook_path",
    ]

    public static func describe(_ tool: String, _ input: [String: Any], base: String) -> String {
        func s(_ k: String) -> String? { (input[k] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        var target: String?
        if let key = fileKeys[tool] {
            target = s(key).map { relative($0, base: base) }
        } else {
            switch tool {
            case "Bash": target = s("command").map { ClaudeHooks.firstLine($0) }
            case "Grep", "Glob":
                target = ClaudeHooks.join([s("pattern").map { ClaudeHooks.firstLine($0, limit: 100) },
                                           s("path").map { "in " + relative($0, base: base) }])
            case "WebFetch": target = s("url")
            case "WebSearch": target = s("query").map { ClaudeHooks.firstLine($0) }
            case "Task", "Agent":
                target = ClaudeHooks.join([s("subagent_type").map { $0 + ":" }, s("description").map { ClaudeHooks.firstLine($0) }])
            case "TodoWrite": target = (input["todos"] as? [Any]).map { "\($0.count) todos" }
            default: target = nil
            }
        }
        guard let target, !target.isEmpty else { return tool }
        return tool + " " + target
    }

    /// The file a finished tool call touched, if it names one.
    public static func touch(_ tool: String, _ input: [String: Any], response: Any?, base: String) -> FileTouch? {
        func s(_ k: String) -> String? { (input[k] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        let action: String
        let path: String?
        switch tool {
        case "Read", "NotebookRead":
            action = "read"; path = s(fileKeys[tool] ?? "file_path")
        case "Edit", "MultiEdit", "NotebookEdit":
            action = "edit"; path = s(fileKeys[tool] ?? "file_path")
        case "Write":
            // Claude Code's response says whether the file was new.
            let created = (response as? [String: Any])?["type"] as? String == "create"
            action = created ? "create" : "write"; path = s("file_path")
        case "Grep", "Glob":
            action = "search"; path = s("path")
        default:
            return nil
        }
        guard let path else { return nil }
        return FileTouch(action: action, path: relative(path, base: base))
    }

    /// `path` relative to `base` when it lies inside it; otherwise unchanged.
    public static func relative(_ path: String, base: String) -> String {
        guard !base.isEmpty, path.hasPrefix("/") else { return path }
        let b = base.hasSuffix("/") ? String(base.dropLast()) : base
        if path == b { return "." }
        if path.hasPrefix(b + "/") { return String(path.dropFirst(b.count + 1)) }
        return path
    }
}
