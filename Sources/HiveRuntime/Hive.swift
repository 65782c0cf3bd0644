import Foundation
import HiveCore
import Logging

/// The daemon's model of every session: it turns control writes into effects,
/// records every change as an event, and renders the files the mount shows.
/// The state directory is the truth; this is its live, in-memory view.
public final class Hive: @unchecked Sendable {
    public let config: HiveConfig
    public let store: StateStore
    public let tmux: Tmux
    let watcher: Watcher
    let log: Logger
    let lock = NSLock()
    var sessions: [String: LiveSession] = [:]
    var rootError: Event?
    /// The agents the user defines, read again when their folder changes.
    let agentFiles: AgentFiles
    let git = Git()
    /// Where git runs for the `git` files, off the FUSE workers and the session queues.
    let gitQueue = DispatchQueue(label: "hivefs.git", attributes: .concurrent)
    /// Where `[on]` commands run.
    let notifyQueue = DispatchQueue(label: "hivefs.on", attributes: .concurrent)
    /// Called after a session changes (its name), from a thread that serves no FUSE request.
    public var onChange: (@Sendable (String) -> Void)?
    /// Whether a retry of the events the state directory refused is scheduled.
    var diskRetrying = false
    /// Called when a name in the tree comes to stand for something new or goes away
    /// other than by the caller's own `rmdir`, so a mount can drop what it cached.
    public var onTreeChange: (@Sendable (TreeChange) -> Void)?

    public init(config: HiveConfig, logger: Logger) throws(HiveError) {
        self.config = config
        self.log = logger
        self.store = try StateStore(root: config.stateDir, logger: logger)
        self.tmux = Tmux(socket: config.socket)
        self.watcher = try Watcher(logger: logger)
        self.agentFiles = AgentFiles(folder: config.agentsDir)
    }

    /// The agents a session can run now: the built-in ones and the user's files.
    public func agents() -> AgentCatalog { agentFiles.current().catalog }

    /// Loads every session from the state directory and matches it with tmux.
    public func start() {
        watcher.start()
        for p in agentFiles.current().problems {
            log.warning("\(config.agentsDir): \(p.text)")
            noteDisk(store.appendRootOnly(Event(session: "-", kind: EventKind.warning, detail: "agent file refused: \(p.text)")))
        }
        adoptAll()
    }

    /// How often, at most, a session's record is saved while events arrive.
    static let checkpointEveryMS: Int64 = 5000

    /// Stops watching; token counts and records are saved so the next daemon reads on from them.
    public func stop() {
        watcher.stop()
        lock.lock(); let all = Array(sessions.values); lock.unlock()
        for s in all {
            s.ingest.sync { saveLedger(s) }
            saveRecord(s)
        }
    }

    /// Saves a session's record now (between its appends), so a restart replays nothing.
    func saveRecord(_ s: LiveSession) {
        s.emitLock.lock(); defer { s.emitLock.unlock() }
        lock.lock(); let r = s.record; lock.unlock()
        s.checkpointMS = Sys.monotonicMS()
        store.checkpoint(r)
    }

    // MARK: lookups

    func live(_ name: String) -> LiveSession? {
        lock.lock(); defer { lock.unlock() }
        return sessions[name]
    }

    /// The names of the sessions, sorted.
    public func sessionNames() -> [String] {
        lock.lock(); defer { lock.unlock() }
        return sessions.keys.sorted()
    }

    public func exists(_ name: String) -> Bool { live(name) != nil }

    /// A copy of the session's record and what rendering it needs.
    public func snapshot(_ name: String) -> (SessionRecord, RenderContext)? {
        lock.lock(); defer { lock.unlock() }
        guard let s = sessions[name] else { return nil }
        return (s.record, context(s, now: .now()))
    }

    /// What rendering a session needs besides its record; call with the lock held.
    func context(_ s: LiveSession, now: Timestamp) -> RenderContext {
        // Tokens are shown once there is a transcript to count them from: `-` before, never 0.
        let counts = s.adapter.transcript != nil && s.record.transcript != nil
        var ctx = RenderContext(now: now, socket: config.socket, output: s.output,
                                ledger: counts ? s.ledger : nil, prices: config.prices)
        ctx.gitBranch = s.git?.status?.branch
        ctx.gitChanged = s.git?.status?.changes.count
        ctx.defaultIdleTimeout = config.idleTimeout
        ctx.disk = store.diskTrouble.map { "\($0.errno) since \($0.since.rfc3339), \($0.held) events held in memory" }
        ctx.reports = s.adapter.source(heard: s.record.hookOffset > s.hooksAtLaunch)
        return ctx
    }

    // MARK: events

    /// Records an event: on disk first, then in the model, then tells the mount.
    func emit(_ s: LiveSession, _ e: Event, durable: Bool = false) {
        emit(s, durable: durable) { _ in e }
    }

    /// Records the event `build` makes from the record as it is now, or nothing when
    /// it returns nil. Appends are ordered per session, so `build` sees every event
    /// recorded before it: decisions that depend on the state are made here.
    func emit(_ s: LiveSession, durable: Bool = false, _ build: (SessionRecord) -> Event?) {
        s.emitLock.lock()
        lock.lock(); let r = s.record; lock.unlock()
        guard let e = build(r) else { s.emitLock.unlock(); return }
        let outcome = store.append(e, durable: durable)
        lock.lock()
        s.record.apply(e)
        let after = s.record
        lock.unlock()
        let now = Sys.monotonicMS()
        if e.state?.isEnded == true || now - s.checkpointMS >= Hive.checkpointEveryMS {
            s.checkpointMS = now
            store.checkpoint(after)
        }
        s.emitLock.unlock()
        onChange?(e.session)
        noteDisk(outcome)
        if let st = e.state, st != r.state { runOn(from: r.state, to: after) }
        if e.state == .idle || e.state == .waiting { scheduleReap(s) }
        // Every way a session ends passes here, on its queue.
        if e.state?.isEnded == true { writeSummary(s) }
    }

    func stateEvent(_ s: LiveSession, _ state: SessionState, detail: String? = nil, pid: Int32? = nil,
                    exit: Int32? = nil, reason: String? = nil, value: String? = nil, durable: Bool = true,
                    agentSession: String? = nil, transcript: String? = nil, more: (inout Event) -> Void = { _ in }) {
        var d = state.rawValue
        if let detail, !detail.isEmpty { d += " " + detail }
        var e = Event(session: s.name, kind: EventKind.state, detail: d, state: state, pid: pid,
                      exit: exit, reason: reason, value: value)
        e.agentSession = agentSession
        e.transcript = transcript
        more(&e)
        emit(s, e, durable: durable)
    }

    /// Records a refused write as an `error` event, shown on reading `control`.
    func errorEvent(_ name: String?, _ err: HiveError, uid: UInt32) {
        let e = Event(session: name ?? "-", kind: EventKind.error, detail: "\(err.errnoName) \(err.reason)",
                      uid: uid, reason: err.reason, errno: err.errnoName)
        if let name, let s = live(name) {
            emit(s, e, durable: true)
        } else {
            noteDisk(store.appendRootOnly(e))
            lock.lock(); rootError = e; lock.unlock()
            log.notice("root control refused: \(err)")
            onChange?("")
        }
    }
}
