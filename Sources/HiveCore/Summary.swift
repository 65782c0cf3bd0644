/// What a session did, computed when it ends from its record, its transcript's
/// tokens and git: exact, and written without asking any model.
public struct SessionSummary: Sendable {
    public var record: SessionRecord
    public var ledger: TranscriptLedger?
    public var prices: PriceTable
    /// Commits since the session's base, oldest first: short hash and subject.
    public var commits: [(hash: String, subject: String)]?
    /// The work tree against the base.
    public var diff: GitDiffStat?
    /// The branch git had checked out when the session ended, for a session without
    /// a worktree (whose record names none); the record's branch wins.
    public var branch: String?

    public init(record: SessionRecord, ledger: TranscriptLedger?, prices: PriceTable,
                commits: [(hash: String, subject: String)]?, diff: GitDiffStat?) {
        self.record = record; self.ledger = ledger; self.prices = prices; self.commits = commits; self.diff = diff
    }

    /// How it ended, in a few words: `exit 0`, `signal 9`, `oom`, `killed kill`, `failed REASON`, `lost`.
    var how: String? {
        let r = record
        switch r.state {
        case .exited:
            if r.reason == "lost" || r.reason == "oom" { return r.reason }
            if let reason = r.reason, reason.hasPrefix("signal ") { return reason }
            return r.exitCode.map { "exit \($0)" } ?? "exited"
        case .killed: return "killed " + (r.reason ?? "")
        case .failed: return "failed " + (r.reason ?? "")
        default: return nil
        }
    }

    /// Paths the agent edited, wrote or created.
    var changed: [String] {
        Set(record.files.keys.filter { ["edit", "write", "create"].contains($0.action) }.map(\.path)).sorted()
    }

    enum Value {
        case string(String?)
        case int(Int64?)
        case money(Double?)
        /// A figure with one decimal (seconds).
        case tenths(Double?)
    }

    var fields: [(String, Value)] {
        let r = record
        let t = ledger?.total
        let duration: Int64? = r.started.flatMap { s in r.ended.map { s.seconds(until: $0) } }
        let readPaths = Set(r.files.keys.filter { $0.action == "read" }.map(\.path)).count
        var out: [(String, Value)] = [
            ("name", .string(r.name)),
            ("agent", .string(r.spec.agent.rawValue)),
            ("dir", .string(r.workdir ?? (r.spec.dir.isEmpty ? nil : r.spec.dir))),
            ("branch", .string(r.branch ?? branch)),
            ("worktree", .string(r.worktree)),
            ("created", .string(r.created.rfc3339)),
            ("started", .string(r.started?.rfc3339)),
            ("ended", .string(r.ended?.rfc3339)),
            ("duration", .int(duration)),
            ("how", .string(how)),
            ("exit", .int(r.exitCode.map(Int64.init))),
            ("reason", .string(r.reason)),
            // What the kernel counted in its cgroup, where it had one.
            ("cpu.seconds", .tenths(r.usage?.cpuSeconds)),
            ("memory.peak", .int(r.usage?.memoryPeak)),
            ("oom", .int(r.usage?.oom)),
            ("pids.refused", .int(r.usage?.pidsRefused)),
            ("limit.memory", .int(r.limits.memory)),
            ("limit.cpu", .int(r.limits.cpu)),
            ("limit.pids", .int(r.limits.pids)),
            ("sandbox", .string(r.spec.sandbox.isEmpty ? "none" : r.spec.sandbox)),
            ("tokens.input", .int(t?.input)),
            ("tokens.output", .int(t?.output)),
            ("tokens.cache_read", .int(t?.cacheRead)),
            ("tokens.cache_write", .int(t?.cacheWrite)),
            ("cost.usd", .money(ledger.map { $0.cost(prices).usd })),
            ("cost.source", .string(ledger.map { $0.cost(prices).source.rawValue })),
            ("prompts", .int(Int64(r.prompts))),
            ("tools", .int(Int64(r.tools.values.reduce(0, +)))),
        ]
        for (name, n) in r.tools.sorted(by: { $0.key < $1.key }) { out.append(("tool." + name, .int(Int64(n)))) }
        out += [
            ("files.read", .int(Int64(readPaths))),
            ("files.changed", .int(Int64(changed.count))),
            ("commits", .int(commits.map { Int64($0.count) })),
            ("diff.files", .int(diff.map { Int64($0.files) })),
            ("diff.insertions", .int(diff.map { Int64($0.insertions) })),
            ("diff.deletions", .int(diff.map { Int64($0.deletions) })),
            ("message", .string((r.message ?? ledger?.lastText).map { ClaudeHooks.firstLine($0) })),
            ("events", .int(Int64(r.eventCount))),
        ]
        return out
    }

    /// `summary`: KEY VALUE lines, then a `changed PATH` line per file changed and a
    /// `commit HASH SUBJECT` line per commit.
    public var text: String {
        var out = ""
        for (k, v) in fields {
            switch v {
            case .string(let s): out += k + " " + Text.orDash(s) + "\n"
            case .int(let i): out += k + " " + (i.map(String.init) ?? "-") + "\n"
            case .money(let d): out += k + " " + (d.map(JSONWriter.money) ?? "-") + "\n"
            case .tenths(let d): out += k + " " + (d.map(JSONWriter.tenths) ?? "-") + "\n"
            }
        }
        for p in changed { out += "changed " + Text.oneLine(p) + "\n" }
        for c in commits ?? [] { out += "commit " + c.hash + " " + Text.oneLine(c.subject) + "\n" }
        return out
    }

    /// `summary.json`: the same facts; tools, changed files and commits as a map and arrays.
    public var json: String {
        var w = JSONWriter()
        for (k, v) in fields where !k.hasPrefix("tool.") {
            switch v {
            case .string(let s): w.stringOrNull(k, (s?.isEmpty ?? true) ? nil : s)
            case .int(let i): w.intOrNull(k, i)
            case .money(let d): if let d { w.raw(k, JSONWriter.money(d)) } else { w.null(k) }
            case .tenths(let d): if let d { w.raw(k, JSONWriter.tenths(d)) } else { w.null(k) }
            }
        }
        var tools = JSONWriter()
        for (name, n) in record.tools.sorted(by: { $0.key < $1.key }) { tools.int(name, Int64(n)) }
        w.raw("tool", tools.result)
        w.raw("changed", "[" + changed.map(JSONWriter.quote).joined(separator: ",") + "]")
        let cs = (commits ?? []).map { c -> String in
            var o = JSONWriter(); o.string("hash", c.hash); o.string("subject", c.subject); return o.result
        }
        w.raw("commit", "[" + cs.joined(separator: ",") + "]")
        if let m = record.message ?? ledger?.lastText { w.string("message.full", m) }
        return w.result + "\n"
    }
}
