import Foundation
import HiveCore
import SystemPackage

/// Git's facts about each session's work tree: the `git` file, and the commits
/// told as events (worktrees are `Worktrees`').
///
/// Decisions, stated once:
/// - git runs on `gitQueue` or a session's queues, never on a FUSE worker.
/// - `git` is served from the facts git last gave, at once. A read asks for a
///   refresh, in the background, when they are older than `gitFreshMS` or something
///   changed; only the very first read, before git has ever answered, waits for it,
///   and at most `gitWaitMS`. A read never waits for `git status` on a large
///   repository.
/// - Changes (file-writing tools, Bash, a shell agent's output, HEAD or the index
///   moving) only mark the facts stale, and refresh them at once while someone has
///   read `git` in the last `gitReaderMS`: nobody reading costs no `git status`.
/// - Commits are noticed from inotify on HEAD and the index, with one `rev-parse`.
final class GitView: Sendable {
    let parts: Parts
    let git: Git
    let worktrees: Worktrees
    /// Where git runs for the `git` files, off the FUSE workers and the session queues.
    let gitQueue = DispatchQueue(label: "hivefs.git", attributes: .concurrent)
    private var config: HiveConfig { parts.config }
    private var watcher: Watcher { parts.watcher }

    init(_ parts: Parts, git: Git, worktrees: Worktrees) {
        self.parts = parts
        self.git = git
        self.worktrees = worktrees
    }

    /// At `rmdir`: the history entry's `git` shows the work tree as it was left; the
    /// worktree goes only if it holds no change (`Worktrees.retire`).
    func retire(_ s: LiveSession) {
        let r = s.record
        unwatch(s)
        let last = git.facts(folder(r), repo: r.repo, worktree: r.worktree, base: r.base, now: { .now() })
        s.with { $0.handles.git = last }
        if let e = worktrees.retire(r) { parts.machines.step(s, .record(e, durable: true)) }
    }

    // MARK: the git file

    /// The folder whose git state a session shows: where its agent runs, else its dir.
    func folder(_ r: SessionRecord) -> String {
        r.workdir ?? (r.spec.dir.isEmpty ? config.home : r.spec.dir)
    }

    /// `git` or `git.json` as the facts stand; never runs git.
    func render(_ s: LiveSession, json: Bool) -> Rendered {
        let (facts, r, changes) = s.with { ($0.handles.git, $0.machine.record, $0.handles.gitChanges) }
        var f = facts ?? GitFacts()
        if facts == nil {
            f.repo = r.repo; f.worktree = r.worktree ?? r.repo
            f.error = "git has not answered yet; read again"
        }
        let text = json ? GitRenderer.json(f) : GitRenderer.text(f)
        return Rendered(bytes: Array(text.utf8), mtime: f.updated ?? r.created, version: r.version &+ changes)
    }

    /// The change counter `poll()` on `git` compares: the record's and the facts'.
    func version(_ s: LiveSession) -> UInt64 {
        s.with { $0.machine.record.version &+ $0.handles.gitChanges }
    }

    /// A read of `git`: counts the reader and, when the facts are stale, refreshes them
    /// in the background. `done` is called at once, unless git has never answered for
    /// this session: then when it does, or after `gitWaitMS`, whichever is first.
    func read(_ s: LiveSession, done: @escaping @Sendable () -> Void) {
        let (known, fresh) = s.with { inside in
            inside.handles.gitReadMS = Sys.monotonicMS()
            let age = inside.handles.git?.updated.map { Timestamp.now().milliseconds - $0.milliseconds } ?? Int64.max
            return (inside.handles.git != nil, !inside.handles.gitDirty && age < Int64(config.gitFreshMS))
        }
        if fresh { return done() }
        if known {
            refresh(s)
            return done()
        }
        let once = Once(done)
        s.with { $0.handles.gitWaiters.append { once.run() } }
        refresh(s)
        gitQueue.asyncAfter(deadline: .now() + .milliseconds(config.gitWaitMS)) { once.run() }
    }

    /// A read of the root `status.json`, whose `branch` and `changed` come from git's
    /// facts: it counts as a reader of each session's `git`, but asks git only for
    /// facts never known, marked stale by a change, or older than `gitStatusFreshMS`
    /// (what no report marked: a file edited by hand). A dashboard re-reading every
    /// second thus costs a `git status` per change, and one per session a minute.
    func readForStatus(_ s: LiveSession) {
        let needed = s.with { inside in
            inside.handles.gitReadMS = Sys.monotonicMS()
            let age = inside.handles.git?.updated.map { Timestamp.now().milliseconds - $0.milliseconds } ?? Int64.max
            return inside.handles.git == nil || inside.handles.gitDirty || age >= config.gitStatusFreshMS
        }
        if needed { refresh(s) }
    }

