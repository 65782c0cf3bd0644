/// Any command line, given by the `command` spec key. Its state is its terminal's;
/// the prompt is typed into it once it runs. A Claude Code started by hand in it
/// reports through `$HIVE_HOOKS` (the hook format Claude Code's is).
public struct ShellAgent: AgentAdapter {
    public init() {}
    public var name: AgentName { .shell }
    public var readsHooksVariable: Bool { true }
    /// A command keeps no conversation hivefs knows of: a fork runs it afresh.
    public var forks: ConversationFork { .nothing }

    public func check(_ spec: SessionSpec) throws(HiveError) {
        if spec.command.trimmingWhitespace().isEmpty {
            throw .invalid("agent shell needs a command (write it to the command file, or command=… in new)")
        }
        _ = try modeArguments(spec.mode)
    }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        let words = try CommandLineWords.split(spec.command)
        guard !words.isEmpty else { throw .invalid("agent shell needs a command") }
        return words
    }

    public func typesPrompt(_ spec: SessionSpec, _ launch: AgentLaunch) -> Bool { true }
}
