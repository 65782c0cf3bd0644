import Foundation

/// The settings hivefs adds to a Claude Code session with `--settings`: one hook
/// for every event hivefs reads, all running the same command. Claude Code merges
/// them with the user's own settings, so the user's hooks keep running.
public enum ClaudeSettings {
    /// Seconds Claude Code lets a hook run; hivefs's hook returns in milliseconds.
    public static let hookTimeout = 10

    /// The settings file's JSON text. `command` is a shell command line (Claude Code
    /// runs hooks through `sh -c`), already quoted; `events` are those the installed
    /// Claude Code knows (`ClaudeHooks.events(for:)`).
    public static func json(hookCommand command: String, events: [String] = ClaudeHooks.events,
                            statusLine: StatusLine? = nil) -> String {
        var hooks = JSONWriter()
        for event in events {
            var handler = JSONWriter()
            handler.string("type", "command")
            handler.string("command", command)
            handler.int("timeout", Int64(hookTimeout))
            var group = JSONWriter()
            if ClaudeHooks.matched.contains(event) { group.string("matcher", "*") }
            group.raw("hooks", "[" + handler.result + "]")
            hooks.raw(event, "[" + group.result + "]")
        }
        var top = JSONWriter()
        top.raw("hooks", hooks.result)
        if let statusLine {
            var line = JSONWriter()
            line.string("type", "command")
            line.string("command", statusLine.command)
            if let padding = statusLine.padding { line.int("padding", padding) }
            top.raw("statusLine", line.result)
        }
        return top.result + "\n"
    }

    /// A status line: the shell command Claude Code runs with its session's snapshot
    /// (cost, model, context) on stdin, whose output it shows, and its padding.
    public struct StatusLine: Sendable, Equatable {
        public var command: String
        public var padding: Int64?

        public init(command: String, padding: Int64? = nil) { self.command = command; self.padding = padding }

        /// The user's own status line, from the settings files Claude Code would take
        /// it from, highest precedence first (the folder's `.claude/settings.local.json`,
        /// `.claude/settings.json`, then the user's `settings.json`): the first that
        /// sets one wins. A file that is missing or not JSON sets none.
        public static func user(in files: [[UInt8]?]) -> StatusLine? {
            for bytes in files {
                guard let bytes, let top = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                      let line = top["statusLine"] as? [String: Any] else { continue }
                guard line["type"] as? String == "command", let command = line["command"] as? String, !command.isEmpty else {
                    return nil
                }
                return StatusLine(command: command, padding: (line["padding"] as? NSNumber)?.int64Value)
            }
            return nil
        }
    }

    /// The record `hivefs-hook --status` appends to hooks.log for each new snapshot
    /// (HiveHook's `HookWriter.statusRecord`, which has no access to this module).
    public static let statusRecord = #"{"hook_event_name":"StatusLine"}"#

    /// Reads Claude Code's status-line snapshot: the session's cost so far, side calls included.
    public static func statusCost(_ snapshot: [UInt8]) -> Double? {
        guard let top = try? JSONSerialization.jsonObject(with: Data(snapshot)) as? [String: Any],
              let cost = top["cost"] as? [String: Any], let usd = (cost["total_cost_usd"] as? NSNumber)?.doubleValue,
              usd.isFinite, usd >= 0 else { return nil }
        return usd
    }
}

/// What a Claude Code terminal shows, read from its visible rows. Used only to
/// correct the state when a hook that should have come did not (Escape on a
/// permission prompt, an interrupted turn, the workspace-trust dialog).
public enum ClaudeScreen {
    public static func classify(_ screen: String) -> ScreenReading {
        let lower = ScreenReading.bottom(screen)
        if lower.contains("trust the files in this folder") || lower.contains("yes, i trust this folder")
            || lower.contains("do you trust") {
            return .trustDialog
        }
        return ScreenReading.common(screen)
    }

    /// The screen's line that says Claude Code refused a settings file, if one does:
    /// a refused file is skipped whole, so hivefs's hooks would never come.
    public static func refusedSettings(_ screen: String) -> String? {
        let lines = screen.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let i = lines.firstIndex(where: { l in
            let lower = l.lowercased()
            return lower.contains("invalid settings") || lower.contains("settings error") || lower.contains("invalid key in record")
        }) else { return nil }
        // The file it names is on this line or the next few, and the message may wrap
        // onto the lines that follow it, up to a blank one.
        guard let at = lines[i..<min(lines.count, i + 4)].firstIndex(where: { $0.contains(".json") }) else { return String(lines[i]) }
        var message = [String(lines[at])]
        let frame: Set<Character> = ["╭", "╮", "╰", "╯", "│", "─"]
        for l in lines[(at + 1)..<min(lines.count, at + 4)] {
            // A wrapped message goes on until its end ("Invalid key in record"), never into a frame.
            if l.isEmpty || l.contains(where: frame.contains) || message.joined().lowercased().contains("invalid key in record") { break }
            message.append(String(l))
        }
        return message.joined(separator: " ")
    }
}