    /// Something may have changed the work tree: the facts are stale, and are asked
    /// for again now if someone reads them.
    func changed(_ s: LiveSession) {
        let reading = s.with { inside in
            inside.handles.gitDirty = true
            return Sys.monotonicMS() - inside.handles.gitReadMS < config.gitReaderMS
        }
        if reading { refresh(s) }
    }

    /// Asks git for the facts; one refresh at a time per session, and one more after
    /// it if something changed meanwhile.
    func refresh(_ s: LiveSession) {
        let r = s.with { inside -> SessionRecord? in
            if inside.handles.gitRefreshing { inside.handles.gitDirty = true; return nil }
            inside.handles.gitRefreshing = true
            inside.handles.gitDirty = false
            return inside.machine.record
        }
        guard let r else { return }
        gitQueue.async { [self] in
            let folder = folder(r)
            // A sandboxed session whose folder was no repository when it started may have
            // made one, with a config of its own: hivefs's git, outside the sandbox, does not read it.
            let facts = r.spec.sandboxed && r.repo == nil && r.worktree == nil
                ? GitFacts.notARepository(folder, at: .now())
                : git.facts(folder, repo: r.repo, worktree: r.worktree, base: r.base, now: { .now() })
            if let oid = facts.status?.oid { s.ingest.async { [self] in noteHead(s, oid) } }
            let (again, waiters) = s.with { inside in
                var was = inside.handles.git, now = facts
                was?.updated = nil
                now.updated = nil
                if was != now { inside.handles.gitChanges &+= 1 }
                inside.handles.git = facts
                inside.handles.gitRefreshing = false
                defer { inside.handles.gitWaiters = [] }
                return (inside.handles.gitDirty && Sys.monotonicMS() - inside.handles.gitReadMS < config.gitReaderMS,
                        inside.handles.gitWaiters)
            }
            // Told first, so that what a mount keeps of `git` is dropped before the
            // reads waiting for these facts go on.
            parts.machines.changed(r.name)
            for w in waiters { w() }
            if again { refresh(s) }
        }
    }

    /// Watches the work tree's HEAD and index, and HEAD's reflog (a commit moves the
    /// branch in the shared refs, and then appends there), so commits are seen
    /// without a reader.
    func watch(_ s: LiveSession) {
        let (has, r) = s.with { (!$0.handles.gitWatches.isEmpty, $0.machine.record) }
        guard !has, r.repo != nil, let dir = git.gitDir(folder(r)) else { return }
        let moved: @Sendable () -> Void = { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.checkHead(s) }
            self.changed(s)
        }
        try? Sys.makeDirectories(dir + "/logs")
        let wds = [watcher.watchNames(in: dir, ["HEAD", "index", "ORIG_HEAD"], moved),
                   watcher.watchNames(in: dir + "/logs", ["HEAD"], moved)].compactMap { $0 }
        s.with { $0.handles.gitWatches = wds }
        s.ingest.async { [self] in checkHead(s) }
    }

    func unwatch(_ s: LiveSession) {
        let wds = s.with { inside in
            defer { inside.handles.gitWatches = [] }
            return inside.handles.gitWatches
        }
        for wd in wds { watcher.unwatchWrites(wd) }
    }

    /// One `rev-parse` on the session's ingest queue: did HEAD move?
    private func checkHead(_ s: LiveSession) {
        let r = s.record
        guard r.repo != nil, let oid = git.head(folder(r)) else { return }
        noteHead(s, oid)
    }

    /// Records HEAD's move: a `git.commit` event per new commit, or `git.head` when it
    /// moved otherwise. Runs on the session's ingest queue, so moves are told once.
    private func noteHead(_ s: LiveSession, _ oid: String) {
        let r = s.record
        guard let last = r.head, last != oid, r.repo != nil else { return }
        let folder = folder(r)
        if let commits = git.commits(folder, from: last, to: oid), !commits.isEmpty {
            for (i, (hash, subject)) in commits.enumerated() {
                var e = Event(session: r.name, kind: EventKind.gitCommit, detail: hash + " " + subject)
                if i == commits.count - 1 { e.head = oid }
                parts.machines.step(s, .record(e, durable: true))
            }
        } else {
            var e = Event(session: r.name, kind: EventKind.gitHead,
                          detail: "moved to \(oid.prefix(7)) \(git.subject(folder, oid) ?? "")")
            e.head = oid
            parts.machines.step(s, .record(e, durable: true))
        }
    }
}

/// Calls a closure once, whoever asks first.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var body: (@Sendable () -> Void)?

    init(_ body: @escaping @Sendable () -> Void) { self.body = body }

    func run() {
        lock.lock(); let b = body; body = nil; lock.unlock()
        b?()
    }
}
