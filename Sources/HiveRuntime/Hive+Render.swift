import Foundation
import HiveCore

/// A file's content as a read sees it, and its modification time.
public struct Rendered: Sendable {
    public var bytes: [UInt8]
    public var mtime: Timestamp
    /// The session's change counter when rendered, for `poll()`.
    public var version: UInt64
    /// When it changes with the clock, unannounced (`status` while a second it shows ticks).
    public var until: Timestamp? = nil
}

/// What a session's `status` shows besides its record (whose version changes with
/// every event and token count) and the clock: the terminal's last output and git's
/// branch.
struct StatusKey: Equatable {
    var version: UInt64
    var output: Int64?
    var branch: String?
    var changed: Int?
}

/// A cached `status` still good, or what to render it again from.
enum CacheLookup {
    case hit(Rendered)
    case stale(StatusKey, SessionRecord, RenderContext)
}

/// A rendered `status`, served again while its key holds and before `until`, the
/// next tick of a count of seconds it shows.
struct CachedStatus {
    var key: StatusKey
    var until: Timestamp?
    var rendered: Rendered
}

extension Hive {
    /// Renders a session file that is not a log; nil if the session is gone.
    public func render(_ name: String, _ file: SessionFile) -> Rendered? {
        if file == .git || file == .gitJSON { return renderGit(name, json: file == .gitJSON) }
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
        case .agent, .dir, .prompt, .command, .model, .worktree, .setup, .mode, .trust:
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
        case .screen:
            text = ""
        case .events, .eventsJSONL, .log, .summary, .summaryJSON:
            text = ""
        }
        return Rendered(bytes: Array(text.utf8), mtime: mtime, version: version)
    }

    /// `status` or `status.json`. One `cat` asks for it several times (lookup and
    /// `fstat` for its size, open, read), and watchers ask often: until something it
    /// shows changes (an event, output, the branch, or a shown second ticking), the
    /// same bytes are served again rather than rendered again.
    func renderStatus(_ name: String, json: Bool) -> Rendered? {
        let file: SessionFile = json ? .statusJSON : .status
        let now = Timestamp.now()
        guard let s = live(name) else { return nil }
        let found = s.with { inside -> CacheLookup in
            let key = StatusKey(version: inside.machine.record.version, output: inside.machine.live.output?.milliseconds,
                                branch: inside.handles.git?.status?.branch, changed: inside.handles.git?.status?.changes.count)
            if let hit = inside.handles.statusCache[file], hit.key == key, hit.until.map({ now < $0 }) ?? true {
                return .hit(hit.rendered)
            }
            return .stale(key, inside.machine.record, context(inside, now: now))
        }
        let r: SessionRecord, ctx: RenderContext, key: StatusKey
        switch found {
        case .hit(let hit): return hit
        case .stale(let k, let record, let context): (key, r, ctx) = (k, record, context)
        }
        let text = json ? StatusRenderer.json(r, ctx) : StatusRenderer.text(r, ctx)
        let until = StatusRenderer.unchangedUntil(r, ctx)
        let rendered = Rendered(bytes: Array(text.utf8), mtime: StatusRenderer.activity(r, ctx), version: r.version, until: until)
        let cached = CachedStatus(key: key, until: until, rendered: rendered)
        s.with { $0.handles.statusCache[file] = cached }
        return rendered
    }

    /// The root `status` table.
    public func renderRootStatus() -> Rendered {
        let now = Timestamp.now()
        lock.lock(); let all = sessions.sorted { $0.key < $1.key }.map(\.value); lock.unlock()
        let rows = all.map { s in s.with { ($0.machine.record, context($0, now: now)) } }
        let mtime = rows.map { StatusRenderer.activity($0.0, $0.1) }.max() ?? now
        return Rendered(bytes: Array(RootStatusRenderer.text(rows).utf8), mtime: mtime, version: 0)
    }

    /// The root `status.json`: every session's `status.json`, each served from its cache.
    /// A read of it (`reading`; not a `stat`, as `ls -l` makes) keeps their `branch` and
    /// `changed` current (see `readGitForStatus`).
    public func renderRootStatusJSON(reading: Bool) -> Rendered {
        lock.lock(); let live = sessions.sorted { $0.key < $1.key }.map(\.value); lock.unlock()
        if reading { for s in live { readGitForStatus(s) } }
        let each = live.compactMap { renderStatus($0.name, json: true) }
        return Rendered(bytes: RootStatusRenderer.json(each.map(\.bytes)), mtime: each.map(\.mtime).max() ?? Timestamp.now(), version: 0)
    }

    /// The root `control` usage and its last error.
    public func renderRootControl() -> Rendered {
        lock.lock(); let e = rootError; lock.unlock()
        return Rendered(bytes: Array(ControlUsage.text(usage: ControlUsage.root, lastError: e).utf8),
                        mtime: e?.time ?? Timestamp(milliseconds: 0), version: 0)
    }

    /// Where a log-like file of a session lives on disk.
    public func diskPath(_ name: String, _ file: SessionFile) -> String? {
        switch file {
        case .events: return store.eventsTextPath(name)
        case .eventsJSONL: return store.eventsJSONLPath(name)
        case .log: return store.logPath(name)
        case .screen: return store.screenPath(name)
        case .summary: return store.sessionDir(name) + "/summary"
        case .summaryJSON: return store.sessionDir(name) + "/summary.json"
        default: return nil
        }
    }

    /// Whether a session file is writable now (spec files only while `new`).
    public func isWritable(_ name: String, _ file: SessionFile) -> Bool {
        if file == .control { return true }
        guard file.specKey != nil, let (r, _) = snapshot(name) else { return false }
        return r.state == .new
    }

    /// The visible rows of a live session's terminal, or its saved final screen.
    /// Runs tmux: call it off the FUSE workers.
    public func screen(_ name: String) -> [UInt8] {
        guard let (r, _) = snapshot(name) else { return [] }
        if r.state.isLive, let text = tmux.capture(name) { return Array(text.utf8) }
        return Sys.readFile(store.screenPath(name)) ?? []
    }

    /// A file of a history entry, on disk, if it exists.
    public func historyPath(_ entry: String, _ file: SessionFile) -> String? {
        guard !entry.contains("/"), entry != ".", entry != ".." else { return nil }
        let path = store.historyEntryDir(entry) + "/" + file.rawValue
        return Sys.stat(path) != nil ? path : nil
    }
}
