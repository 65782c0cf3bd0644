import Foundation
import HiveCore
import Logging

/// The daemon: the registry of sessions and the wiring between their machines
/// (`SessionMachine`, in the core, which decide) and the machine's world (tmux,
/// processes, git, the state directory, inotify), which this runtime drives. The
/// state directory is the truth; the machines are its live view.
///
/// Threads, queues and locks, in one place:
/// - `lock` (the registry's) guards `sessions`, `rootError` and `diskRetrying`
///   only. It is never held while a session's mutex is taken.
/// - Each session's `inside` mutex guards its machine and handles (LiveSession).
///   Held briefly; appends to its log happen under it (their order is the
///   machine's); nothing waits for a queue while holding it.
/// - Each session's `queue` runs control writes and what acts on its agent; its
///   `ingest` queue reads what the agent reports. `queue` may wait for `ingest`
///   (`ingest.sync`, to take the last reports before an end); `ingest` never
///   waits for `queue`, and no queue waits for itself.
/// - The watcher's thread (inotify, pidfds, timers) only hands work to a
///   session's queues or steps a machine; it never blocks.
/// - `gitQueue` runs git for the `git` files; `notifyQueue` runs `[on]` commands.
/// - FUSE workers render from copies and hand writes to a session's `queue`; no
///   worker waits for slow work (the bridge's rule, HiveFUSE/Bridge.swift).
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
    let worktrees: Worktrees
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
    /// What every session's machine is told of the configuration.
    let settings: MachineSettings

    public init(config: HiveConfig, logger: Logger) throws(HiveError) {
        self.config = config
        self.log = logger
        self.store = try StateStore(root: config.stateDir, logger: logger)
        self.tmux = Tmux(socket: config.socket)
        self.watcher = try Watcher(logger: logger)
        self.agentFiles = AgentFiles(folder: config.agentsDir)
        self.worktrees = Worktrees(git: git, folder: config.worktreesDir)
        self.settings = MachineSettings(quietAfterMS: config.quietAfterMS, defaultIdleTimeout: config.idleTimeout,
                                        budgetKills: config.budgetKills, prices: config.prices)
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
        s.with { inside in
            inside.machine.saved(atMS: Sys.monotonicMS())
            store.checkpoint(inside.machine.record)
        }
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
        guard let s = live(name) else { return nil }
        return s.with { ($0.machine.record, context($0, now: .now())) }
    }

    /// What rendering a session needs besides its record; call with its mutex held.
    func context(_ inside: LiveSession.Inside, now: Timestamp) -> RenderContext {
        var ctx = inside.machine.context(now)
        ctx.socket = config.socket
        ctx.gitBranch = inside.handles.git?.status?.branch
        ctx.gitChanged = inside.handles.git?.status?.changes.count
        ctx.disk = store.diskTrouble.map { "\($0.errno) since \($0.since.rfc3339), \($0.held) events held in memory" }
        ctx.reports = inside.machine.reports
        return ctx
    }

    /// A new machine for a record, with the agent its spec names.
    func machine(_ record: SessionRecord, agents: AgentCatalog) -> SessionMachine {
        SessionMachine(record: record, adapter: agents.adapterOrMissing(record.spec.agent), settings: settings)
    }

    // MARK: events

    /// Records a refused write as an `error` event, shown on reading `control`.
    func errorEvent(_ name: String?, _ err: HiveError, uid: UInt32) {
        if let name, let s = live(name) {
            step(s, .refused(err, uid: uid))
        } else {
            let e = Event(session: name ?? "-", kind: EventKind.error, detail: "\(err.errnoName) \(err.reason)",
                          uid: uid, reason: err.reason, errno: err.errnoName)
            noteDisk(store.appendRootOnly(e))
            lock.lock(); rootError = e; lock.unlock()
            log.notice("root control refused: \(err)")
            onChange?("")
        }
    }
}

/// Where an effect is carried out from: the session's `queue` (for a writer, whose
/// uid refusals carry), its `ingest` queue, or another thread (the watcher's, a
/// FUSE worker's), which hands slow work to one of the two.
enum Place: Equatable {
    case queue(uid: UInt32)
    case ingest
    case elsewhere
}
