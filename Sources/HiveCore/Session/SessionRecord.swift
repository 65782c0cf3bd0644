/// What is known about one session, folded from its event log. The log is the
/// truth: replaying it after a crash gives back exactly this value. It is also
/// saved as a checkpoint (`record.json`), so a restart replays only what follows.
public struct SessionRecord: Sendable, Equatable, Codable {
    public let name: String
    public var spec: SessionSpec
    public var state: SessionState = .new
    public var created: Timestamp
    public var started: Timestamp?
    public var ended: Timestamp?
    public var pid: Int32?
    public var exitCode: Int32?
    public var reason: String?
    /// The argument vector the agent was started with, as a command line.
    public var commandLine: String?
    public var lastEvent: Timestamp
    public var eventCount: Int = 0
    public var lastError: Event?
    /// Grows by one on every change; `poll()` and caches compare it.
    public var version: UInt64 = 0
    /// Grows by one when `state` changes.
    public var stateVersion: UInt64 = 0
    /// The tool the agent is running now, with its target.
    public var tool: String?
    /// Every file the agent touched, with how often.
    public var files: [FileTouch: Int] = [:]
    /// The agent's own conversation id (Claude Code's session id), to resume it.
    public var agentSession: String?
    /// The model the agent reported.
    public var model: String?
    /// The agent's last message.
    public var message: String?
    /// The agent's transcript file.
    public var transcript: String?
    /// Bytes of `hooks.log` already turned into events.
    public var hookOffset: Int64 = 0
    /// The branch of the session's worktree.
    public var branch: String?
    /// The commit the session started from (its worktree's base).
    public var base: String?
    /// The branch checked out in the repository when the worktree was made: where
    /// `merge` goes by default. Nil in checkpoints and logs written before it was kept.
    public var baseBranch: String?
    /// The session's own worktree, while it exists.
    public var worktree: String?
    /// The repository the session works in (its main work tree).
    public var repo: String?
    /// The folder the agent runs in (in its worktree, when it has one).
    public var workdir: String?
    /// The last HEAD hivefs saw, so commits made while it was down are reported too.
    public var head: String?
    /// Seconds idle or waiting after which the session is ended: nil for the
    /// configured default, 0 for never.
    public var idleTimeout: Int64?
    /// When the state last changed.
    public var stateSince: Timestamp
    /// The session's budget, and whether it has been spent (a new budget starts afresh).
    public var budget: Budget?
    public var budgetSpent = false
    /// Prompts the agent was given, and tool calls by tool.
    public var prompts = 0
    public var tools: [String: Int] = [:]
    /// The question the agent waits on now (`permission`), if any.
    public var permission: Permission?
    /// The last id given to a question (the next one gets one more); nil before the
    /// first, and in checkpoints written before questions were recorded.
    public var lastPermissionID: Int?
    /// While paused: the state `resume` returns to (the state it was paused in, or the
    /// one an agent reported meanwhile). Nil in checkpoints written before it was kept.
    public var resumeTo: SessionState?
    /// Where this session was forked from (`fork`), when it was; nil in checkpoints
    /// written before forks were kept.
    public var forkedFrom: ForkPoint?
    /// The limits set by `limit` since the session was made; nil while the spec's hold.
    public var limitsSet: ResourceLimits?
    /// What the agent's processes used in its last run, recorded as it ended (`usage`).
    public var usage: ResourceUsage?
    /// How many processes the kernel killed for memory in this run (`limit` events).
    public var oomKills: Int64 {
        get { oomKillsSeen ?? 0 }
        set { oomKillsSeen = newValue }
    }
    /// Stored as optional, so that a checkpoint written before it existed still reads.
    var oomKillsSeen: Int64?
    /// The prompts of `queue` not delivered yet, in order (`PromptQueue`).
    public var queue: [QueuedPrompt] {
        get { queued ?? [] }
        set { queued = newValue.isEmpty ? nil : newValue }
    }
    /// The last id given to a queued prompt (the next gets one more); 0 before the first.
    public var queueLastID: Int {
        get { queueIDs ?? 0 }
        set { queueIDs = newValue }
    }
    /// The prompt delivered last, until its turn is over.
    public var queueFlight: QueueFlight?
    /// Stored as optional, so that a checkpoint written before the queue still reads.
    var queued: [QueuedPrompt]?
    var queueIDs: Int?

    public init(name: String, spec: SessionSpec, created: Timestamp) {
        self.name = name
        self.spec = spec
        self.created = created
        self.lastEvent = created
        self.stateSince = created
    }

    /// The limits the agent runs under: those set by `limit`, else the spec's.
    public var limits: ResourceLimits { limitsSet ?? spec.limits }

