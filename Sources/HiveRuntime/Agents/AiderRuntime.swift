import HiveCore

/// What Aider needs of the machine: its chat history kept in the session's folder.
extension AiderAgent: AgentRuntime {
    /// The history is loaded again on restart, when there is one.
    func prepare(_ parts: Parts, _ s: LiveSession, _ plan: inout LaunchPlan) throws(HiveError) {
        let history = parts.store.aiderHistoryPath(plan.name)
        plan.launch.historyFile = history
        plan.launch.resume = Sys.stat(history) != nil
        // A fork's first start restores the parent's chat, copied at the fork.
        if !plan.launch.ranBefore, let f = plan.record.forkedFrom, f.copy == history { plan.launch.forkFrom = f.parent }
        plan.hookFiles.append(history)
    }

    /// Its caches and analytics (`~/.aider`); its chat files are in the repository.
    func sandboxWrites(env: [String: String], home: String) -> [String] {
        [(env["HOME"] ?? home) + "/.aider"]
    }
}
