import Foundation

/// What a renderer needs besides the record: the clock and the daemon's live facts.
public struct RenderContext: Sendable {
    public var now: Timestamp
    /// The tmux socket name, for the `attach` line.
    public var socket: String
    /// The last time the terminal printed something, if known.
    public var output: Timestamp?
    /// The tokens counted from the agent's transcript, for agents that keep one.
    public var ledger: TranscriptLedger?
    /// What tokens cost, for `cost.usd`.
    public var prices: PriceTable
    /// The branch git last reported for the session's folder.
    public var gitBranch: String?
    /// How many paths git last reported changed in the session's folder (its `git` file's `changed`).
    public var gitChanged: Int?
    /// The idle timeout of sessions that set none (seconds; nil or 0: none).
    public var defaultIdleTimeout: Int64?
    /// Why the state directory refuses writes, when it does (events are held in memory).
    public var disk: String?
    /// Where the state of a live session comes from now (hooks, notify, screen, terminal).
    public var reports: String?
    /// Percent of one core the running session's process tree used over the last seconds.
    public var cpu: Double?
    /// Bytes resident in memory of the running session's process tree (RSS summed).
    public var memory: Int64?
    /// What the running session's cgroup counted so far (CPU seconds, peak, OOM kills), where it has one.
    public var usage: ResourceUsage?
    /// Its tasks now, and its cgroup's folder.
    public var pids: Int64?
    public var cgroup: String?

    public init(now: Timestamp, socket: String, output: Timestamp? = nil, ledger: TranscriptLedger? = nil,
                prices: PriceTable = .standard) {
        self.now = now; self.socket = socket; self.output = output; self.ledger = ledger; self.prices = prices
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
        let l = ctx.ledger
        let t = l?.total
        let cost = l.map { $0.cost(ctx.prices) }
        // The transcript knows the model in use now (a `/model` switch); the start hook, the first.
        let model = l?.model ?? r.model ?? (r.spec.model.isEmpty ? nil : r.spec.model)
        // Live: the cgroup's counters now; ended: what the run's end recorded.
        let usage = r.state.isLive ? ctx.usage : r.usage
        return [
            ("name", .string(r.name)),
            ("state", .string(r.state.rawValue)),
            ("agent", .string(r.spec.agent.rawValue)),
            ("command", .string(r.commandLine)),
            ("dir", .string(r.workdir ?? (r.spec.dir.isEmpty ? nil : r.spec.dir))),
            ("branch", .string(r.branch ?? ctx.gitBranch)),
            ("worktree", .string(r.worktree)),
            ("parent", .string(r.forkedFrom?.parent)),
            ("changed", .int(ctx.gitChanged.map(Int64.init))),
            ("pid", .int(r.state.isLive ? r.pid.map(Int64.init) : nil)),
            ("cpu", .tenths(r.state.isLive ? ctx.cpu : nil)),
            ("memory", .int(r.state.isLive ? ctx.memory : nil)),
            ("memory.peak", .int(usage?.memoryPeak)),
            ("cpu.seconds", .tenths(usage?.cpuSeconds)),
            ("pids", .int(r.state.isLive ? ctx.pids : nil)),
            ("pids.refused", .int(usage.map { $0.pidsRefused })),
            ("oom", .int(usage?.oom ?? (r.oomKills > 0 ? r.oomKills : nil))),
            ("limit.memory", .int(r.limits.memory)),
            ("limit.cpu", .int(r.limits.cpu)),
            ("limit.pids", .int(r.limits.pids)),
            ("cgroup", .string(r.state.isLive ? ctx.cgroup : nil)),
            ("sandbox", .string(r.spec.sandbox.isEmpty ? "none" : r.spec.sandbox)),
            ("sandbox.network", .string(r.spec.sandboxed ? (r.spec.sandboxNetwork ? "on" : "off") : nil)),
            ("created", .string(r.created.rfc3339)),
            ("started", .string(r.started?.rfc3339)),
            ("activity", .string(activity(r, ctx).rfc3339)),
            ("idle", .int(idleSeconds(r, ctx))),
            ("tool", .string(r.tool)),
            ("model", .string(model)),
            ("agent.session", .string(r.agentSession)),
            ("reports", .string(r.state.isLive ? ctx.reports : nil)),
            ("tokens.input", .int(t?.input)),
            ("tokens.output", .int(t?.output)),
            ("tokens.cache_read", .int(t?.cacheRead)),
            ("tokens.cache_write", .int(t?.cacheWrite)),
            ("cost.usd", .money(cost.map { $0.usd })),
            ("cost.unpriced", .string(cost.flatMap { $0.unpriced.isEmpty ? nil : $0.unpriced.joined(separator: ",") })),
            ("cost.source", .string(cost.map { $0.source.rawValue })),
            ("transcript.skipped", .int(l.map { Int64($0.skipped) })),
            ("message", .string((r.message ?? l?.lastText).map { ClaudeHooks.firstLine($0) })),
            ("budget", .string(r.budget?.text)),
            ("budget.left", budgetLeft(r, ctx)),
            ("idle-timeout", .int(idleTimeout(r, ctx))),
            ("idle-timeout.left", .int(idleTimeoutLeft(r, ctx))),
            ("queue", .int(Int64(r.queue.count))),
            ("events", .int(Int64(r.eventCount))),
            ("disk", .string(ctx.disk)),
            ("attach", .string(attach(r, ctx))),
            ("ended", .string(r.ended?.rfc3339)),
            ("exit", .int(r.exitCode.map(Int64.init))),
            ("reason", .string(r.reason)),
        ]
    }

