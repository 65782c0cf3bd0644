/// Cursor's CLI agent, started as `cursor-agent` from PATH. No hooks are given
/// (they would be a file in the user's project): its state is its terminal's. A
/// restart goes on with the folder's latest chat (`resume`).
public struct CursorAgent: AgentAdapter {
    public init() {}
    public var name: AgentName { .cursor }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        var words = try words(spec, default: "cursor-agent")
        if !spec.model.isEmpty { words += ["--model", spec.model] }
        if launch.ranBefore { return words + ["resume"] }
        return words + promptArgument(spec.prompt)
    }
}
