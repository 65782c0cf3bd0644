/// Google's Gemini CLI, started as `gemini` from PATH. It reports through hooks
/// in a system settings file hivefs writes (`GEMINI_CLI_SYSTEM_SETTINGS_PATH`);
/// a restart goes on with the session it reported (`--resume`).
public struct GeminiAgent: AgentAdapter {
    public init() {}
    public var name: AgentName { .gemini }
    public var reportsTurns: Bool { true }
    /// Its BeforeAgent hook reports each prompt it takes.
    public var reportsPrompts: Bool { true }
    public var transcript: TranscriptFormat? { .gemini }
    public var interruptKeys: [String] { ["Escape"] }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        var words = try words(spec, default: "gemini")
        if !spec.model.isEmpty { words += ["--model", spec.model] }
        if launch.resume, let id = launch.conversation { return words + ["--resume", id] }
        // Interactive, with a first prompt (a bare prompt would run once and exit).
        if !spec.prompt.isEmpty { words += ["--prompt-interactive", spec.prompt] }
        return words
    }

    public func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport {
        GeminiHooks.report(payload, base: context.base)
    }

    public func source(heard: Bool) -> String { heard ? "hooks" : "screen (no hook since it started)" }
}
