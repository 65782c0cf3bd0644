/// Claude Code, started as `claude` from PATH. It reports through hooks hivefs
/// writes into a settings file of the session's own (`--settings`); hivefs picks
/// its conversation id (`--session-id`), so the transcript's path is known before
/// it exists, and a restart goes on with it (`--resume`).
public struct ClaudeAgent: AgentAdapter {
    public init() {}
    public var name: AgentName { .claude }
    public var reportsTurns: Bool { true }
    /// Its UserPromptSubmit hook reports each prompt it takes.
    public var reportsPrompts: Bool { true }
    public var transcript: TranscriptFormat? { .claude }
    public var interruptKeys: [String] { ["Escape"] }
    public var asksOnScreen: Bool { true }
    /// `--resume PARENT --fork-session --session-id NEW`: the parent's conversation,
    /// copied under a new id that hivefs picks, so its transcript is known at once.
    public var forks: ConversationFork { .native }

    public func modeArguments(_ mode: String) throws(HiveError) -> [String] {
        guard !mode.isEmpty else { return [] }
        guard PermissionMode.claude.contains(mode) else {
            throw PermissionMode.refused(name, mode, PermissionMode.claude.joined(separator: ", "))
        }
        return ["--permission-mode", mode]
    }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        var words = try words(spec, default: "claude")
        if let session = launch.conversation, let settings = launch.settingsFile {
            if let parent = launch.forkFrom { words += ["--resume", parent, "--fork-session"] }
            words += [launch.resume ? "--resume" : "--session-id", session, "--settings", settings]
        }
        words += try modeArguments(spec.mode)
        if !spec.model.isEmpty { words += ["--model", spec.model] }
        // A resumed conversation had its first prompt already.
        if !launch.resume { words += promptArgument(spec.prompt) }
        return words
    }

    public func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport {
        // A new status-line snapshot: its cost, not an event.
        if payload == Array(ClaudeSettings.statusRecord.utf8) { return .costSnapshot }
        return ClaudeHooks.report(payload, base: context.base)
    }

    public func question(on screen: String) -> ScreenQuestion? { ScreenMenu.menu(screen) }
    public func screen(_ text: String) -> ScreenReading { ClaudeScreen.classify(text) }

    public func refusedReports(_ screen: String) -> String? {
        ClaudeScreen.refusedSettings(screen).map { "Claude Code refused a settings file; its hooks will not come: \($0)" }
    }

    public func source(heard: Bool) -> String { heard ? "hooks" : "screen (no hook since it started)" }
}
