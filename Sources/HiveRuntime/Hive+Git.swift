import Foundation
import HiveCore
import SystemPackage

/// Git: a worktree per session where asked, and the `git` file.
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
extension Hive {
    // MARK: worktrees

    /// Where a session's agent runs: its worktree (made now, the first time: `made`)
    /// or its `dir`. A reason when it cannot: the session then fails with it.
    func workplace(_ s: LiveSession, spec: SessionSpec, dir: String) -> Result<(dir: String, made: Bool), HiveError> {
        guard spec.wantsWorktree else { return .success((dir, false)) }
        let (existing, known) = s.with { ($0.machine.record.worktree, $0.machine.record.workdir) }
        if let existing, Sys.stat(existing) != nil { return .success((known ?? existing, false)) }
        let name = s.name
        let what = "worktree=\(spec.worktree)"
        let top: String
        switch git.place(dir) {
        case .bare: return .failure(.invalid("\(what): \(dir) is a bare repository; a worktree needs one with a work tree"))
        case .notARepository(let why):
            let said = why.contains("not a git repository") ? "" : " (\(why))"
            return .failure(.invalid("\(what): \(dir) is not in a git repository\(said)"))
        case .workTree(let t): top = t
        }
        guard let base = git.head(top) else {
            return .failure(.invalid("\(what): \(top) has no commit yet to branch from"))
        }
        guard let branch = spec.worktreeBranch(session: name) else { return .success((dir, false)) }
        if let why = git.refusesBranch(top, branch) { return .failure(.invalid("\(what): \(why)")) }
        if git.branchExists(top, branch) {
            return .failure(.exists("\(what): branch \(branch) exists in \(top); hivefs never reuses one (name another with worktree=BRANCH)"))
        }
        let path = config.worktreesDir + "/" + (top.split(separator: "/").last.map(String.init) ?? "repo") + "/" + name
        if Sys.stat(path) != nil { return .failure(.exists("\(what): \(path) exists; hivefs never writes over it")) }
        do { try Sys.makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])) } catch {
            return .failure(error.hive("\(what): cannot create the folder for \(path)"))
        }
        if let why = git.addWorktree(top, path: path, branch: branch, base: base) {
            return .failure(.io("\(what): git worktree add failed: \(why)"))
        }
        let copied: Int
        switch copyIncluded(top: top, into: path) {
        case .success(let n): copied = n
        case .failure(let why):
            // Nothing of anyone's is in it yet: undo it whole rather than leave half of it.
            git.run(top, ["worktree", "remove", "--force", "--", path])
            git.run(top, ["branch", "-D", "--", branch])
            return .failure(why)
        }
        let inner = Hive.relative(dir, under: top)
        let workdir = inner.isEmpty ? path : path + "/" + inner
        // A folder git does not track (empty, or all ignored) is not in the worktree: make it.
        try? Sys.makeDirectories(workdir, mode: 0o755)
        var detail = "\(branch) at \(path) from \(base.prefix(7)) \(git.subject(top, base) ?? "")"
        if copied > 0 { detail += "; \(copied) file\(copied == 1 ? "" : "s") copied from .hiveinclude" }
        var e = Event(session: name, kind: GitEventKind.worktree, detail: detail)
        e.branch = branch; e.base = base; e.worktree = path; e.repo = top; e.workdir = workdir; e.head = base
        step(s, .record(e, durable: true))
        return .success((workdir, true))
    }

    /// The base commit and repository of a session without a worktree whose dir is in one,
    /// so `git` can show what changed since it started.
    func repositoryFacts(_ dir: String) -> (repo: String, head: String)? {
        guard case .workTree(let top) = git.place(dir), let head = git.head(top) else { return nil }
        return (top, head)
    }

    /// Copies the untracked files `.hiveinclude` names (gitignore syntax) from the main
    /// checkout into the new worktree; the number copied, or why it could not.
    private func copyIncluded(top: String, into path: String) -> Result<Int, HiveError> {
        let list = top + "/.hiveinclude"
        guard Sys.stat(list) != nil else { return .success(0) }
        guard let files = git.matching(top, patterns: list) else {
            return .failure(.invalid(".hiveinclude: git could not read it as gitignore patterns"))
        }
        for f in files {
            let src = top + "/" + f, dst = path + "/" + f
            guard let st = Sys.stat(src) else { continue }
            do throws(Errno) {
                if let slash = dst.lastIndex(of: "/") { try Sys.makeDirectories(String(dst[..<slash]), mode: 0o755) }
                guard Sys.stat(dst) == nil else { continue }  // never over a file of the branch's
                guard let bytes = Sys.readFile(src, limit: Int.max, followLinks: true) else { throw Errno(rawValue: errno) }
                try Sys.writeFileAtomically(dst, bytes, mode: st.st_mode & 0o7777)
            } catch {
                return .failure(error.hive(".hiveinclude: cannot copy \(f)"))
            }
        }
        return .success(files.count)
    }

    /// `dir` relative to `top` (both resolved), or "" when it is `top` or outside it.
    static func relative(_ dir: String, under top: String) -> String {
        func real(_ p: String) -> String {
            guard let r = realpath(p, nil) else { return p }
            defer { free(r) }
            return String(cString: r)
        }
        let d = real(dir), t = real(top)
        return d.hasPrefix(t + "/") ? String(d.dropFirst(t.count + 1)) : ""
    }

    /// At `rmdir`: the worktree goes only if it holds no change (never forced); the
    /// branch always stays. Either way an event says what happened and where.
    func retireWorktree(_ s: LiveSession) {
        let r = s.record
        let wt = r.worktree, repo = r.repo, branch = r.branch
        unwatchGit(s)
        // The history entry's `git` shows the work tree as it was left.
        let last = git.facts(gitFolder(r), repo: repo, worktree: wt, base: r.base, now: { .now() })
        s.with { $0.handles.git = last }
        guard let wt, let repo, Sys.stat(wt) != nil else { return }
        let name = s.name
        let pending = git.pendingChanges(wt)
        if pending == 0 {
            if let why = git.removeWorktree(repo, path: wt) {
                step(s, .record(Event(session: name, kind: GitEventKind.worktreeKept,
                              detail: "kept at \(wt): git would not remove it: \(why)"), durable: true))
            } else {
                var e = Event(session: name, kind: GitEventKind.worktreeRemoved,
                              detail: "\(wt) removed; branch \(branch ?? "-") stays")
                e.branch = branch
                step(s, .record(e, durable: true))
            }
        } else {
            let what = pending.map { "\($0) uncommitted or untracked change\($0 == 1 ? "" : "s")" } ?? "git could not tell its changes"
            step(s, .record(Event(session: name, kind: GitEventKind.worktreeKept,
                          detail: "kept at \(wt): \(what); branch \(branch ?? "-")"), durable: true))
        }
    }

    // MARK: the git file

    /// The folder whose git state a session shows: where its agent runs, else its dir.
    func gitFolder(_ r: SessionRecord) -> String {
        r.workdir ?? (r.spec.dir.isEmpty ? config.home : r.spec.dir)
    }

    /// `git` or `git.json` as the facts stand; never runs git.
    public func renderGit(_ name: String, json: Bool) -> Rendered? {
        guard let s = live(name) else { return nil }
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
    public func gitVersion(_ name: String) -> UInt64? {
        guard let s = live(name) else { return nil }
        return s.with { $0.machine.record.version &+ $0.handles.gitChanges }
    }

    /// A read of `git`: counts the reader and, when the facts are stale, refreshes them
    /// in the background. `done` is called at once, unless git has never answered for
    /// this session: then when it does, or after `gitWaitMS`, whichever is first.
    public func readGit(_ name: String, done: @escaping @Sendable () -> Void) {
        guard let s = live(name) else { return done() }
        let (known, fresh) = s.with { inside in
            inside.handles.gitReadMS = Sys.monotonicMS()
            let age = inside.handles.git?.updated.map { Timestamp.now().milliseconds - $0.milliseconds } ?? Int64.max
            return (inside.handles.git != nil, !inside.handles.gitDirty && age < Int64(config.gitFreshMS))
        }
        if fresh { return done() }
        if known {
            refreshGit(s)
            return done()
        }
        let once = Once(done)
        s.with { $0.handles.gitWaiters.append { once.run() } }
        refreshGit(s)
        gitQueue.asyncAfter(deadline: .now() + .milliseconds(config.gitWaitMS)) { once.run() }
    }

    /// A read of the root `status.json`, whose `branch` and `changed` come from git's
    /// facts: it counts as a reader of each session's `git`, but asks git only for
    /// facts never known, marked stale by a change, or older than `gitStatusFreshMS`
    /// (what no report marked: a file edited by hand). A dashboard re-reading every
    /// second thus costs a `git status` per change, and one per session a minute.
    func readGitForStatus(_ s: LiveSession) {
        let needed = s.with { inside in
            inside.handles.gitReadMS = Sys.monotonicMS()
            let age = inside.handles.git?.updated.map { Timestamp.now().milliseconds - $0.milliseconds } ?? Int64.max
            return inside.handles.git == nil || inside.handles.gitDirty || age >= config.gitStatusFreshMS
        }
        if needed { refreshGit(s) }
    }

    /// Something may have changed the work tree: the facts are stale, and are asked
    /// for again now if someone reads them.
    func gitChanged(_ s: LiveSession) {
        let reading = s.with { inside in
            inside.handles.gitDirty = true
            return Sys.monotonicMS() - inside.handles.gitReadMS < config.gitReaderMS
        }
        if reading { refreshGit(s) }
    }

    /// Asks git for the facts; one refresh at a time per session, and one more after
    /// it if something changed meanwhile.
    func refreshGit(_ s: LiveSession) {
        let r = s.with { inside -> SessionRecord? in
            if inside.handles.gitRefreshing { inside.handles.gitDirty = true; return nil }
            inside.handles.gitRefreshing = true
            inside.handles.gitDirty = false
            return inside.machine.record
        }
        guard let r else { return }
        gitQueue.async { [self] in
            let folder = gitFolder(r)
            let facts = git.facts(folder, repo: r.repo, worktree: r.worktree, base: r.base, now: { .now() })
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
            onChange?(r.name)
            for w in waiters { w() }
            if again { refreshGit(s) }
        }
    }

    /// Watches the work tree's HEAD and index, and HEAD's reflog (a commit moves the
    /// branch in the shared refs, and then appends there), so commits are seen
    /// without a reader.
    func watchGit(_ s: LiveSession) {
        let (has, r) = s.with { (!$0.handles.gitWatches.isEmpty, $0.machine.record) }
        guard !has, r.repo != nil, let dir = git.gitDir(gitFolder(r)) else { return }
        let changed: @Sendable () -> Void = { [weak self, weak s] in
            guard let self, let s else { return }
            s.ingest.async { self.checkHead(s) }
            self.gitChanged(s)
        }
        try? Sys.makeDirectories(dir + "/logs")
        let wds = [watcher.watchNames(in: dir, ["HEAD", "index", "ORIG_HEAD"], changed),
                   watcher.watchNames(in: dir + "/logs", ["HEAD"], changed)].compactMap { $0 }
        s.with { $0.handles.gitWatches = wds }
        s.ingest.async { [self] in checkHead(s) }
    }

    func unwatchGit(_ s: LiveSession) {
        let wds = s.with { inside in
            defer { inside.handles.gitWatches = [] }
            return inside.handles.gitWatches
        }
        for wd in wds { watcher.unwatchWrites(wd) }
    }

    /// One `rev-parse` on the session's ingest queue: did HEAD move?
    private func checkHead(_ s: LiveSession) {
        let r = s.record
        guard r.repo != nil, let oid = git.head(gitFolder(r)) else { return }
        noteHead(s, oid)
    }

    /// Records HEAD's move: a `git.commit` event per new commit, or `git.head` when it
    /// moved otherwise. Runs on the session's ingest queue, so moves are told once.
    private func noteHead(_ s: LiveSession, _ oid: String) {
        let r = s.record
        guard let last = r.head, last != oid, r.repo != nil else { return }
        let folder = gitFolder(r)
        if let commits = git.commits(folder, from: last, to: oid), !commits.isEmpty {
            for (i, (hash, subject)) in commits.enumerated() {
                var e = Event(session: r.name, kind: GitEventKind.commit, detail: hash + " " + subject)
                if i == commits.count - 1 { e.head = oid }
                step(s, .record(e, durable: true))
            }
        } else {
            var e = Event(session: r.name, kind: GitEventKind.head,
                          detail: "moved to \(oid.prefix(7)) \(git.subject(folder, oid) ?? "")")
            e.head = oid
            step(s, .record(e, durable: true))
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
