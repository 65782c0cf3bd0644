import Foundation
import HiveCore
import Logging
import Synchronization

/// The daemon: the registry of sessions and the wiring between their machines
/// (`SessionMachine`, in the core, which decide) and the parts that carry out what
/// they decide on the machine's world. The state directory is the truth; the
/// machines are its live view.
///
/// The parts, each a type of its own that reaches a machine only through `step`
/// (`Machines`, Parts.swift):
/// - `Processes`: tmux, the agent's processes, launch, adoption, ends.
/// - `Reports`: `hooks.log` and transcripts, read into reports and tokens.
/// - `GitView`: git's facts for the `git` files, and commits as events.
/// - `Views`: what reads of the tree see, rendered from copies.
/// - `Summaries`, `OnCommands`: the summary of an ended run, the `[on]` commands.
/// - `Spool`: the files of `new` lines that land in the root `spool/`.
///
/// Threads, queues and locks, in one place:
/// - The registry's lock guards the sessions by name and the root's last refusal
///   only (Registry.swift). It is never held while a session's mutex is taken.
/// - Each session's `inside` mutex guards its machine and handles (LiveSession).
///   Held briefly; appends to its log happen under it (their order is the
///   machine's); nothing waits for a queue while holding it.
/// - Each session's `queue` runs control writes and what acts on its agent; its
///   `ingest` queue reads what the agent reports. `queue` may wait for `ingest`
///   (`ingest.sync`, to take the last reports before an end); `ingest` never
///   waits for `queue`, and no queue waits for itself.
/// - The watcher's thread (inotify, pidfds, timers) only hands work to a
///   session's queues or steps a machine; it never blocks.
/// - `GitView`'s queue runs git for the `git` files; `OnCommands`' runs `[on]`;
///   `Spool`'s takes spool files, one at a time, making sessions as a root
///   `control` write does.
/// - FUSE workers render from copies and hand writes to a session's `queue`; no
///   worker waits for slow work (the bridge's rule, HiveFUSE/Bridge.swift).
public final class Hive: @unchecked Sendable {
    public let config: HiveConfig
    public let store: StateStore
    public let tmux: Tmux
    let watcher: Watcher
    let log: Logger
    let registry = Registry()
    /// The agents the user defines, read again when their folder changes.
    let agentFiles: AgentFiles
    let processes: Processes
    let reports: Reports
    let gitView: GitView
    let views: Views
    let summaries: Summaries
    let onCommands: OnCommands
    let spool: Spool
    /// Called after a session changes (its name), from a thread that serves no FUSE request.
    public var onChange: (@Sendable (String) -> Void)?
    /// Called when a name in the tree comes to stand for something new or goes away
    /// other than by the caller's own `rmdir`, so a mount can drop what it cached.
    public var onTreeChange: (@Sendable (TreeChange) -> Void)?
    /// What every session's machine is told of the configuration.
    let settings: MachineSettings
    /// What the root control's `host` lines change (the link's hosts); set before `start`.
    public var hostControl: (any HostControl)?
    /// Whether a retry of the events the state directory refused is scheduled (Hive+Disk).
    let diskRetrying = Mutex(false)

