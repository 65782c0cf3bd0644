/// One session's decisions, pure: `(state, input) → (state, [effect])`.
///
/// Decisions, stated once:
/// - The machine is the only place that decides what happens to a session: which
///   events are recorded, what state follows, what the runtime does next. The
///   runtime gathers inputs (`SessionInput`) and carries out effects
///   (`SessionEffect`); it never changes a record itself.
/// - Its state is the record (folded from the event log, so a restart replays it:
///   `SessionMachine(replaying:)`), the token ledger, and a few facts that only
///   matter while the daemon runs (`LiveFacts`: the last output, the timers armed).
/// - Every event it returns is already folded into its record, in the order
///   returned; the runtime appends them in that order before the next input.
/// - Time comes in with each input (`Instant`); the machine reads no clock.
/// - After every input the queue of prompts delivers its next one if the session
///   can take it now (`deliverQueue`, SessionMachine+Queue.swift), so no trigger
///   has to be named at each place a session comes to rest.
/// - A refusal of a control line is an `error` event and a `.refuse` effect, whose
///   errno the runtime answers the write with; `handle` never throws, so nothing it
///   folded into the record can be left out of the log.
public struct SessionMachine: Sendable {
    public internal(set) var record: SessionRecord
    /// What the session's agent is; changes when `agent` is written.
    public internal(set) var adapter: any AgentAdapter
    /// Tokens counted from the agent's transcripts.
    public internal(set) var ledger = TranscriptLedger()
    public internal(set) var live = LiveFacts()
    public let settings: MachineSettings

    public init(record: SessionRecord, adapter: any AgentAdapter, settings: MachineSettings) {
        self.record = record
        self.adapter = adapter
        self.settings = settings
    }

    /// The machine a log gives back; nil if the log does not begin with `created`.
    public init?(replaying events: [Event], adapter: any AgentAdapter, settings: MachineSettings) {
        guard let r = SessionRecord.replay(events) else { return nil }
        self.init(record: r, adapter: adapter, settings: settings)
    }

    /// The record was saved (monotonic ms): the next save is due `checkpointEveryMS` later.
    public mutating func saved(atMS ms: Int64) { live.checkpointMS = ms }

    /// Takes the ledger saved by a previous daemon (before the session is shown).
    public mutating func restore(ledger: TranscriptLedger) { self.ledger = ledger }

    /// Takes the adapter of the agent as its definition says now (at each start).
    public mutating func use(_ adapter: any AgentAdapter) { self.adapter = adapter }

    public var name: String { record.name }

    /// Whether tokens are shown: once there is a transcript to count them from (`-`
    /// before, never 0).
    public var countsTokens: Bool { adapter.transcript != nil && record.transcript != nil }

    /// Where the state comes from now, for `status`'s `reports`.
    public var reports: String { adapter.source(heard: record.hookOffset > live.hooksAtLaunch) }

    /// Checks a whole `control` write against the state, as if each line had run.
    public func check(_ commands: [SessionCommand]) throws(HiveError) { try record.check(commands) }