    enum Value {
        case string(String?)
        case int(Int64?)
        /// Dollars, shown with four decimals.
        case money(Double?)
        /// A figure shown with one decimal (a percent).
        case tenths(Double?)
    }

    /// What is left of the budget: tokens, or dollars; 0 once spent.
    static func budgetLeft(_ r: SessionRecord, _ ctx: RenderContext) -> Value {
        guard let b = r.budget else { return .string(nil) }
        let t = ctx.ledger?.total
        switch b {
        case .tokens(let n): return .int(max(0, n - ((t?.input ?? 0) + (t?.output ?? 0))))
        case .usd(let d): return .money(max(0, d - (ctx.ledger?.cost(ctx.prices).usd ?? 0)))
        }
    }

    /// Whether a session has spent its budget.
    public static func overBudget(_ r: SessionRecord, _ ctx: RenderContext) -> Bool {
        guard let b = r.budget, let l = ctx.ledger else { return false }
        switch b {
        case .tokens(let n): return l.total.input + l.total.output >= n
        case .usd(let d): return l.cost(ctx.prices).usd >= d
        }
    }

    /// The idle timeout in force, in seconds; nil when none.
    public static func idleTimeout(_ r: SessionRecord, _ ctx: RenderContext) -> Int64? {
        let t = r.idleTimeout ?? ctx.defaultIdleTimeout ?? 0
        return t > 0 ? t : nil
    }

    /// Seconds before the idle timeout ends the session, while it is idle or waiting.
    public static func idleTimeoutLeft(_ r: SessionRecord, _ ctx: RenderContext) -> Int64? {
        guard let t = idleTimeout(r, ctx), r.state == .idle || r.state == .waiting else { return nil }
        return max(0, t - r.stateSince.seconds(until: ctx.now))
    }

    /// Until when `fields` reads the same: the next instant a shown count of seconds
    /// (`idle`, `idle-timeout.left`) ticks; nil when nothing shown depends on the clock.
    public static func unchangedUntil(_ r: SessionRecord, _ ctx: RenderContext) -> Timestamp? {
        func nextTick(from anchor: Timestamp) -> Timestamp {
            let elapsed = max(0, ctx.now.milliseconds - anchor.milliseconds)
            return Timestamp(milliseconds: anchor.milliseconds + (elapsed / 1000 + 1) * 1000)
        }
        var ticks: [Timestamp] = []
        if r.state.isLive { ticks.append(nextTick(from: activity(r, ctx))) }
        if idleTimeoutLeft(r, ctx) != nil { ticks.append(nextTick(from: r.stateSince)) }
        return ticks.min()
    }

    /// The total tokens of the root table: input and output, as billed.
    static func tokens(_ ctx: RenderContext) -> String {
        guard let t = ctx.ledger?.total else { return "-" }
        return String(t.input + t.output)
    }

    /// `status`: one `KEY VALUE` line per fact.
    public static func text(_ r: SessionRecord, _ ctx: RenderContext) -> String {
        var out = ""
        for (k, v) in fields(r, ctx) {
            let shown: String
            switch v {
            case .string(let s): shown = Text.orDash(s)
            case .int(let i): shown = i.map(String.init) ?? "-"
            case .money(let d): shown = d.map(JSONWriter.money) ?? "-"
            case .tenths(let d): shown = d.map(JSONWriter.tenths) ?? "-"
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
            case .money(let d): if let d { w.raw(k, JSONWriter.money(d)) } else { w.null(k) }
            case .tenths(let d): if let d { w.raw(k, JSONWriter.tenths(d)) } else { w.null(k) }
            }
        }
        return w.result + "\n"
    }
}