    public init(config: HiveConfig, logger: Logger) throws(HiveError) {
        self.config = config
        self.log = logger
        self.store = try StateStore(root: config.stateDir, logger: logger)
        self.tmux = Tmux(socket: config.socket)
        self.watcher = try Watcher(logger: logger)
        let agentFiles = AgentFiles(folder: config.agentsDir)
        self.agentFiles = agentFiles
        let cgroups = Cgroups.detect(stateDir: config.stateDir, mode: config.cgroups)
        var settings = MachineSettings(quietAfterMS: config.quietAfterMS, defaultIdleTimeout: config.idleTimeout,
                                       budgetKills: config.budgetKills, prices: config.prices)
        switch cgroups {
        case .success(let c): logger.info("sessions' cgroups: \(c.version.rawValue) under \(c.parents.values.sorted().joined(separator: " "))")
        case .failure(let why):
            settings.limitsUnsupported = why.reason
            logger.info("no cgroups for sessions (limits refused, pause by signals): \(why.reason)")
        }
        self.settings = settings
        let machines = Machines()
        let parts = Parts(config: config, store: store, tmux: tmux, watcher: watcher, log: logger, machines: machines,
                          meter: ResourceMeter(), cgroups: cgroups)
        let git = Git()
        let worktrees = Worktrees(git: git, folder: config.worktreesDir)
        reports = Reports(parts)
        gitView = GitView(parts, git: git, worktrees: worktrees)
        processes = Processes(parts, worktrees: worktrees, reports: reports, gitView: gitView) { agentFiles.current().catalog }
        views = Views(parts, registry: registry, gitView: gitView)
        summaries = Summaries(parts, gitView: gitView)
        onCommands = OnCommands(config: config, log: logger)
        spool = Spool(store: store, watcher: watcher, logger: logger)
        machines.hive = self
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
        // After the sessions are known, so a spool line naming one is refused (EEXIST).
        spool.start(run: { [self] line, uid, file in spoolLine(line, uid: uid, file: file) },
                    exists: { [self] name in live(name) != nil },
                    record: { [self] e in noteDisk(store.appendRootOnly(e)) })
    }

    /// Stops watching; token counts and records are saved so the next daemon reads on from them.
    public func stop() {
        watcher.stop()
        if case .success(let cgroups) = processes.parts.cgroups { cgroups.removeParents() }
        for s in registry.all() {
            s.ingest.sync { reports.saveLedger(s) }
            saveRecord(s)
        }
    }

    /// Reads every session back from disk, registers it, and matches it with tmux:
    /// the reports written while no daemon ran become events first, then each machine
    /// is told what tmux says.
    func adoptAll() {
        let panes = tmux.panes()
        let catalog = agents()
        for loaded in store.loadAll() {
            let s = LiveSession(machine: machine(loaded.record, agents: catalog))
            // A long replay is saved, so the next start need not do it again.
            if loaded.replayed >= Hive.replaySaveThreshold { saveRecord(s) }
            reports.loadLedger(s)
            registry.add(s)
            for why in loaded.links { errorEvent(s.name, HiveError(.tooManySymbolicLinkLevels, why), uid: getuid()) }
            reports.follow(s)
            let state = loaded.record.state
            if state.isLive || (state == .new && panes[s.name] != nil) { processes.adopt(s, pane: panes[s.name]) }
        }
    }

    /// Events replayed at start past which the record is saved at once.
    static let replaySaveThreshold = 1000

    /// Saves a session's record now (between its appends), so a restart replays nothing.
    func saveRecord(_ s: LiveSession) {
        s.with { inside in
            inside.machine.saved(atMS: Sys.monotonicMS())
            store.checkpoint(inside.machine.record)
        }
    }

    /// A new machine for a record, with the agent its spec names.
    func machine(_ record: SessionRecord, agents: AgentCatalog) -> SessionMachine {
        SessionMachine(record: record, adapter: agents.adapterOrMissing(record.spec.agent), settings: settings)
    }

    // MARK: lookups

    func live(_ name: String) -> LiveSession? { registry.get(name) }

    /// The names of the sessions, sorted.
    public func sessionNames() -> [String] { registry.names() }

    public func exists(_ name: String) -> Bool { live(name) != nil }

    /// A copy of the session's record and what rendering it needs.
    public func snapshot(_ name: String) -> (SessionRecord, RenderContext)? { views.snapshot(name) }

    /// Records a refused write as an `error` event, shown on reading `control`.
    func errorEvent(_ name: String?, _ err: HiveError, uid: UInt32) {
        if let name, let s = live(name) {
            step(s, .refused(err, uid: uid))
        } else {
            let e = Event(session: name ?? "-", kind: EventKind.error, detail: "\(err.errnoName) \(err.reason)",
                          uid: uid, reason: err.reason, errno: err.errnoName)
            noteDisk(store.appendRootOnly(e))
            registry.rootError = e
            log.notice("root control refused: \(err)")
            onChange?("")
        }
    }
}