    /// Carries out one input.
    public mutating func handle(_ input: SessionInput, at now: Instant) -> [SessionEffect] {
        var out = Effects(now: now)
        switch input {
        case .command(let c, let uid): command(c, uid: uid, &out)
        case .spec(let key, let spec, let uid): setSpec(key, spec, uid: uid, &out)
        case .record(let e, let durable): emit(e, durable: durable, &out)
        case .refused(let err, let uid): refuse(err, uid: uid, &out)
        case .enqueue(let prompts, let uid): enqueue(prompts, uid: uid, &out)
        case .queueReturned(let id, let why): returnQueued(id, why: why, &out)
        case .report(let r, let time, let end, let found): report(r, time: time, hookEnd: end, transcriptFound: found, &out)
        case .agentCost(let usd): agentCost(usd, &out)
        case .tokens(let l): tokens(l, &out)
        case .output: output(&out)
        case .quiet: quiet(&out)
        case .turnRunning(let version):
            // A report that came meanwhile (the turn's end) knows better.
            guard record.version == version, record.state == .starting || record.state == .idle else { break }
            emit(Event(time: now.wall, session: name, kind: EventKind.screen, detail: "working: the screen shows a turn running",
                       state: .working), &out)
        case .conversation(let id, let transcript):
            guard record.agentSession == nil || record.transcript == nil else { break }
            var e = Event(time: now.wall, session: name, kind: EventKind.agentStart, detail: "thread \(id)")
            e.agentSession = id
            e.transcript = transcript
            emit(e, &out)
        case .screen(let text, let purpose): screen(text, purpose, &out)
        case .launched(let l): launched(l, &out)
        case .launchFailed(let why):
            live.launching = false
            enter(.failed, detail: why, reason: why, &out)
        case .frozen(let reason): enter(.paused, pid: record.pid, reason: reason, &out)
        case .thawed: thawed(&out)
        case .terminated(let reason):
            live.terminating = false
            enter(.killed, detail: reason, reason: reason, &out)
        case .limitsSet(let limits): recordLimits(limits, &out)
        case .landed(let o): landed(o, &out)
        case .oomKilled(let count): oomKilled(count, &out)
        case .usage(let u):
            // The kernel tells of refused forks by no notice: said once, as the run ends.
            if u.pidsRefused > 0 {
                let limit = record.limits.pids.map { " at limit.pids \($0)" } ?? ""
                var e = Event(time: now.wall, session: name, kind: EventKind.limit,
                              detail: "pids: the kernel refused \(u.pidsRefused) forks\(limit)")
                e.key = "pids"
                e.value = String(u.pidsRefused)
                emit(e, durable: true, &out)
            }
            var e = Event(time: now.wall, session: name, kind: EventKind.usage, detail: u.description)
            e.key = "usage"
            e.value = u.text
            emit(e, durable: true, &out)
        case .ended(let how): ended(how, &out)
        case .answered(let p, let choice): answered(p, choice: choice, &out)
        case .adopt(let a): adopt(a, &out)
        case .setupDone(let pid):
            if record.state == .starting && record.pid == nil { enter(.starting, detail: "pid \(pid) (setup done)", pid: pid, &out) }
        case .reap(let v): reap(stateVersion: v, &out)
        case .questionPoll(let tries): questionPoll(triesLeft: tries, &out)
        }
        // Whatever the input, the queue's next prompt goes once the session can take it.
        deliverQueue(&out)
        return out.list
    }

    // MARK: recording

    /// Folds an event into the record and returns the effects that follow from it:
    /// on disk first (the runtime appends in order), then the readers, `[on]`, the
    /// idle timeout, the summary of an ended run.
    mutating func emit(_ e: Event, durable: Bool = false, _ out: inout Effects) {
        let before = record.state
        record.apply(e)
        out.add(.append(e, durable: durable))
        let now = out.now.ms
        if e.state?.isEnded == true || now - live.checkpointMS >= settings.checkpointEveryMS {
            live.checkpointMS = now
            out.add(.checkpoint(record))
        }
        out.add(.changed)
        if let st = e.state, st != before { out.add(.runOn(from: before, to: record)) }
        if e.state == .idle || e.state == .waiting { armReap(&out) }
        // Every way a session ends passes here.
        if e.state?.isEnded == true { out.add(.summary) }
    }

    /// Records a refusal as an `error` event (shown on reading `control`), and answers with it.
    mutating func refuse(_ err: HiveError, uid: UInt32, recorded: Bool = true, _ out: inout Effects) {
        if recorded {
            emit(Event(time: out.now.wall, session: name, kind: EventKind.error, detail: "\(err.errnoName) \(err.reason)",
                       uid: uid, reason: err.reason, errno: err.errnoName), durable: true, &out)
        }
        out.add(.refuse(err))
    }

    /// Records a change of state, as a `state` event.
    mutating func enter(_ state: SessionState, detail: String? = nil, pid: Int32? = nil, exit: Int32? = nil,
                        reason: String? = nil, value: String? = nil, durable: Bool = true, _ out: inout Effects,
                        more: (inout Event) -> Void = { _ in }) {
        var d = state.rawValue
        if let detail, !detail.isEmpty { d += " " + detail }
        var e = Event(time: out.now.wall, session: name, kind: EventKind.state, detail: d, state: state, pid: pid,
                      exit: exit, reason: reason, value: value)
        more(&e)
        emit(e, durable: durable, &out)
    }

