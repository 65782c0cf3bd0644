/// What can happen to a session, as its machine (`SessionMachine`) is told: a
/// control line, an agent's report, the terminal printing or going quiet, a screen
/// read, the agent's end, a timer, and what became of an effect the machine asked
/// for. The runtime gathers them; the machine decides.
public enum SessionInput: Sendable {
    // MARK: writes

    /// One line of a `control` write, the write checked whole (`SessionMachine.check`).
    case command(SessionCommand, uid: UInt32)
    /// A spec file written whole, its value checked: the spec as it becomes.
    case spec(SpecKey, SessionSpec, uid: UInt32)
    /// A fact the runtime found and recorded as it is (a commit, a worktree made,
    /// `created`, `removed`, the state directory taking writes again).
    case record(Event, durable: Bool)
    /// A write or an effect was refused: recorded as an `error` event.
    case refused(HiveError, uid: UInt32)
    /// The prompts of a write to `queue`, the write checked (`PromptQueue.prompts`).
    case enqueue([String], uid: UInt32)
    /// The queued prompt `id` was not typed (`SessionEffect.typeQueued`): why.
    case queueReturned(id: Int, why: String)

    // MARK: the agent

    /// One record of `hooks.log`, read: what it means (`AgentAdapter.report`), when it
    /// was written, where it ends in the log, and the transcript the runtime found
    /// for the conversation it names, when the record names none.
    case report(AgentReport, time: Timestamp, hookEnd: Int64, transcriptFound: String?)
    /// The agent's own total cost, from its status line.
    case agentCost(Double)
    /// Tokens counted from the transcripts: the ledger as it now stands.
    case tokens(TranscriptLedger)
    /// The terminal printed something.
    case output
    /// The screen and the terminal's title show a turn running, read while the terminal
    /// prints (Codex), when the record was at `version`.
    case turnRunning(version: UInt64)
    /// The agent's conversation and its transcript, found on the machine (Codex's open rollout).
    case conversation(String, transcript: String)
    /// The quiet timer fired.
    case quiet
    /// The screen, read for `purpose`.
    case screen(String, ScreenPurpose)

    // MARK: outcomes of effects

    /// The agent was started (`SessionEffect.launch`).
    case launched(Launched)
    /// It could not be started: why.
    case launchFailed(String)
    /// The agent's processes were frozen (`pause`, or a spent budget: `reason`).
    case frozen(reason: String?)
    /// They were thawed (`resume`).
    case thawed
    /// The agent was ended by hivefs (`kill`, `restart`, a policy).
    case terminated(reason: String)
    /// The running agent's limits are now these (`SessionEffect.setLimits`).
    case limitsSet(ResourceLimits)
    /// A `commit`, `merge`, `push` or `pr` was carried out (`SessionEffect.land`).
    case landed(LandOutcome)
    /// The kernel killed a process of the session for memory: `count` in this run so far.
    case oomKilled(count: Int64)
    /// What the run's processes used, read from its cgroup before it goes.
    case usage(ResourceUsage)
    /// The agent ended by itself, or was found ended: how (`SessionEffect.finishExit`).
    case ended(Ending)
    /// The keys of an answer were pressed.
    case answered(Permission, choice: Int)
    /// At mount: what tmux says of the session's terminal.
    case adopt(Adoption)
    /// The agent's setup is done and it runs: its pid.
    case setupDone(pid: Int32)

    // MARK: timers

    /// The idle timeout armed when the state was `stateVersion` fired.
    case reap(stateVersion: UInt64)
    /// Time to read the screen again for the question a waiting session has not shown yet.
    case questionPoll(triesLeft: Int)
}

/// Why the screen is read.
public enum ScreenPurpose: Sendable, Equatable {
    /// A report that should have come did not (an agent that reports its turns).
    case reconcile(version: UInt64)
    /// The question the agent waits on, or one that came up while idle.
    case question
    /// An agent that reports nothing went quiet: at rest, or at a question?
    case rest
}

/// What the runtime reports of a start.
public struct Launched: Sendable, Equatable {
    /// The agent's pid, once the launcher wrote it.
    public var pid: Int32?
    /// The command line it runs, as words joined for people.
    public var commandLine: String
    /// The `starting` event's detail after `pid N`.
    public var detail: String
    public var agentSession: String?
    public var transcript: String?
    /// Where it runs, and the repository facts of an in-place session's first start.
    public var workdir: String
    public var repo: String?
    public var head: String?
    /// Whether its setup still runs (the pid comes once it is done).
    public var setupRunning = false
    /// Whether hivefs types the prompt once it runs.
    public var typesPrompt = false

    public init(pid: Int32?, commandLine: String, detail: String, workdir: String) {
        self.pid = pid
        self.commandLine = commandLine
        self.detail = detail
        self.workdir = workdir
    }
}

/// How an agent's terminal ended, as the runtime found it.
public struct Ending: Sendable, Equatable {
    /// What the launcher wrote when it could not start the agent.
    public var launchError: String?
    /// The launcher's record of how the agent ended: `exit N` or `signal N`.
    public var status: Int32?
    public var signal: Int32?
    /// tmux's dead pane, when the launcher wrote nothing.
    public var paneStatus: Int32?
    public var paneSignal: Int32?
    public var paneDead = false
    /// The kernel's OOM killer killed the agent: the end's reason is `oom`.
    public var oom = false

    public init() {}
}

/// What tmux says of a session at mount.
public struct Adoption: Sendable, Equatable {
    /// Whether its terminal still exists, and whether its process has ended.
    public var pane: Bool
    public var dead: Bool
    /// The agent's pid, as the launcher wrote it.
    public var agentPid: Int32?
    /// Start it again when it was lost (`restore = true`).
    public var restore: Bool

    public init(pane: Bool, dead: Bool, agentPid: Int32?, restore: Bool) {
        self.pane = pane
        self.dead = dead
        self.agentPid = agentPid
        self.restore = restore
    }
}
