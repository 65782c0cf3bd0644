import Foundation
import HiveCore

/// What reads of the tree see: each file rendered from a copy of its session's
/// record, taken under the session's mutex and rendered outside it. Never waits
/// for a queue; only `screen` runs tmux and `diff` runs git (the bridge calls them
/// off its workers).
final class Views: Sendable {
    let parts: Parts
    let registry: Registry
    let gitView: GitView
    private var config: HiveConfig { parts.config }
    private var store: StateStore { parts.store }

    init(_ parts: Parts, registry: Registry, gitView: GitView) {
        self.parts = parts
        self.registry = registry
        self.gitView = gitView
    }

    /// A copy of the session's record and what rendering it needs.
    func snapshot(_ name: String) -> (SessionRecord, RenderContext)? {
        guard let s = registry.get(name) else { return nil }
        return s.with { ($0.machine.record, context($0, now: .now())) }
    }

    /// What rendering a session needs besides its record; call with its mutex held.
    func context(_ inside: LiveSession.Inside, now: Timestamp) -> RenderContext {
        var ctx = inside.machine.context(now)
        ctx.socket = config.socket
        ctx.gitBranch = inside.handles.git?.status?.branch
        ctx.gitChanged = inside.handles.git?.status?.changes.count
        ctx.disk = store.diskTrouble.map { "\($0.errno) since \($0.since.rfc3339), \($0.held) events held in memory" }
        ctx.reports = inside.machine.reports
        return ctx
    }

    /// `git` or `git.json` as git's facts stand; nil if the session is gone.
    func git(_ name: String, json: Bool) -> Rendered? {
        registry.get(name).map { gitView.render($0, json: json) }
    }

    /// The change counter `poll()` on `git` compares.
    func gitVersion(_ name: String) -> UInt64? {
        registry.get(name).map { gitView.version($0) }
    }

    /// `diff` or `diff.stat` (`SessionDiff`): runs git, so never on a FUSE worker; nil if
    /// the session is gone. Both are rendered at once (one reading of the work tree);
    /// a render made less than `SessionDiff.reuseMS` ago, at the record's version, is
    /// served again.
    func diff(_ name: String, stat: Bool) -> FileContent? {
        guard let s = registry.get(name) else { return nil }
        let file: SessionFile = stat ? .diffStat : .diff
        let (r, kept) = s.with { ($0.machine.record, $0.handles.diffCache[file]) }
        if let kept, kept.version == r.version, Sys.monotonicMS() - kept.madeMS < SessionDiff.reuseMS {
            return kept.content
        }
        let both = SessionDiff.render(gitView.git, r)
        let now = Timestamp.now(), madeMS = Sys.monotonicMS()
        var contents: [SessionFile: FileContent] = [:]
        for (f, bytes) in [(SessionFile.diff, both.diff), (.diffStat, both.stat)] {
            contents[f] = FileContent(bytes: bytes, mtime: now, version: r.version)
        }
        // Only a render of a modest size is kept (a diff may run to 64 MiB); a larger
        // one, like any expired one, is dropped rather than held until the next read.
        s.with { inside in
            for (f, content) in contents {
                inside.handles.diffCache[f] = content.bytes.count <= SessionDiff.keepBytes
                    ? CachedDiff(version: r.version, madeMS: madeMS, content: content) : nil
            }
        }
        return contents[file]
    }

    /// A read of `git` (see `GitView.read`).
    func readGit(_ name: String, done: @escaping @Sendable () -> Void) {
        guard let s = registry.get(name) else { return done() }
        gitView.read(s, done: done)
    }

