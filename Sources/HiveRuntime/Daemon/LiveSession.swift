import Foundation
import HiveCore
import Synchronization

/// A session while the daemon runs: its machine, the one owner of its state, and
/// the daemon's handles on its agent (watches, pidfd, git's facts).
///
/// Who touches what (the runtime's threads are listed at the top of Daemon/Hive.swift):
/// - `inside` (a `Mutex`) holds the machine and the handles. Every read or change
///   takes it briefly; appends to the log are made while it is held, so the log's
///   order is the machine's. Nothing else is locked while it is held, and no code
///   waits for a queue while holding it.
/// - `queue` runs what acts on the agent's processes and terminal, one at a time:
///   control writes, start, kill, pause, typing, answers.
/// - `ingest` reads what the agent reports, in order: hooks.log, transcripts, the
///   screen. `hookFd` and `subagentTranscripts` are its own.
final class LiveSession: @unchecked Sendable {
    /// The session's name, which never changes.
    let name: String
    let inside: Mutex<Inside>
    let queue: DispatchQueue
    let ingest: DispatchQueue
    /// `hooks.log`, open for reading while the session is followed (ingest only).
    var hookFd: Int32 = -1
    /// Subagent transcripts reported by hooks (ingest only).
    var subagentTranscripts: Set<String> = []

    /// What the mutex guards.
    struct Inside {
        var machine: SessionMachine
        var handles = Handles()
    }

    init(machine: SessionMachine) {
        self.name = machine.name
        self.inside = Mutex(Inside(machine: machine))
        self.queue = DispatchQueue(label: "hivefs.session.\(machine.name)")
        self.ingest = DispatchQueue(label: "hivefs.ingest.\(machine.name)")
    }

    /// Reads or changes what the mutex guards.
    func with<T>(_ body: (inout Inside) throws -> T) rethrows -> T {
        try inside.withLock { try body(&$0) }
    }

    /// A copy of the record.
    var record: SessionRecord { with { $0.machine.record } }
    var adapter: any AgentAdapter { with { $0.machine.adapter } }
}

/// The daemon's handles on a session's agent, beside its machine.
struct Handles {
    /// Grows on every start and end; a stale exit callback carries an older one.
    var generation = 0
    var pidfd: (fd: Int32, token: Int)?
    /// The pane's first process: the launcher, parent of the agent.
    var panePid: pid_t?
    var logWatch: Int32?
    var hookWatch: Int32?
    /// The transcript being watched for growth, and its inotify watch.
    var transcriptWatch: (path: String, wd: Int32)?
    /// The `git` file's facts as git last gave them.
    var git: GitFacts?
    /// How many times the facts changed (besides their time), for `poll()` on `git`.
    var gitChanges: UInt64 = 0
    /// A refresh runs; `gitDirty` asks for another after it.
    var gitRefreshing = false
    var gitDirty = true
    /// When someone last read `git` (monotonic ms): while recent, changes refresh it at once.
    var gitReadMS: Int64 = -1_000_000
    /// Called when the running refresh is done.
    var gitWaiters: [@Sendable () -> Void] = []
    /// inotify on the work tree's HEAD, index and HEAD's reflog.
    var gitWatches: [Int32] = []
    /// The agent's cgroup, when it has one (made at start, found again at adoption).
    var cgroup: SessionCgroup?
    /// The v1 eventfd or v2 inotify watch that tells of OOM kills in it.
    var oomWatch: OOMWatch?
    /// The last `status` and `status.json` renders, and what they were made from.
    var statusCache: [SessionFile: CachedStatus] = [:]
    /// The last `diff` and `diff.stat` renders (`SessionDiff.reuseMS`).
    var diffCache: [SessionFile: CachedDiff] = [:]

    /// The agent's processes, for pause, resume and kill; nil when not running.
    func scope(_ r: SessionRecord) -> ProcessTree.Scope? {
        guard let pid = r.pid else { return panePid.map { ProcessTree.Scope(root: $0, leader: nil) } }
        return ProcessTree.Scope(root: pid, leader: panePid)
    }
}

/// How the kernel's OOM kills in a session's cgroup are watched.
enum OOMWatch {
    /// v1: an eventfd registered in `cgroup.event_control`, watched like a pidfd.
    case eventfd(fd: Int32, token: Int)
    /// v2: inotify on `memory.events`.
    case inotify(Int32)
}

/// A watch id that one callback takes, once.
final class WatchHolder: @unchecked Sendable {
    private let lock = NSLock()
    var wd: Int32? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
    private var stored: Int32?

    func take() -> Int32? {
        lock.lock(); defer { lock.unlock() }
        let w = stored
        stored = nil
        return w
    }
}
