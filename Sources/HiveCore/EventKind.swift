/// The kind of an event hivefs records: the second word of a line of `events`, the
/// `kind` of a line of `events.jsonl`.
///
/// One enum, so that a misspelt kind is a compile error rather than an event nothing
/// reads, and a `switch` over kinds can be checked. A kind this build does not know
/// (written by a newer hivefs into a log this one reads) is `unknown`, holding its
/// text as it came, so that it is shown and written back unchanged, never lost.
///
/// Each kind's text is stated once, in `rawValue`; everything else (reading, JSON,
/// `description`) goes through it. A new kind needs its case, its text in `rawValue`,
/// and its place in `allKnown`.
public enum EventKind: Hashable, Sendable, Codable, CustomStringConvertible {
    // What the daemon records of a session's life.

    /// The session directory was made; carries the spec.
    case created
    /// A spec file was written while the session was `new`.
    case spec
    /// A command written to `control`, with the writer's uid.
    case control
    /// The session's state changed; carries the new state and, where known, pid, exit and reason.
    case state
    /// A write to `control` was refused; carries the errno and the reason.
    case error
    /// The daemon found the session again after a restart.
    case adopted
    /// The session was moved to `history/`.
    case removed
    /// A policy was set or fired: `key` names it (`idle-timeout`, `budget`), `value` holds it.
    case policy
    /// The state directory takes writes again after refusing them; carries the errno it gave.
    case disk
    /// Something the daemon refused at start that is not a session's (an agent file
    /// with a mistake): root `events` only.
    case warning
    /// History entries were deleted (`prune`): one event names each, a last one counts
    /// them. Root `events` only.
    case historyPruned
    /// A host was added at run time (`host add`): its name and destination. Root `events` only.
    case hostAdded
    /// A host added at run time was removed (`host remove`). Root `events` only.
    case hostRemoved
    /// A file of the root `spool/` was taken: the sessions its lines made, how many
    /// failed, and where the file went (`done/` or `failed/`). Root `events` only.
    case spool
    /// A kernel limit acted: `key` names what (`oom`: a process killed for memory),
    /// `value` counts it in this run.
    case limit
    /// What a run's processes used, recorded as it ended: `value` is
    /// `cpu=SECONDS memory.peak=BYTES oom=N`.
    case usage
    /// The folder the agent runs in was marked trusted in its configuration (a
    /// worktree hivefs made, or `trust=yes`), so no trust dialog holds it up.
    case trust
    /// A session was forked (`fork NEW`, `new NEW from=NAME`): recorded in both, the
    /// parent's and the new one's, with the point it was forked at (`Event.fork`).
    case fork

    // The session's git work tree.

    /// The session's worktree was made: branch, path, base.
    case worktree
    /// Its worktree was removed with the session (it held no change).
    case worktreeRemoved
    /// Its worktree was kept at removal (it held changes), and where.
    case worktreeKept
    /// HEAD gained a commit: its hash and subject.
    case gitCommit
    /// HEAD moved otherwise (a reset, a checkout).
    case gitHead
    /// A `commit`, `merge`, `push` or `pr` written to `control` was carried out: `key`
    /// is the verb, `value` the resulting commit (a pull request's URL for `pr`).
    case land

    // The questions an agent asks, as the `permission` file shows them.

    /// The agent asks a question (seen on its screen): carries it, with its id.
    case permissionAsked
    /// hivefs pressed the keys of an answer (`approve`, `deny`, `answer`).
    case permissionAnswered
    /// The question left the screen without an answer through hivefs.
    case permissionGone

    // The session's queue of prompts (`queue`).

    /// A prompt was added to the queue: its id in `key`, its whole text in `value`.
    case queueAdded
    /// A queued prompt was delivered (recorded before it is typed): its id and text, as `queue.added`.
    case queueSent
    /// `queue clear` dropped the pending prompts: how many, in `value`.
    case queueCleared
    /// The prompt in flight started no turn and the terminal has been quiet since (or
    /// a restarted daemon will not type it again): its delivery is over. Its id in `key`.
    case queueDone
    /// A prompt about to be typed was not: the session was ended, paused or being
    /// ended meanwhile. It is pending again, first. Its id in `key`, text in `value`, why in `reason`.
    case queueReturned

    // What an agent reports (its hooks, its notifications), normalized so that every
    // agent's events read the same way; and what its screen showed instead.

    /// A prompt was submitted: its first line.
    case prompt
    /// A tool starts: its name and target (`Edit src/a.swift`), also in `tool`.
    case tool
    /// A tool finished: its target, and the file it touched (`action`, `path`).
    case toolDone
    /// A tool failed: its target and the error.
    case toolFailed
    /// The agent asks a person before it goes on (a tool's permission, a question).
    case permission
    /// The agent notifies its person; one that asks for an answer means it waits.
    case notification
    /// The agent's turn ended: its last message's first line.
    case idle
    /// The turn ended on an error (an API failure): its type and message.
    case stopFailed
    /// A subagent started: its type and id.
    case subagentStart
    /// A subagent finished: its type and id (its transcript's tokens count too).
    case subagentStop
    /// The agent compacts its context: what triggered it.
    case compact
    /// A compaction is over (Claude Code's PostCompact).
    case compactDone
    /// The agent's own check refused a tool call (Claude Code's auto mode).
    case toolDenied
    /// The turn was stopped by a person: Escape, or No at a permission menu.
    case interrupt
    /// The agent's conversation started or resumed: how, its model, its own id.
    case agentStart
    /// The agent's conversation ended: why.
    case agentEnd
    /// A hook event hivefs has no kind for (a newer agent's); kept, detail names it.
    case hook
    /// A record that could not be read: kept on disk as it came, reason in the detail.
    case hookUnreadable
    /// The state was corrected from what the terminal shows (a report was missed).
    case screen
    /// The agent said on its screen that it refused hivefs's hooks.
    case hooksRefused

