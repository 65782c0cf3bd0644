/// What a renderer needs besides the record: the clock and the daemon's live facts.
public struct RenderContext: Sendable {
    public var now: Timestamp
    /// The tmux socket name, for the `attach` line.
    public var socket: String
    /// The last time the terminal printed something, if known.
    public var output: Timestamp?

    public init(now: Timestamp, socket: String, output: Timestamp? = nil) {
        self.now = now; self.socket = socket; self.output = output
    }
}

/// Renders a session's `status` (KEY VALUE lines) and `status.json` (DESIGN.md §2).
public enum StatusRenderer {
    /// The last time anything happened: an event or terminal output.
    public static func activity(_ r: SessionRecord, _ ctx: RenderContext) -> Timestamp {
        if let o = ctx.output, o > r.lastEvent { return o }
        return r.lastEvent
    }

    static func idleSeconds(_ r: SessionRecord, _ ctx: RenderContext) -> Int64? {
        guard r.state.isLive else { return nil }
        return activity(r, ctx).seconds(until: ctx.now)
    }

    static func attach(_ r: SessionRecord, _ ctx: RenderContext) -> String? {
        guard r.state.isLive else { return nil }
        return "tmux -L \(ctx.socket) attach -t \(SessionName.tmuxName(r.name))"
    }

    /// The pairs both files show, in order; nil is shown as `-` or `null`.
    static func fields(_ r: SessionRecord, _ ctx: RenderContext) -> [(String, Value)] {
        [
            ("name", .string(r.name)),
            ("state", .string(r.state.rawValue)),
            ("agent", .string(r.spec.agent.rawValue)),
            ("command", .string(r.commandLine)),
            ("dir", .string(r.spec.dir.isEmpty ? nil : r.spec.dir)),
            ("branch", .string(nil)),
            ("pid", .int(r.state.isLive ? r.pid.map(Int64.init) : nil)),
            ("created", .string(r.created.rfc3339)),
            ("started", .string(r.started?.rfc3339)),
            ("activity", .string(activity(r, ctx).rfc3339)),
            ("idle", .int(idleSeconds(r, ctx))),
            ("tool", .string(nil)),
            ("tokens.input", .int(nil)),
            ("tokens.output", .int(nil)),
            ("tokens.cache_read", .int(nil)),
            ("tokens.cache_write", .int(nil)),
            ("cost.usd", .int(nil)),
            ("events", .int(Int64(r.eventCount))),
            ("attach", .string(attach(r, ctx))),
            ("ended", .string(r.ended?.rfc3339)),
            ("exit", .int(r.exitCode.map(Int64.init))),
            ("reason", .string(r.reason)),
        ]
    }

    enum Value {
        case string(String?)
        case int(Int64?)
    }

    /// `status`: one `KEY VALUE` line per fact.
    public static func text(_ r: SessionRecord, _ ctx: RenderContext) -> String {
        var out = ""
        for (k, v) in fields(r, ctx) {
            let shown: String
            switch v {
            case .string(let s): shown = Text.orDash(s)
            case .int(let i): shown = i.map(String.init) ?? "-"
            }
            out += k + " " + shown + "\n"
        }
        return out
    }

    /// `status.json`: the same facts, numbers as numbers, unknowns as null.
    public static func json(_ r: SessionRecord, _ ctx: RenderContext) -> String {
        var w = JSONWriter()
        for (k, v) in fields(r, ctx) {
            switch v {
            case .string(let s): w.stringOrNull(k, (s?.isEmpty ?? true) ? nil : s)
            case .int(let i): w.intOrNull(k, i)
            }
        }
        return w.result + "\n"
    }
}

/// Renders the root `status`: a header and one aligned line per session.
public enum RootStatusRenderer {
    public static func text(_ rows: [(SessionRecord, RenderContext)]) -> String {
        var table: [[String]] = [["NAME", "STATE", "AGENT", "IDLE", "TOKENS", "BRANCH"]]
        for (r, ctx) in rows {
            table.append([
                r.name, r.state.rawValue, r.spec.agent.rawValue,
                StatusRenderer.idleSeconds(r, ctx).map(String.init) ?? "-", "-", "-",
            ])
        }
        var widths = [Int](repeating: 0, count: table[0].count)
        for row in table { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for row in table {
            var line = ""
            for (i, c) in row.enumerated() {
                if i == row.count - 1 { line += c } else {
                    line += c + String(repeating: " ", count: widths[i] - c.count + 2)
                }
            }
            out += line + "\n"
        }
        return out
    }
}
