/// Where a fork starts: the session forked, the one made, the commit its worktree
/// branched from, and the agent's conversation it goes on from. A `fork` event
/// carries it, in the parent's log and in the new session's; the new session's
/// record keeps it (`SessionRecord.forkedFrom`), so its first start forks the
/// conversation rather than starting one, even after a daemon restart.
public struct ForkPoint: Sendable, Equatable, Codable {
    /// The session forked, and the one made from it.
    public var parent: String
    public var child: String
    /// The commit the new worktree branched from (the parent's HEAD at the fork);
    /// nil when the parent works in no repository.
    public var commit: String?
    /// How many changed and untracked files were carried over uncommitted.
    public var carried: Int
    /// The parent's conversation as its agent names it (Claude Code's session id), and
    /// a copy of its transcript or chat history taken at the fork, in the new
    /// session's folder; nil when the parent had none yet (it never ran).
    public var conversation: String?
    public var copy: String?
    /// The id the copy is resumed under (Claude Code: a transcript of that name, placed
    /// where the new agent looks), so the fork starts from the conversation as it was at
    /// the fork, never from the parent's transcript as it has grown since; nil where the
    /// agent forks the parent's own (Codex).
    public var snapshot: String?

    public init(parent: String, child: String, commit: String? = nil, carried: Int = 0,
                conversation: String? = nil, copy: String? = nil, snapshot: String? = nil) {
        self.parent = parent
        self.child = child
        self.commit = commit
        self.carried = carried
        self.conversation = conversation
        self.copy = copy
        self.snapshot = snapshot
    }
}

/// How an agent's fork carries its conversation (`AgentAdapter.forks`).
public enum ConversationFork: Sendable, Equatable {
    /// The agent forks its own conversation when started with the parent's
    /// (`AgentLaunch.forkFrom`): Claude Code's `--resume ID --fork-session`, `codex fork ID`.
    case native
    /// hivefs copies the agent's chat history file, which the agent then loads (Aider).
    case history
    /// The agent keeps no conversation (a shell, a command): there is nothing to carry.
    case nothing
    /// The agent keeps a conversation hivefs cannot fork: why.
    case unsupported(String)
}