    /// A kind this build does not know (a newer hivefs wrote it): its text, kept as
    /// it came. `init(rawValue:)` makes it only for a text no other case has.
    case unknown(String)

    /// Every kind this build knows, each once: all the cases but `unknown`.
    public static let allKnown: [EventKind] = [
        .created, .spec, .control, .state, .error, .adopted, .removed, .policy, .disk, .warning,
        .historyPruned, .hostAdded, .hostRemoved, .spool, .trust, .fork, .limit, .usage,
        .worktree, .worktreeRemoved, .worktreeKept, .gitCommit, .gitHead, .land,
        .permissionAsked, .permissionAnswered, .permissionGone,
        .queueAdded, .queueSent, .queueCleared, .queueDone, .queueReturned,
        .prompt, .tool, .toolDone, .toolFailed, .permission, .notification, .idle, .stopFailed,
        .subagentStart, .subagentStop, .compact, .compactDone, .toolDenied, .interrupt,
        .agentStart, .agentEnd, .hook, .hookUnreadable, .screen, .hooksRefused,
    ]

    /// The kind's text, as `events` and `events.jsonl` hold it: the one place each is spelt.
    public var rawValue: String {
        switch self {
        case .created: return "created"
        case .spec: return "spec"
        case .control: return "control"
        case .state: return "state"
        case .error: return "error"
        case .adopted: return "adopted"
        case .removed: return "removed"
        case .policy: return "policy"
        case .disk: return "disk"
        case .warning: return "warning"
        case .historyPruned: return "history.pruned"
        case .hostAdded: return "host.added"
        case .hostRemoved: return "host.removed"
        case .spool: return "spool"
        case .trust: return "trust"
        case .fork: return "fork"
        case .limit: return "limit"
        case .usage: return "usage"
        case .worktree: return "worktree"
        case .worktreeRemoved: return "worktree.removed"
        case .worktreeKept: return "worktree.kept"
        case .gitCommit: return "git.commit"
        case .gitHead: return "git.head"
        case .land: return "land"
        case .permissionAsked: return "permission.asked"
        case .permissionAnswered: return "permission.answered"
        case .permissionGone: return "permission.gone"
        case .queueAdded: return "queue.added"
        case .queueSent: return "queue.sent"
        case .queueCleared: return "queue.cleared"
        case .queueDone: return "queue.done"
        case .queueReturned: return "queue.returned"
        case .prompt: return "prompt"
        case .tool: return "tool"
        case .toolDone: return "tool.done"
        case .toolFailed: return "tool.failed"
        case .permission: return "permission"
        case .notification: return "notification"
        case .idle: return "idle"
        case .stopFailed: return "stop.failed"
        case .subagentStart: return "subagent.start"
        case .subagentStop: return "subagent.stop"
        case .compact: return "compact"
        case .compactDone: return "compact.done"
        case .toolDenied: return "tool.denied"
        case .interrupt: return "interrupt"
        case .agentStart: return "agent.start"
        case .agentEnd: return "agent.end"
        case .hook: return "hook"
        case .hookUnreadable: return "hook.unreadable"
        case .screen: return "screen"
        case .hooksRefused: return "hooks.refused"
        case .unknown(let text): return text
        }
    }

    /// The known kinds by their text, for reading. Should two share a text (a mistake
    /// the tests catch), the first listed wins rather than the program stopping.
    private static let byRawValue: [String: EventKind] =
        Dictionary(allKnown.map { ($0.rawValue, $0) }, uniquingKeysWith: { first, _ in first })

    /// The kind a text names; `unknown` holding it when this build knows no such kind.
    /// Never fails, so that no event is dropped for its kind.
    public init(rawValue: String) {
        self = EventKind.byRawValue[rawValue] ?? .unknown(rawValue)
    }

    public var description: String { rawValue }

    /// Read from a plain JSON string, as `events.jsonl` has always held it.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Written as a plain JSON string, its text, unchanged for `unknown`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// Whether an agent reports this kind (or its screen shows it, for `screen`): with
    /// `state` and the questions' kinds, the kinds whose events may carry a new state.
    public var isAgentReport: Bool {
        switch self {
        case .prompt, .tool, .toolDone, .toolFailed, .permission, .notification, .idle, .stopFailed,
             .subagentStart, .subagentStop, .compact, .compactDone, .toolDenied, .interrupt,
             .agentStart, .agentEnd, .hook, .hookUnreadable, .screen, .hooksRefused:
            return true
        default:
            return false
        }
    }

    /// Whether it is one of a question's events in the `permission` file (asked,
    /// answered, gone). Not `permission`, the agent's own report that it asks.
    public var isPermissionQuestion: Bool {
        switch self {
        case .permissionAsked, .permissionAnswered, .permissionGone: return true
        default: return false
        }
    }
}
