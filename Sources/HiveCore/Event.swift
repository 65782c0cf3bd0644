import Foundation

/// The kinds of event hivefs itself records. Agents' hooks add their own kinds later.
public enum EventKind {
    /// The session directory was made; carries the spec.
    public static let created = "created"
    /// A spec file was written while the session was `new`.
    public static let spec = "spec"
    /// A command written to `control`, with the writer's uid.
    public static let control = "control"
    /// The session's state changed; carries the new state and, where known, pid, exit and reason.
    public static let state = "state"
    /// A write to `control` was refused; carries the errno and the reason.
    public static let error = "error"
    /// The daemon found the session again after a restart.
    public static let adopted = "adopted"
    /// The session was moved to `history/`.
    public static let removed = "removed"
}

/// One record of a session's event log: a line of `events` and of `events.jsonl`.
public struct Event: Sendable, Equatable, Codable {
    public var time: Timestamp
    public var session: String
    public var kind: String
    /// One line for people: the tool and its target, the command, the new state.
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

    public init(time: Timestamp = .now(), session: String, kind: String, detail: String = "",
                uid: UInt32? = nil, state: SessionState? = nil, pid: Int32? = nil, exit: Int32? = nil,
                reason: String? = nil, errno: String? = nil, key: String? = nil, value: String? = nil,
                spec: SessionSpec? = nil) {
        self.time = time; self.session = session; self.kind = kind; self.detail = detail
        self.uid = uid; self.state = state; self.pid = pid; self.exit = exit; self.reason = reason
        self.errno = errno; self.key = key; self.value = value; self.spec = spec
    }

    /// `TIME KIND DETAIL\n`, the line of a session's `events`.
    public var textLine: String {
        let d = Text.oneLine(detail)
        let k = Text.oneLine(kind).replacingOccurrences(of: " ", with: "_")
        return d.isEmpty ? "\(time.rfc3339) \(k)\n" : "\(time.rfc3339) \(k) \(d)\n"
    }

    /// `NAME TIME KIND DETAIL\n`, the line of the root `events`.
    public var rootTextLine: String { session + " " + textLine }

    /// One JSON object and a newline, the line of `events.jsonl`.
    public var jsonLine: String {
        var w = JSONWriter()
        w.string("time", time.rfc3339)
        w.string("session", session)
        w.string("kind", kind)
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
        var env = JSONWriter()
        for k in spec.env.keys.sorted() { env.string(k, spec.env[k] ?? "") }
        w.raw("env", env.result)
        return w.result
    }
}
