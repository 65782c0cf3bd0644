/// Aider, started as `aider` from PATH. It runs hivefs's notifications command
/// each time it waits for its person; everything else is read from its terminal.
/// Its chat history is kept in the session's folder, and loaded again on restart.
public struct AiderAgent: AgentAdapter {
    public init() {}
    public var name: AgentName { .aider }
    /// A fork starts with a copy of the parent's chat history, restored.
    public var forks: ConversationFork { .history }
    public var drawsAfterReport: Bool { true }
    public var asksOnScreen: Bool { true }
    public var readsQuietScreen: Bool { true }

    public func modeArguments(_ mode: String) throws(HiveError) -> [String] {
        guard !mode.isEmpty else { return [] }
        guard PermissionMode.aider.contains(mode) else {
            throw PermissionMode.refused(name, mode, PermissionMode.aider.joined(separator: ", "))
        }
        return mode == "yes-always" ? ["--yes-always"] : []
    }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        // The prompt is typed once it runs: `--message` would answer it and exit.
        var words = try words(spec, default: "aider")
        if !launch.reportCommand.isEmpty {
            words += ["--notifications", "--notifications-command", AiderNotify.command(report: launch.reportCommand)]
        }
        if let history = launch.historyFile {
            words += ["--chat-history-file", history]
            if launch.resume { words.append("--restore-chat-history") }
        }
        words += try modeArguments(spec.mode)
        if !spec.model.isEmpty { words += ["--model", spec.model] }
        return words
    }

    /// Not when it restores its chat (a restart): the prompt was its first message,
    /// and is in that chat already.
    /// A fork's prompt is new, though its chat is restored.
    public func typesPrompt(_ spec: SessionSpec, _ launch: AgentLaunch) -> Bool { !launch.resume || launch.forkFrom != nil }

    public func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport {
        // A question is told apart from the prompt by the screen.
        AiderNotify.report(payload, screen: context.screen())
    }

    public func question(on screen: String) -> ScreenQuestion? { ScreenMenu.letters(screen) }

    /// Quiet anywhere but at its prompt (importing as it starts), it is not idle yet.
    public func atRest(_ screen: String) -> Bool { AiderNotify.atPrompt(screen) }

    public func source(heard: Bool) -> String { "notify, terminal" }
}