    /// A render context as the machine knows it: the clock, the last output, the ledger.
    public func context(_ now: Timestamp) -> RenderContext {
        var ctx = RenderContext(now: now, socket: "", output: live.output, ledger: countsTokens ? ledger : nil,
                                prices: settings.prices)
        ctx.defaultIdleTimeout = settings.defaultIdleTimeout
        return ctx
    }
}

/// What the machine knows only while the daemon runs.
public struct LiveFacts: Sendable, Equatable {
    /// When the terminal last printed, and (monotonic ms) when it last printed or the agent started.
    public var output: Timestamp?
    public var outputMS: Int64 = 0
    /// A quiet check is armed.
    public var quietPending = false
    /// The screen is being read for the question a waiting session has not shown yet.
    public var questionWatch = false
    /// When (monotonic ms) the question now asked was first seen on the screen.
    public var questionSeenMS: Int64 = 0
    /// How much of hooks.log had been read when the agent was last started.
    public var hooksAtLaunch: Int64 = 0
    /// Whether a refusal of what hivefs gave the agent to report through has been told (once a start).
    public var toldRefusedReports = false
    /// When the record was last saved (monotonic ms).
    public var checkpointMS: Int64 = 0
    /// A ledger save is armed.
    public var ledgerSavePending = false
    /// A start was asked for and has not been told yet, and whether the terminal
    /// printed meanwhile (the agent's first words come before its pid is known).
    public var launching = false
    public var printedWhileLaunching = false
    /// This daemon started the agent or adopted it: only then is a queued prompt typed.
    public var attached = false
    /// When (monotonic ms) the prompt in flight was typed.
    public var queueSentMS: Int64 = 0
    /// The agent is being ended (a `.terminate` asked for, its `.terminated` not come):
    /// no prompt is delivered meanwhile.
    public var terminating = false
    /// The prompt in flight (its id) is to be delivered again once the session is
    /// idle: a restarted daemon found no `prompt` report after it.
    public var queueAgain: Int?

    public init() {}
}

/// What the daemon's configuration tells every machine.
public struct MachineSettings: Sendable {
    /// Terminal quiet for this long makes hivefs look again.
    public var quietAfterMS: Int
    /// The idle timeout of sessions that set none (seconds).
    public var defaultIdleTimeout: Int64?
    /// Whether a spent budget kills (else it pauses).
    public var budgetKills: Bool
    public var prices: PriceTable
    /// How often, at most, the record is saved while events arrive.
    public var checkpointEveryMS: Int64 = 5000
    /// How long after a question was first seen its keys may be pressed: Claude Code
    /// 2.1.337 drops keys that come within about 0.1 s of drawing a menu.
    public var answerAfterMS: Int64 = 200
    /// How often, and how many times, the screen of a session that waits is read
    /// while its question is not known yet (a menu is drawn a moment after the hook).
    public var questionPollMS = 300
    public var questionPollTries = 40
    /// Why this machine cannot enforce `limit`s (no cgroup hivefs may write), or nil when it can.
    public var limitsUnsupported: String?

    public init(quietAfterMS: Int, defaultIdleTimeout: Int64? = nil, budgetKills: Bool = false, prices: PriceTable = .standard) {
        self.quietAfterMS = quietAfterMS
        self.defaultIdleTimeout = defaultIdleTimeout
        self.budgetKills = budgetKills
        self.prices = prices
    }
}

/// A moment, as the runtime's clocks give it: the wall clock for events, a
/// monotonic count of milliseconds for intervals.
public struct Instant: Sendable, Equatable {
    public var wall: Timestamp
    public var ms: Int64

    public init(wall: Timestamp, ms: Int64) {
        self.wall = wall
        self.ms = ms
    }
}

/// The effects of one input, in order.
struct Effects {
    let now: Instant
    private(set) var list: [SessionEffect] = []

    init(now: Instant) { self.now = now }

    mutating func add(_ e: SessionEffect) {
        // Readers are woken once per input, after everything it recorded.
        if e == .changed, let i = list.firstIndex(of: .changed) { list.remove(at: i) }
        list.append(e)
    }
}