    /// Builds a record from a log; nil if the log does not begin with `created`.
    public static func replay(_ events: [Event]) -> SessionRecord? {
        guard let first = events.first, first.kind == EventKind.created else { return nil }
        var r = SessionRecord(name: first.session, spec: first.spec ?? SessionSpec(), created: first.time)
        for e in events { r.apply(e) }
        return r
    }

    /// Folds one event into the record.
    public mutating func apply(_ e: Event) {
        eventCount += 1
        version &+= 1
        if e.time > lastEvent { lastEvent = e.time }
        if let h = e.hook, h > hookOffset { hookOffset = h }
        if let v = e.agentSession { agentSession = v }
        if let v = e.model { model = v }
        if let v = e.message { message = v }
        if let v = e.transcript { transcript = v }
        if let a = e.action, let p = e.path { files[FileTouch(action: a, path: p), default: 0] += 1 }
        if let v = e.branch { branch = v }
        if let v = e.base { base = v }
        if let v = e.baseBranch { baseBranch = v }
        if let v = e.worktree { worktree = v }
        if let v = e.repo { repo = v }
        if let v = e.workdir { workdir = v }
        if let v = e.head { head = v }
        if e.kind == EventKind.worktreeRemoved { worktree = nil }
        if let v = e.resumeTo { resumeTo = v }
        switch e.kind {
        case EventKind.created, EventKind.spec:
            if let s = e.spec { spec = s }
            return
        case EventKind.error:
            lastError = e
        case EventKind.fork:
            if let f = e.fork, f.child == name { forkedFrom = f }
        case EventKind.policy where e.key == "idle-timeout":
            idleTimeout = e.value.flatMap { $0 == "off" ? 0 : Int64($0) }
        case EventKind.policy where e.key == "budget":
            budget = e.value.flatMap(Budget.init(text:))
            budgetSpent = false
        case EventKind.policy where e.key == "budget.spent":
            budgetSpent = true
        case EventKind.policy where e.key == "limits":
            limitsSet = e.value.flatMap(ResourceLimits.init(text:))
        case EventKind.limit where e.key == "oom":
            oomKills = max(oomKills, e.value.flatMap { Int64($0) } ?? oomKills + 1)
        case EventKind.usage:
            usage = e.value.flatMap(ResourceUsage.init(text:))
        case EventKind.prompt:
            prompts += 1
            tool = nil
            // The agent saw a prompt come in: the one delivered, most likely.
            queueFlight?.begun = true
        case EventKind.queueAdded:
            if let text = e.value {
                let id = e.key.flatMap { Int($0) } ?? queueLastID + 1
                // In place: a write of many prompts appends one by one.
                if queued == nil { queued = [QueuedPrompt(id: id, text: text)] } else { queued?.append(QueuedPrompt(id: id, text: text)) }
                queueLastID = max(queueLastID, id)
            }
        case EventKind.queueSent:
            if let text = e.value {
                let id = e.key.flatMap { Int($0) } ?? 0
                queue.removeAll { $0.id == id }
                queueFlight = QueueFlight(prompt: QueuedPrompt(id: id, text: text))
            }
        case EventKind.queueCleared:
            queue = []
        case EventKind.queueDone:
            if let id = e.key.flatMap({ Int($0) }), queueFlight?.prompt.id == id { queueFlight = nil }
        case EventKind.queueReturned:
            // Pending again, first: it was never typed.
            if let id = e.key.flatMap({ Int($0) }), let text = e.value {
                if queueFlight?.prompt.id == id { queueFlight = nil }
                if !queue.contains(where: { $0.id == id }) { queue.insert(QueuedPrompt(id: id, text: text), at: 0) }
            }
        case EventKind.tool:
            tool = e.tool
            if let name = e.tool?.split(separator: " ").first { tools[String(name), default: 0] += 1 }
        case EventKind.permission:
            tool = e.tool
        case EventKind.permissionAsked:
            if let p = e.permission { permission = p; lastPermissionID = max(lastPermissionID ?? 0, p.id) }
        case EventKind.permissionAnswered, EventKind.permissionGone:
            if e.permission == nil || e.permission?.id == permission?.id { permission = nil }
        case EventKind.toolDone, EventKind.toolFailed, EventKind.idle,
             EventKind.stopFailed, EventKind.agentEnd:
            tool = nil
        default:
            break
        }
        // A new run counts afresh.
        if e.kind == EventKind.state, e.state == .starting, state != .starting { oomKills = 0; usage = nil }
        if let s = e.state, e.kind == EventKind.state || e.kind.isAgentReport || e.kind.isPermissionQuestion {
            enter(s, e)
        }
    }

