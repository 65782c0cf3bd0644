import HiveCore

/// The table of every file hivefs shows (man page hivefs(5), DESIGN.md §1): the
/// root's own, a session's, and a history entry's. A new file is a new row here.
extension HiveTree {
    /// The root's files, besides `history/` and the sessions.
    static let rootFiles: [FileRow] = [
        FileRow("control", { t, _ in .rendered { _ in t.hive.views.renderRootControl().content } },
                mode: .readWrite, write: .rootControl),
        FileRow("events", { t, _ in .disk(t.hive.store.rootEventsPath) }),
        // Other hosts' sessions are asked for at open (one round trip, all hosts at once).
        FileRow("status", { t, _ in t.fleet({ _, f in t.hive.views.renderRootStatus(fleet: f).content }) }),
        // Read, it refreshes every session's git facts; a `stat` (`ls -l`) does not.
        FileRow("status.json", { t, _ in t.fleet({ p, f in t.hive.views.renderRootStatusJSON(reading: p == .read, fleet: f).content }) }),
    ]

    /// A session's files, in listing order.
    static let sessionFiles: [FileRow] = [
        FileRow(.agent, rendered(.agent), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.command, rendered(.command), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.control, rendered(.control), mode: .readWrite, poll: .record, write: .control),
        // git diff of the session's changes, asked for again at each open.
        FileRow(.diff, diff(stat: false)),
        FileRow(.diffStat, diff(stat: true)),
        FileRow(.dir, rendered(.dir), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.events, onDisk(.events)),
        FileRow(.eventsJSONL, onDisk(.eventsJSONL)),
        FileRow(.files, rendered(.files), cache: .content, poll: .record),
        FileRow(.git, git(.git), cache: .content, poll: .git),
        FileRow(.gitJSON, git(.gitJSON), cache: .content, poll: .git),
        FileRow(.log, onDisk(.log)),
        FileRow(.mode, rendered(.mode), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.model, rendered(.model), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.permission, rendered(.permission), cache: .content, poll: .record),
        FileRow(.permissionJSON, rendered(.permissionJSON), cache: .content, poll: .record),
        FileRow(.prompt, rendered(.prompt), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        // Every write appends prompts; it changes by announced changes, but is written too: names only.
        FileRow(.queue, rendered(.queue), mode: .readWrite, poll: .record, write: .queue),
        FileRow(.sandbox, rendered(.sandbox), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.screen, screen(colours: false)),
        FileRow(.screenANSI, screen(colours: true)),
        FileRow(.setup, rendered(.setup), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.state, rendered(.state), cache: .content, poll: .state),
        // Kept until a second it shows ticks (`Rendered.until`), then checked again.
        FileRow(.status, rendered(.status), cache: .content, poll: .record),
        FileRow(.statusJSON, rendered(.statusJSON), cache: .content, poll: .record),
        // They come when a run ends and go when it starts again: their names are not kept.
        FileRow(.summary, onDisk(.summary), cache: .content(keepsName: false), listed: .whenOnDisk),
        FileRow(.summaryJSON, onDisk(.summaryJSON), cache: .content(keepsName: false), listed: .whenOnDisk),
        FileRow(.trust, rendered(.trust), mode: .whileNew, cache: .content, poll: .record, write: .spec),
        FileRow(.worktree, rendered(.worktree), mode: .whileNew, cache: .content, poll: .record, write: .spec),
    ]

    /// A history entry's files: a session's as they read at removal, each listed
    /// and found only if the entry has it. They never change: kept until pruned.
    static let historyFiles: [FileRow] = SessionFile.frozen.map { f in
        FileRow(f.rawValue, { t, entry in t.hive.views.historyPath(entry, f).map { .disk($0) } }, cache: .content, listed: .whenOnDisk)
    }

    // MARK: sources

    /// A root file that shows other hosts' sessions too: refreshed from them before
    /// an open (within the fleet's bound), rendered alone when there are none.
    func fleet(_ render: @escaping @Sendable (RenderPurpose, [HostSessions]) -> FileContent?) -> FileSource {
        guard let fleet else { return .rendered { p in render(p, []) } }
        return .refreshed({ p in render(p, fleet.sessions()) }, refresh: { done in fleet.refreshSessions(done) })
    }

    /// Rendered by `Hive.render` from the session's record.
    static func rendered(_ f: SessionFile) -> FileRow.Source {
        { t, s in .rendered { _ in t.hive.views.render(s, f)?.content } }
    }

    /// On disk in the session's folder (`Hive.diskPath`).
    static func onDisk(_ f: SessionFile) -> FileRow.Source {
        { t, s in t.hive.views.diskPath(s, f).map { .disk($0) } }
    }

    /// Rendered from git's last answer (`GitView.render`), which a read refreshes
    /// when stale (`Hive.readGit`), never on a thread that serves requests.
    static func git(_ f: SessionFile) -> FileRow.Source {
        { t, s in .refreshed({ _ in t.hive.views.render(s, f)?.content }, refresh: { done in t.hive.views.readGit(s, done: done) }) }
    }

    /// The session's changes (`SessionDiff`): slow, so never on a thread that serves requests.
    static func diff(stat: Bool) -> FileRow.Source {
        { t, s in .slow { _ in t.hive.views.diff(s, stat: stat) } }
    }

    /// The terminal (`Hive.screen`), with its colours' escape sequences or without:
    /// captured from tmux while the session is live, which is slow; else the final
    /// screen saved on disk. Its time is the session's end.
    static func screen(colours: Bool) -> FileRow.Source {
        { t, s in
            let render: Render = { _ in
                FileContent(bytes: t.hive.views.screen(s, colours: colours), mtime: t.hive.snapshot(s)?.0.ended ?? t.mountTime)
            }
            return t.hive.snapshot(s)?.0.state.isLive == true ? .slow(render) : .rendered(render)
        }
    }
}

extension Rendered {
    /// The same content, as a table serves it.
    var content: FileContent { FileContent(bytes: bytes, mtime: mtime, version: version, expires: until) }
}
