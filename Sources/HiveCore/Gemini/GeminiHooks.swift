import Foundation

/// Reads Gemini CLI's hook payloads (JSON on the hook's stdin) into agent-neutral
/// reports, and writes the settings that ask Gemini CLI for them. Names are those
/// of Gemini CLI's hooks reference: BeforeAgent / AfterAgent bracket a turn,
/// BeforeTool / AfterTool a tool call, Notification (ToolPermission) an approval.
public enum GeminiHooks {
    /// The hook events hivefs asks Gemini CLI for.
    public static let events = [
        "SessionStart", "BeforeAgent", "BeforeTool", "AfterTool", "Notification", "AfterAgent", "PreCompress", "SessionEnd",
    ]

    /// How long Gemini CLI lets a hook run (milliseconds); hivefs-hook takes a few.
    static let hookTimeoutMS = 10_000

    /// The settings file given to Gemini CLI as its system settings
    /// (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`): `base` (the machine's own system settings,
    /// which that file replaces) with hivefs's hooks added to any it has.
    public static func settings(hookCommand command: String, base: [String: Any] = [:]) -> String {
        var top = base
        var hooks = base["hooks"] as? [String: Any] ?? [:]
        for event in events {
            let handler: [String: Any] = ["name": "hivefs", "type": "command", "command": command, "timeout": hookTimeoutMS]
            var groups = hooks[event] as? [Any] ?? []
            groups.append(["matcher": "", "hooks": [handler]] as [String: Any])
            hooks[event] = groups
        }
        top["hooks"] = hooks
        var config = base["hooksConfig"] as? [String: Any] ?? [:]
        config["enabled"] = true
        top["hooksConfig"] = config
        let data = (try? JSONSerialization.data(withJSONObject: top, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// Reads one payload. `base` is the session's directory, for relative paths.
    public static func report(_ payload: [UInt8], base: String) -> AgentReport {
        let (event, p): (String, [String: Any])
        switch AgentReport.object(payload, key: "hook_event_name") {
        case .success(let o): (event, p) = o
        case .failure(let bad): return bad.report
        }
        let tool = p["tool_name"] as? String ?? ""
        let input = p["tool_input"] as? [String: Any] ?? [:]
        let target = tool.isEmpty ? "" : describe(tool, input, base: base)
        var r: AgentReport
        switch event {
        case "SessionStart":
            r = AgentReport(kind: EventKind.agentStart, detail: ClaudeHooks.join([p["source"] as? String,
                (p["session_id"] as? String).map { "session " + $0 }]))
            r.wish = .ready
        case "BeforeAgent":
            r = AgentReport(kind: EventKind.prompt, detail: ClaudeHooks.firstLine(p["prompt"] as? String ?? ""))
            r.wish = .working
            r.clearsTool = true
        case "BeforeTool":
            r = AgentReport(kind: EventKind.tool, detail: target)
            r.tool = target
            r.wish = .working
        case "AfterTool":
            let response = p["tool_response"] as? [String: Any]
            let error = (response?["error"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                ?? ((response?["error"] as? [String: Any])?["message"] as? String)
            if let error {
                r = AgentReport(kind: EventKind.toolFailed, detail: ClaudeHooks.join([target, "— " + ClaudeHooks.firstLine(error)]))
            } else {
                r = AgentReport(kind: EventKind.toolDone, detail: target)
                r.touch = touch(tool, input, base: base)
            }
            r.clearsTool = true
            r.wish = .working
            r.mayChangeFiles = ["write_file", "replace", "run_shell_command"].contains(tool)
        case "Notification":
            let message = ClaudeHooks.firstLine(p["message"] as? String ?? "")
            let type = p["notification_type"] as? String
            r = AgentReport(kind: EventKind.notification, detail: ClaudeHooks.join([type.map { "[\($0)]" }, message]))
            if type == "ToolPermission" { r.wish = .asking(message.isEmpty ? "permission" : message) }
        case "AfterAgent":
            r = .turnEnded(p["prompt_response"] as? String)
        case "PreCompress":
            r = AgentReport(kind: EventKind.compact, detail: p["trigger"] as? String ?? "")
        case "SessionEnd":
            r = AgentReport(kind: EventKind.agentEnd, detail: p["reason"] as? String ?? "")
        default:
            r = AgentReport(kind: EventKind.hook, detail: ClaudeHooks.firstLine(event, limit: 60))
        }
        r.agentSession = (p["session_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        r.transcript = (p["transcript_path"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return r
    }

    /// A tool and its target, as `tool` shows it: `read_file src/a.ts`.
    static func describe(_ tool: String, _ input: [String: Any], base: String) -> String {
        func s(_ k: String) -> String? { (input[k] as? String).flatMap { $0.isEmpty ? nil : $0 } }
        let target: String?
        switch tool {
        case "read_file", "write_file", "replace":
            target = (s("file_path") ?? s("absolute_path")).map { ToolTarget.relative($0, base: base) }
        case "run_shell_command": target = s("command").map { ClaudeHooks.firstLine($0) }
        case "glob", "search_file_content":
            target = ClaudeHooks.join([s("pattern").map { ClaudeHooks.firstLine($0, limit: 100) },
                                       s("path").map { "in " + ToolTarget.relative($0, base: base) }])
        case "list_directory": target = s("path").map { ToolTarget.relative($0, base: base) }
        case "web_fetch": target = s("prompt").map { ClaudeHooks.firstLine($0, limit: 100) }
        case "google_web_search": target = s("query").map { ClaudeHooks.firstLine($0) }
        default: target = nil
        }
        guard let target, !target.isEmpty else { return tool }
        return tool + " " + target
    }

    /// The file a finished tool call touched, if it names one.
    static func touch(_ tool: String, _ input: [String: Any], base: String) -> FileTouch? {
        let path = (input["file_path"] as? String) ?? (input["absolute_path"] as? String)
        let action: String
        switch tool {
        case "read_file": action = "read"
        case "write_file": action = "write"
        case "replace": action = "edit"
        case "glob", "search_file_content":
            guard let p = input["path"] as? String, !p.isEmpty else { return nil }
            return FileTouch(action: "search", path: ToolTarget.relative(p, base: base))
        default: return nil
        }
        guard let path, !path.isEmpty else { return nil }
        return FileTouch(action: action, path: ToolTarget.relative(path, base: base))
    }
}