    /// A change of state, from a `state` event or an agent's report that carries one.
    private mutating func enter(_ s: SessionState, _ e: Event) {
        if s != state { stateVersion &+= 1; stateSince = e.time }
        // A question is asked only while the session waits.
        if s != .waiting { permission = nil }
        // A delivered prompt's turn: begun once the agent works or asks, over once it is idle again.
        switch s {
        case .working, .waiting: queueFlight?.begun = true
        case .idle: if queueFlight?.begun == true { queueFlight = nil }
        case .starting, .exited, .killed, .failed: queueFlight = nil
        default: break
        }
        switch s {
        case .starting:
            started = e.time
            ended = nil
            exitCode = nil
            reason = nil
            tool = nil
            pid = e.pid
            if let v = e.value { commandLine = v }
        case .exited, .killed, .failed:
            ended = e.time
            exitCode = e.exit
            reason = e.reason
            tool = nil
        case .paused:
            if let r = e.reason { reason = r }
            // Paused while starting, it returns to idle: the agent was ready by then.
            if state != .paused { resumeTo = state == .starting || !state.isLive ? .idle : state }
        case .idle:
            // The turn is over, however that became known: no tool runs.
            reason = e.reason
            tool = nil
        default:
            // working, waiting: the reason says why it waits.
            reason = e.reason
        }
        if s.isLive, let p = e.pid { pid = p }
        state = s
    }

    /// A queued prompt was typed and its turn not seen yet: the agent is about to write.
    public var promptJustTyped: Bool { state == .idle && queueFlight.map { !$0.begun } == true }

    /// Checks a whole `control` write against the state, step by step as if each
    /// line had run, so that a write is carried out entirely or not at all.
    ///
    /// Landing verbs work on the files the agent writes, so they wait for text just
    /// typed into it to be taken: a queued prompt in flight that no turn has followed
    /// yet (the state still says idle), or a `send`, `keys` or answer earlier in the
    /// same write (its turn begins only after the write).
    public func check(_ commands: [SessionCommand]) throws(HiveError) {
        var s = state
        var typed: String? = promptJustTyped
            ? "a queued prompt was just typed (prompt \(queueFlight?.prompt.id ?? 0), no turn seen yet)" : nil
        for c in commands {
            switch c {
            case .commit, .merge, .push, .pr:
                if let typed { throw .busy("\(name): \(typed); \(c.verb) waits until the agent has taken it and is idle again") }
            default:
                break
            }
            s = try SessionRecord.next(after: s, c, name: name)
            switch c {
            case .send, .keys, .approve, .deny, .answer: typed = "\(c.verb) earlier in this write types into the agent"
            default: break
            }
        }
    }

    /// The state a command leads to, or the errno that refuses it.
    static func next(after s: SessionState, _ c: SessionCommand, name: String) throws(HiveError) -> SessionState {
        switch c {
        case .start:
            guard s == .new else { throw .busy("\(name) has already been started (it is \(s.rawValue)); use restart") }
            return .starting
        case .pause:
            guard s.isLive else { throw .notRunning("\(name) is not running (it is \(s.rawValue))") }
            return .paused
        case .resume:
            guard s.isLive else { throw .notRunning("\(name) is not running (it is \(s.rawValue))") }
            return s == .paused ? .working : s
        case .interrupt, .send, .keys, .approve, .deny, .answer:
            guard s.isLive else { throw .notRunning("\(name) is not running (it is \(s.rawValue)); \(c.verb) needs a live agent") }
            guard s != .paused else { throw .busy("\(name) is paused; resume it before \(c.verb)") }
            return s
        case .kill:
            guard s.isLive else { throw .notRunning("\(name) is not running (it is \(s.rawValue))") }
            return .killed
        case .restart:
            guard s != .new else { throw .busy("\(name) has not been started; use start") }
            return .starting
        case .idleTimeout:
            guard s == .new || s.isLive else { throw .notRunning("\(name) has ended (it is \(s.rawValue)); idle-timeout is for running sessions") }
            return s
        case .budget:
            guard s == .new || s.isLive else { throw .notRunning("\(name) has ended (it is \(s.rawValue)); budget is for running sessions") }
            return s
        case .limit:
            // An ended session keeps it for its next start.
            return s
        case .fork:
            // From any point: a running agent is held still for the copy only.
            return s
        case .commit, .merge, .push, .pr:
            // git works on the files the agent writes: not while it writes them.
            guard !s.writesFiles else {
                throw .busy("\(name) is \(s.rawValue); \(c.verb) waits until the agent is idle, waiting, paused or ended")
            }
            return s
        case .queueClear:
            // A queue is kept in every state, so it can be cleared in every state.
            return s
        }
    }
}
