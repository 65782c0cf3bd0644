/// OpenAI's Codex CLI, started as `codex` from PATH. It reports the end of each
/// turn through `notify` (a `-c` override naming hivefs-hook), and nothing else:
/// a turn running and an approval asked are read from its terminal.
public struct CodexAgent: AgentAdapter {
    public init() {}
    public var name: AgentName { .codex }
    public var forks: ConversationFork { .native }
    public var reportsTurns: Bool { true }
    public var transcript: TranscriptFormat? { .codex }
    public var interruptKeys: [String] { ["Escape"] }
    public var asksOnScreen: Bool { true }

    public func modeArguments(_ mode: String) throws(HiveError) -> [String] {
        guard !mode.isEmpty else { return [] }
        let parts = mode.split(separator: "+", omittingEmptySubsequences: false).map(String.init)
        let approval = parts.filter { PermissionMode.codexApproval.contains($0) }
        let sandbox = parts.filter { PermissionMode.codexSandbox.contains($0) }
        guard parts.count <= 2, approval.count + sandbox.count == parts.count, approval.count <= 1, sandbox.count <= 1 else {
            throw PermissionMode.refused(name, mode, "an approval policy (\(PermissionMode.codexApproval.joined(separator: ", "))), a sandbox ("
                                         + PermissionMode.codexSandbox.joined(separator: ", ") + "), or one of each joined by '+'")
        }
        return approval.flatMap { ["--ask-for-approval", $0] } + sandbox.flatMap { ["--sandbox", $0] }
    }

    /// Codex's own sandbox (read-only, workspace-write) is bubblewrap, which cannot be
    /// made inside hivefs's: there /proc is read-only, and Codex's bwrap stops at
    /// "setting up uid map: Read-only file system", so every command it runs would
    /// fail. In `sandbox=bwrap`, hivefs's sandbox is Codex's: `--sandbox
    /// danger-full-access` unless the mode says so already, and a mode naming one of
    /// Codex's own sandboxes is refused.
    func sandboxArguments(_ spec: SessionSpec) throws(HiveError) -> [String] {
        guard spec.sandboxed else { return [] }
        let named = spec.mode.split(separator: "+").map(String.init).filter { PermissionMode.codexSandbox.contains($0) }
        if let own = named.first, own != "danger-full-access" {
            throw .invalid("mode=\(spec.mode): Codex's \(own) sandbox is bubblewrap, which cannot run inside sandbox=bwrap; "
                           + "leave the sandbox out of mode (hivefs's is Codex's there) or use sandbox=none")
        }
        return named.isEmpty ? ["--sandbox", "danger-full-access"] : []
    }

    public func check(_ spec: SessionSpec) throws(HiveError) {
        _ = try modeArguments(spec.mode)
        _ = try sandboxArguments(spec)
    }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        // Options before the `resume` subcommand: they are the program's own.
        var words = try words(spec, default: "codex")
        if !launch.reportCommand.isEmpty { words += ["-c", CodexNotify.override(command: launch.reportCommand)] }
        words += try modeArguments(spec.mode) + sandboxArguments(spec)
        if !spec.model.isEmpty { words += ["--model", spec.model] }
        // A thread it reported goes on; its rollout holds the conversation.
        if launch.resume, let thread = launch.conversation { return words + ["resume", thread] }
        // A fork's first start: a new thread from the parent's (`codex fork ID [PROMPT]`),
        // in the fork's own worktree: Codex 0.163 asks whether to work in the parent's
        // folder instead unless `tui.resume_cwd` says "current".
        if let parent = launch.forkFrom {
            return words + ["-c", #"tui.resume_cwd="current""#, "fork", parent] + promptArgument(spec.prompt)
        }
        return words + promptArgument(spec.prompt)
    }

    public func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport { CodexNotify.report(payload) }
    public func question(on screen: String) -> ScreenQuestion? { ScreenMenu.menu(screen) }

    public func source(heard: Bool) -> String { heard ? "notify, screen" : "screen (no notification since it started)" }
}