    /// Renders a session file that is not a log; nil if the session is gone.
    func render(_ name: String, _ file: SessionFile) -> Rendered? {
        if file == .git || file == .gitJSON { return git(name, json: file == .gitJSON) }
        if file == .status || file == .statusJSON { return renderStatus(name, json: file == .statusJSON) }
        guard let (r, ctx) = snapshot(name) else { return nil }
        let text: String
        // The last event, not the terminal's output: every change of what these files
        // show is an event, announced (`onChange`), so a kernel keeping them is told.
        var mtime = r.lastEvent
        var version = r.version
        switch file {
        case .state:
            text = r.state.rawValue + "\n"
            version = r.stateVersion
        case .status:
            text = StatusRenderer.text(r, ctx)
        case .statusJSON:
            text = StatusRenderer.json(r, ctx)
        case .control:
            text = ControlUsage.text(usage: ControlUsage.session, lastError: r.lastError)
            mtime = r.lastError?.time ?? r.created
        case .git, .gitJSON:
            text = ""
        case .agent, .dir, .prompt, .command, .model, .worktree, .setup, .mode, .trust, .sandbox:
            var spec = r.spec
            if spec.dir.isEmpty { spec.dir = config.home }
            text = spec.fileText(file.specKey ?? .agent)
            mtime = r.started ?? r.lastEvent
        case .permission:
            text = r.permission?.text ?? ""
        case .permissionJSON:
            text = r.permission?.json ?? ""
        case .files:
            text = FilesRenderer.text(r)
        case .queue:
            text = PromptQueue.text(r.queue)
        case .screen, .screenANSI, .diff, .diffStat:
            text = ""
        case .events, .eventsJSONL, .log, .summary, .summaryJSON:
            text = ""
        }
        return Rendered(bytes: Array(text.utf8), mtime: mtime, version: version)
    }

    /// `status` or `status.json`. One `cat` asks for it several times (lookup and
    /// `fstat` for its size, open, read), and watchers ask often: until something it
    /// shows changes (an event, output, the branch, or a shown second ticking), the
    /// same bytes are served again rather than rendered again. A running session's
    /// `cpu` and `memory` are measured here, after its mutex is let go (the meter
    /// may scan /proc, and takes its own lock).
    func renderStatus(_ name: String, json: Bool) -> Rendered? {
        let file: SessionFile = json ? .statusJSON : .status
        let now = Timestamp.now()
        guard let s = registry.get(name) else { return nil }
        let found = s.with { inside -> CacheLookup in
            let key = StatusKey(version: inside.machine.record.version, output: inside.machine.live.output?.milliseconds,
                                branch: inside.handles.git?.status?.branch, changed: inside.handles.git?.status?.changes.count)
            if let hit = inside.handles.statusCache[file], hit.key == key, hit.until.map({ now < $0 }) ?? true {
                return .hit(hit.rendered)
            }
            let r = inside.machine.record
            return .stale(key, r, context(inside, now: now), r.state.isLive ? inside.handles.scope(r) : nil,
                          r.state.isLive ? inside.handles.cgroup : nil, inside.handles.panePid)
        }
        let r: SessionRecord, key: StatusKey
        var ctx: RenderContext
        switch found {
        case .hit(let hit): return hit
        case .stale(let k, let record, let context, let scope, let cgroup, let leader):
            (key, r, ctx) = (k, record, context)
            measure(&ctx, scope: scope, cgroup: cgroup, leader: leader)
        }
        let text = json ? StatusRenderer.json(r, ctx) : StatusRenderer.text(r, ctx)
        let until = StatusRenderer.unchangedUntil(r, ctx)
        let rendered = Rendered(bytes: Array(text.utf8), mtime: StatusRenderer.activity(r, ctx), version: r.version, until: until)
        let cached = CachedStatus(key: key, until: until, rendered: rendered)
        s.with { $0.handles.statusCache[file] = cached }
        return rendered
    }

    /// What a running session's processes use: from its cgroup where it has one
    /// (every process it ever held), else from /proc (its process tree). Called
    /// with no session's mutex held.
    func measure(_ ctx: inout RenderContext, scope: ProcessTree.Scope?, cgroup: SessionCgroup?, leader: pid_t?) {
        if let cgroup, let (reading, counters) = parts.meter.reading(cgroup, leader: leader) {
            (ctx.cpu, ctx.memory) = (reading.cpu, reading.memory)
            ctx.usage = ResourceUsage(cpuSeconds: Double(counters.cpuNS) / 1e9, memoryPeak: counters.memoryPeak, oom: counters.oom,
                                      pidsRefused: counters.pidsRefused)
            ctx.pids = counters.pids
            ctx.cgroup = cgroup.shown
        } else if let scope, let reading = parts.meter.reading(scope) {
            (ctx.cpu, ctx.memory) = (reading.cpu, reading.memory)
        }
    }

