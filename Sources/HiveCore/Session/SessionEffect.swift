/// What a session's machine asks the runtime to do. The machine has already folded
/// every event it returns into its record; the runtime appends them to the log, in
/// order, before anything else sees the record, then carries out the rest.
public enum SessionEffect: Sendable, Equatable {
    /// The write that gave the input is refused with this error (recorded already).
    case refuse(HiveError)
    /// Append to the event log (`durable`: fsync'd before going on).
    case append(Event, durable: Bool)
    /// Save the record (`record.json`), so a restart replays only what follows.
    case checkpoint(SessionRecord)
    /// The files that show the session changed: wake `poll()` and drop caches.
    case changed
    /// Run the config's `[on]` commands for a change of state.
    case runOn(from: SessionState, to: SessionRecord)
    /// The session has ended: write `summary` and `summary.json`.
    case summary
    /// Arm a timer; its input comes back when it fires.
    case after(ms: Int, SessionTimer)
    /// Read the screen, and come back with `.screen(text, purpose)`.
    case capture(ScreenPurpose)
    /// Start the agent, and come back with `.launched` or `.launchFailed`.
    case launch
    /// After a start: watch the agent's end (pidfd), its terminal and its git work tree.
    case watch
    /// Freeze the agent's processes (`reason` for a budget), then `.frozen`.
    case freeze(reason: String?)
    /// Thaw them, then `.thawed`.
    case thaw
    /// End the agent (TERM, KILL after the grace period), then `.terminated`.
    case terminate(reason: String)
    /// Apply these limits to the running agent's cgroup, then `.limitsSet`.
    case setLimits(ResourceLimits)
    /// Close the terminal of an agent that ended, and come back with `.ended`.
    case finishExit
    /// Press keys in the agent's terminal.
    case keys([String])
    /// Type text, each line followed by Enter.
    case type(String)
    /// Type the queued prompt `id` (in flight: `queue.sent` recorded), once the session,
    /// looked at again just before, can still take it (`SessionMachine.queueHold`);
    /// else come back with `.queueReturned`.
    case typeQueued(id: Int, text: String)
    /// Press the keys that pick option `choice` of the question, once the screen still
    /// shows it and `notBeforeMS` (monotonic) has come; then `.answered`.
    case answer(Permission, choice: Int, notBeforeMS: Int64)
    /// Carry out a `commit`, `merge`, `push` or `pr` with git, then `.landed`.
    case land(LandRequest)
    /// Something may have changed the work tree: git's facts are stale.
    case gitChanged
    /// Look at the agent while its terminal prints (its runtime's `whilePrinting`).
    case whilePrinting
    /// Save the token ledger soon (it bounds what a restart reads again).
    case saveLedger
}

/// The timers a machine sets.
public enum SessionTimer: Sendable, Equatable {
    case quiet
    case reap(stateVersion: UInt64)
    case questionPoll(triesLeft: Int)
}
