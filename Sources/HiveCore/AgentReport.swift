import Foundation

/// What the agent's state should become after a report, before the daemon weighs
/// it against the state it has (a paused or ended session keeps its state).
public enum StateWish: Sendable, Equatable {
    /// Busy: a prompt was submitted, a tool runs.
    case working
    /// Needs a person; the reason names what it asks (a permission request).
    case waiting(String)
    /// Needs a person, as a notification says: the same as `waiting`, but an
    /// existing wait keeps its reason (the request it follows named it better).
    case asking(String)
    /// Finished its turn; a reason when it ended on an error.
    case idle(String?)
    /// Ready for its first prompt: `idle`, but only from `starting`.
    case ready

    /// The state this wish leads to from `current`, and its reason; nil for no change.
    public func next(from current: SessionState, reason: String?) -> (SessionState, String?)? {
        let target: (SessionState, String?)
        switch self {
        case .working: target = (.working, nil)
        case .waiting(let why), .asking(let why): target = (.waiting, why)
        case .idle(let why): target = (.idle, why)
        case .ready:
            // From `starting`, or from a wait the screen showed before the agent could
            // report (its trust dialog): answered, since the agent now runs.
            guard current == .starting || current == .waiting else { return nil }
            target = (.idle, nil)
        }
        guard current.isLive, current != .paused else { return nil }
        if target.0 == current && target.1 == reason { return nil }
        if case .asking = self, current == .waiting, reason != nil { return nil }
        return target
    }

    /// The state itself, for a paused session to return to on resume.
    public var state: SessionState {
        switch self {
        case .working: return .working
        case .waiting, .asking: return .waiting
        case .idle, .ready: return .idle
        }
    }
}

/// A file the agent touched, as `files` counts it.
public struct FileTouch: Sendable, Hashable, Comparable, Codable {
    /// `read`, `edit`, `write`, `create` or `search`.
    public var action: String
    public var path: String

    public init(action: String, path: String) { self.action = action; self.path = path }

    public static func < (a: FileTouch, b: FileTouch) -> Bool {
        a.path == b.path ? a.action < b.action : a.path < b.path
    }
}

/// What one hook record means, agent-neutral: the event to show, and what it
/// changes in the session.
public struct AgentReport: Sendable, Equatable {
    /// The kind of the event it is recorded as.
    public var kind: EventKind
    /// One line for people: the tool and its target, the prompt's first line.
    public var detail: String
    public var wish: StateWish?
    /// The tool running now (`Edit src/a.swift`), set by a tool's start.
    public var tool: String?
    /// Whether the running tool is over (done, failed, turn ended).
    public var clearsTool = false
    public var touch: FileTouch?
    public var agentSession: String?
    public var transcript: String?
    /// A subagent's own transcript, whose tokens count too.
    public var subagentTranscript: String?
    public var model: String?
    public var message: String?
    /// Whether what it reports may have changed files (a write, a command, a turn's end).
    public var mayChangeFiles = false
    /// A new snapshot of the agent's own figures (Claude Code's status line): its
    /// cost is read, and no event is recorded.
    public var isCostSnapshot = false

    /// The record that says the agent's status-line snapshot changed.
    public static var costSnapshot: AgentReport {
        // Never recorded as an event, so of no kind.
        var r = AgentReport(kind: .unknown(""))
        r.isCostSnapshot = true
        return r
    }

    public init(kind: EventKind, detail: String = "") {
        self.kind = kind
        self.detail = detail
    }

    /// A record that could not be understood; it changes nothing but the count.
    public static func unreadable(_ why: String, bytes: Int) -> AgentReport {
        AgentReport(kind: EventKind.hookUnreadable, detail: "\(why) (\(bytes) bytes kept in hooks.log)")
    }

    /// A payload that is not a JSON object, with the report that says why.
    public struct Unreadable: Error {
        public var report: AgentReport
    }

    /// A payload's JSON object and what it is (the string under `key`, which names
    /// the event: `hook_event_name` for hooks, `type` for Codex's notifications).
    public static func object(_ payload: [UInt8], key: String) -> Result<(name: String, fields: [String: Any]), Unreadable> {
        func bad(_ why: String) -> Result<(name: String, fields: [String: Any]), Unreadable> {
            .failure(Unreadable(report: .unreadable(why, bytes: payload.count)))
        }
        if payload.isEmpty { return bad("empty payload") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed]) else {
            return bad(String(validating: payload, as: UTF8.self) == nil ? "not UTF-8 text" : "not JSON")
        }
        guard let p = object as? [String: Any] else { return bad("not a JSON object") }
        guard let name = p[key] as? String, !name.isEmpty else { return bad("no \(key)") }
        return .success((name, p))
    }

    /// The end of a turn: idle, with the agent's last message (its first line shown).
    public static func turnEnded(_ last: String?) -> AgentReport {
        var r = AgentReport(kind: EventKind.idle, detail: last.map { ClaudeHooks.firstLine($0) } ?? "")
        r.message = last
        r.wish = .idle(nil)
        r.clearsTool = true
        r.mayChangeFiles = true
        return r
    }
}
