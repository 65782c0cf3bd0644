import Foundation
import HiveCore

/// A session while the daemon runs: its record and the daemon's handles on it.
/// Fields are guarded by the hive's lock; effects run on `queue`, one at a time.
final class LiveSession: @unchecked Sendable {
    var record: SessionRecord
    /// What the session's agent is: resolved from the catalog when the session is
    /// made or read back, when `agent` is written, and at each start (hive lock).
    var adapter: any AgentAdapter
    /// Serializes control commands and lifecycle work for this session.
    let queue: DispatchQueue
    /// Orders disk appends with their application to `record`.
    let emitLock = NSLock()
    /// Grows on every launch; a stale exit callback carries an older one.
    var generation = 0
    var pidfd: (fd: Int32, token: Int)?
    /// The pane's first process: the launcher, parent of the agent.
    var panePid: pid_t?
    var logWatch: Int32?
    var output: Timestamp?
    var outputMS: Int64 = 0
    var quietCheckPending = false
    /// Whether the screen is being read for the question the session waits on (hive lock).
    var questionWatchPending = false
    /// When (monotonic ms) the question now asked was first seen on the screen (hive lock).
    var questionSeenMS: Int64 = 0
    /// The state to return to on `resume`.
    var beforePause: SessionState = .idle
    /// Reads the agent's reports (hooks.log) and transcripts, in order, apart from
    /// `queue` so that a slow command (a kill's grace period) never holds them up.
    let ingest: DispatchQueue
    /// `hooks.log`, open for reading while the session is followed.
    var hookFd: Int32 = -1
    var hookWatch: Int32?
    /// Tokens counted from the agent's transcripts (Claude Code sessions).
    var ledger = TranscriptLedger()
    /// The transcript being watched for growth, and its inotify watch.
    var transcriptWatch: (path: String, wd: Int32)?
    /// Subagent transcripts reported by hooks.
    var subagentTranscripts: Set<String> = []
    var checkpointPending = false
    /// Whether a refused settings file has been reported (once a start).
    var toldRefusedSettings = false
    /// How much of hooks.log had been read when the agent was last started.
    var hooksAtLaunch: Int64 = 0
    /// The `git` file's facts as git last gave them, and the render served from them.
    var git: GitFacts?
    /// A refresh runs; `gitDirty` asks for another after it.
    var gitRefreshing = false
    var gitDirty = true
    /// When someone last read `git` (monotonic ms): while recent, changes refresh it at once.
    var gitReadMS: Int64 = -1_000_000
    /// Called when the running refresh is done.
    var gitWaiters: [@Sendable () -> Void] = []
    /// The last `status` and `status.json` renders, and what they were made from.
    var statusCache: [SessionFile: CachedStatus] = [:]
    /// When the record was last saved to `record.json` (monotonic ms; emit lock).
    var checkpointMS: Int64 = 0
    /// inotify on the work tree's HEAD, index and HEAD's reflog.
    var gitWatches: [Int32] = []

    /// The agent's processes, for pause, resume and kill; nil when not running.
    var scope: ProcessTree.Scope? {
        guard let pid = record.pid else { return panePid.map { ProcessTree.Scope(root: $0, leader: nil) } }
        return ProcessTree.Scope(root: pid, leader: panePid)
    }

    /// The session's name, which never changes: read it here, not from `record`,
    /// which is read and written under the hive's lock.
    let name: String

    init(record: SessionRecord, adapter: any AgentAdapter) {
        self.record = record
        self.adapter = adapter
        self.name = record.name
        self.queue = DispatchQueue(label: "hivefs.session.\(record.name)")
        self.ingest = DispatchQueue(label: "hivefs.ingest.\(record.name)")
    }
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