    /// The root `status` table: this host's sessions, then other hosts' (`fleet`),
    /// host by host, as last asked for.
    func renderRootStatus(fleet: [HostSessions] = []) -> Rendered {
        let now = Timestamp.now()
        let all = registry.all()
        var rows = all.map { s in
            s.with { inside in
                let r = inside.machine.record
                return (r, context(inside, now: now), r.state.isLive ? inside.handles.scope(r) : nil,
                        r.state.isLive ? inside.handles.cgroup : nil, inside.handles.panePid)
            }
        }
        for i in rows.indices { measure(&rows[i].1, scope: rows[i].2, cgroup: rows[i].3, leader: rows[i].4) }
        let mtime = rows.map { StatusRenderer.activity($0.0, $0.1) }.max() ?? now
        var table = rows.map { RootStatusRenderer.row($0.0, $0.1) }
        for host in fleet {
            switch host {
            case .sessions(_, let objects): table += objects.compactMap { RootStatusRenderer.row(json: $0) }
            case .down(let name, let reason): table.append(RootStatusRenderer.downRow(host: name, reason: reason))
            }
        }
        return Rendered(bytes: Array(RootStatusRenderer.text(rows: table).utf8), mtime: mtime, version: 0)
    }

    /// The root `status.json`: every session's `status.json`, each served from its cache,
    /// then other hosts' (`fleet`). A read of it (`reading`; not a `stat`, as `ls -l`
    /// makes) keeps their `branch` and `changed` current (see `GitView.readForStatus`).
    func renderRootStatusJSON(reading: Bool, fleet: [HostSessions] = []) -> Rendered {
        let live = registry.all()
        if reading { for s in live { gitView.readForStatus(s) } }
        let each = live.compactMap { renderStatus($0.name, json: true) }
        var objects = each.map(\.bytes)
        for host in fleet {
            switch host {
            case .sessions(_, let theirs): objects += theirs
            case .down(let name, let reason): objects.append(RootStatusRenderer.downObject(host: name, reason: reason))
            }
        }
        return Rendered(bytes: RootStatusRenderer.json(objects), mtime: each.map(\.mtime).max() ?? Timestamp.now(), version: 0)
    }

    /// The root `control` usage and its last error.
    func renderRootControl() -> Rendered {
        let e = registry.rootError
        return Rendered(bytes: Array(ControlUsage.text(usage: ControlUsage.root, lastError: e).utf8),
                        mtime: e?.time ?? Timestamp(milliseconds: 0), version: 0)
    }

    /// Where a log-like file of a session lives on disk.
    func diskPath(_ name: String, _ file: SessionFile) -> String? {
        switch file {
        case .events: return store.eventsTextPath(name)
        case .eventsJSONL: return store.eventsJSONLPath(name)
        case .log: return store.logPath(name)
        case .screen: return store.screenPath(name)
        case .screenANSI: return store.screenPath(name) + ".ansi"
        case .summary: return store.sessionDir(name) + "/summary"
        case .summaryJSON: return store.sessionDir(name) + "/summary.json"
        default: return nil
        }
    }

    /// Whether a session file is writable now (spec files only while `new`).
    func isWritable(_ name: String, _ file: SessionFile) -> Bool {
        if file == .control { return true }
        guard file.specKey != nil, let (r, _) = snapshot(name) else { return false }
        return r.state == .new
    }

    /// The visible rows of a live session's terminal, or its saved final screen.
    /// Runs tmux: call it off the FUSE workers.
    func screen(_ name: String, colours: Bool = false) -> [UInt8] {
        guard let (r, _) = snapshot(name) else { return [] }
        if r.state.isLive, let text = parts.tmux.capture(name, colours: colours) { return Array(text.utf8) }
        // An ended session's screen as kept; one kept by an older hivefs has no colours.
        if colours, let kept = Sys.readFile(store.screenPath(name) + ".ansi") { return kept }
        return Sys.readFile(store.screenPath(name)) ?? []
    }

    /// A file of a history entry, on disk, if it exists.
    func historyPath(_ entry: String, _ file: SessionFile) -> String? {
        guard !entry.contains("/"), entry != ".", entry != ".." else { return nil }
        let path = store.historyEntryDir(entry) + "/" + file.rawValue
        return Sys.stat(path) != nil ? path : nil
    }
}