/// Renders the root `status`: a header and one aligned line per session.
public enum RootStatusRenderer {
    /// The root `status.json`: each session's `status.json` object (its bytes, as
    /// served), in name order, as one array with an object a line. Bytes, not text:
    /// 200 sessions make 130 KiB, built at every `stat` and read.
    public static func json(_ objects: [[UInt8]]) -> [UInt8] {
        if objects.isEmpty { return Array("[]\n".utf8) }
        var out: [UInt8] = [UInt8(ascii: "["), UInt8(ascii: "\n")]
        out.reserveCapacity(objects.reduce(4) { $0 + $1.count + 1 })
        for (i, o) in objects.enumerated() {
            out += o.last == UInt8(ascii: "\n") ? o.dropLast() : o[...]
            if i < objects.count - 1 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\n"))
        }
        out += [UInt8(ascii: "]"), UInt8(ascii: "\n")]
        return out
    }

    public static func text(_ rows: [(SessionRecord, RenderContext)]) -> String {
        text(rows: rows.map { row($0.0, $0.1) })
    }

    /// The columns of the table.
    static let header = ["NAME", "STATE", "AGENT", "IDLE", "TOKENS", "COST", "BRANCH", "CPU", "MEM", "REASON"]

    /// A session of this host's, as a row of the table.
    public static func row(_ r: SessionRecord, _ ctx: RenderContext) -> [String] {
        // REASON is last: it may hold spaces, and the columns before it never do.
        [
            r.name, r.state.rawValue, r.spec.agent.rawValue,
            StatusRenderer.idleSeconds(r, ctx).map(String.init) ?? "-", StatusRenderer.tokens(ctx),
            ctx.ledger.map { JSONWriter.money($0.cost(ctx.prices).usd) } ?? "-",
            Text.orDash(r.branch ?? ctx.gitBranch),
            (r.state.isLive ? ctx.cpu : nil).map(JSONWriter.tenths) ?? "-",
            (r.state.isLive ? ctx.memory : nil).map(Bytes.short) ?? "-", Text.orDash(r.reason),
        ]
    }

    /// A session as another host's `status.json` tells it (one object of its root
    /// `status.json`, its name already `@HOST/NAME`), as a row of the table; nil
    /// when it is not such an object.
    public static func row(json: [UInt8]) -> [String]? {
        guard let any = try? JSONSerialization.jsonObject(with: Data(json)), let o = any as? [String: Any],
              let name = o["name"] as? String, let state = o["state"] as? String else { return nil }
        func int(_ k: String) -> Int64? { (o[k] as? NSNumber)?.int64Value }
        func word(_ k: String) -> String { Text.orDash((o[k] as? String).map { Text.oneLine($0) }) }
        let input = int("tokens.input"), output = int("tokens.output")
        let tokens = input == nil && output == nil ? "-" : String((input ?? 0) + (output ?? 0))
        return [
            Text.oneLine(name), Text.oneLine(state), word("agent"), int("idle").map(String.init) ?? "-", tokens,
            (o["cost.usd"] as? NSNumber).map { JSONWriter.money($0.doubleValue) } ?? "-", word("branch"),
            (o["cpu"] as? NSNumber).map { JSONWriter.tenths($0.doubleValue) } ?? "-",
            int("memory").map(Bytes.short) ?? "-", word("reason"),
        ]
    }

    /// Another host whose link is down, as one row: `@HOST` in state `down`, the
    /// reason saying why and since when.
    public static func downRow(host: String, reason: String) -> [String] {
        ["@" + host, "down", "-", "-", "-", "-", "-", "-", "-", Text.oneLine(reason)]
    }

    /// The same, as an object of the root `status.json`.
    public static func downObject(host: String, reason: String) -> [UInt8] {
        var w = JSONWriter()
        w.string("name", "@" + host)
        w.string("state", "down")
        w.string("reason", reason)
        return Array((w.result + "\n").utf8)
    }

    /// The table: a header and one aligned line per row.
    public static func text(rows: [[String]]) -> String {
        let table = [header] + rows
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

/// Renders `files`: `ACTION COUNT PATH` lines, sorted by path, then action.
public enum FilesRenderer {
    public static func text(_ r: SessionRecord) -> String {
        var out = ""
        for (touch, count) in r.files.sorted(by: { $0.key < $1.key }) {
            out += "\(touch.action) \(count) \(Text.oneLine(touch.path))\n"
        }
        return out
    }
}
