import Foundation

/// One record of a session's event log: a line of `events` and of `events.jsonl`.
public struct Event: Sendable, Equatable, Codable {
    public var time: Timestamp
    public var session: String
    public var kind: EventKind
    /// For people: the tool and its target, the command, the new state. Kept as it
    /// came (a path may hold any byte); every file that shows it escapes it to one line.
    public var detail: String
    public var uid: UInt32?
    public var state: SessionState?
    public var pid: Int32?
    public var exit: Int32?
    public var reason: String?
    public var errno: String?
    public var key: String?
    public var value: String?
    public var spec: SessionSpec?
    /// The tool an agent event is about, with its target (`Edit src/a.swift`).
    public var tool: String?
    /// A file the agent touched: what it did (`read`, `edit`, `write`, `create`, `search`)…
    public var action: String?
    /// …and the path, relative to the session's directory where inside it.
    public var path: String?
    /// For an agent's report: the byte offset in `hooks.log` just past its record,
    /// so a restarted daemon reads on from there and counts nothing twice.
    public var hook: Int64?
    /// The agent's own id for its conversation (Claude Code's session id).
    public var agentSession: String?
    /// The model the agent reports.
    public var model: String?
    /// The agent's last message to its person.
    public var message: String?
    /// Where the agent writes its transcript.
    public var transcript: String?
    /// The git facts a session's events record: its branch, base commit, worktree,
    /// repository, the folder the agent runs in, and HEAD.
    public var branch: String?
    public var base: String?
    /// The branch checked out in the repository when the worktree was made (`worktree`).
    public var baseBranch: String?
    public var worktree: String?
    public var repo: String?
    public var workdir: String?
    public var head: String?
    /// The question a `permission.asked` event records; which one a `permission.answered`
    /// or `permission.gone` ends.
    public var permission: Permission?
    /// For an agent's report while the session is paused: the state it reports, where
    /// `resume` returns to.
    public var resumeTo: SessionState?
    /// For a `fork` event: which session was forked into which, and at what point.
    public var fork: ForkPoint?

    public init(time: Timestamp = .now(), session: String, kind: EventKind, detail: String = "",
                uid: UInt32? = nil, state: SessionState? = nil, pid: Int32? = nil, exit: Int32? = nil,
                reason: String? = nil, errno: String? = nil, key: String? = nil, value: String? = nil,
                spec: SessionSpec? = nil) {
        self.time = time; self.session = session; self.kind = kind; self.detail = detail
        self.uid = uid; self.state = state; self.pid = pid; self.exit = exit; self.reason = reason
        self.errno = errno; self.key = key; self.value = value; self.spec = spec
    }

    enum CodingKeys: String, CodingKey {
        case time, session, kind, detail, uid, state, pid, exit, reason, errno, key, value, spec
        case tool, action, path, hook, model, message, transcript
        case branch, base, worktree, repo, workdir, head, permission, fork
        case agentSession = "agent_session"
        case baseBranch = "base_branch"
        case resumeTo = "resume_to"
    }

    /// `TIME KIND DETAIL\n`, the line of a session's `events`.
    public var textLine: String {
        let d = Text.oneLine(detail)
        let k = Text.oneLine(kind.rawValue).replacingOccurrences(of: " ", with: "_")
        return d.isEmpty ? "\(time.rfc3339) \(k)\n" : "\(time.rfc3339) \(k) \(d)\n"
    }

    /// `NAME TIME KIND DETAIL\n`, the line of the root `events`.
    public var rootTextLine: String { session + " " + textLine }

    /// One JSON object and a newline, the line of `events.jsonl`.
    public var jsonLine: String {
        var w = JSONWriter()
        w.string("time", time.rfc3339)
        w.string("session", session)
        w.string("kind", kind.rawValue)
        w.string("detail", detail)
        if let uid { w.int("uid", Int64(uid)) }
        if let state { w.string("state", state.rawValue) }
        if let pid { w.int("pid", Int64(pid)) }
        if let exit { w.int("exit", Int64(exit)) }
        if let reason { w.string("reason", reason) }
        if let errno { w.string("errno", errno) }
        if let key { w.string("key", key) }
        if let value { w.string("value", value) }
        if let spec { w.raw("spec", SessionSpec.json(spec)) }
        if let tool { w.string("tool", tool) }
        if let action { w.string("action", action) }
        if let path { w.string("path", path) }
        if let hook { w.int("hook", hook) }
        if let agentSession { w.string("agent_session", agentSession) }
        if let model { w.string("model", model) }
        if let message { w.string("message", message) }
        if let transcript { w.string("transcript", transcript) }
        if let branch { w.string("branch", branch) }
        if let base { w.string("base", base) }
        if let baseBranch { w.string("base_branch", baseBranch) }
        if let worktree { w.string("worktree", worktree) }
        if let repo { w.string("repo", repo) }
        if let workdir { w.string("workdir", workdir) }
        if let head { w.string("head", head) }
        if let resumeTo { w.string("resume_to", resumeTo.rawValue) }
        if let permission, let data = try? JSONEncoder().encode(permission) {
            w.raw("permission", String(decoding: data, as: UTF8.self))
        }
        if let fork, let data = try? JSONEncoder().encode(fork) {
            w.raw("fork", String(decoding: data, as: UTF8.self))
        }
        return w.result + "\n"
    }

    /// Reads a line of `events.jsonl`; nil for a torn or foreign line.
    public static func parse(jsonLine line: some DataProtocol) -> Event? {
        try? JSONDecoder().decode(Event.self, from: Data(line))
    }
}

extension SessionSpec {
    static func json(_ spec: SessionSpec) -> String {
        var w = JSONWriter()
        w.string("agent", spec.agent.rawValue)
        w.string("dir", spec.dir)
        w.string("prompt", spec.prompt)
        w.string("command", spec.command)
        w.string("model", spec.model)
        w.string("worktree", spec.worktree)
        w.string("setup", spec.setup)
        // Keys later releases added are written only when set, so older logs read the same.
        if !spec.mode.isEmpty { w.string("mode", spec.mode) }
        if spec.trustsDir { w.string("trust", spec.trust) }
        // Absent reads as `none`; an empty one (not chosen yet) is written, so it reads back empty.
        if spec.sandbox != "none" { w.string("sandbox", spec.sandbox) }
        if !spec.sandboxNetwork { w.bool("sandboxNetwork", false) }
        if !spec.sandboxWrite.isEmpty { w.raw("sandboxWrite", "[" + spec.sandboxWrite.map(JSONWriter.quote).joined(separator: ",") + "]") }
        if !spec.limits.isEmpty {
            var l = JSONWriter()
            for k in spec.limits.set { l.int(k.rawValue, spec.limits[k] ?? 0) }
            w.raw("limits", l.result)
        }
        var env = JSONWriter()
        for k in spec.env.keys.sorted() { env.string(k, spec.env[k] ?? "") }
        w.raw("env", env.result)
        return w.result
    }
}
