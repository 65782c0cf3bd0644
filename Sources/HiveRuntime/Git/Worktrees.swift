import Foundation
import HiveCore
import SystemPackage

/// A git worktree per session where asked (`worktree=yes` or a branch): made at its
/// first start from the repository's HEAD, on a new branch, under `folder/REPO/NAME`,
/// with the untracked files `.hiveinclude` names copied in; retired at `rmdir` only
/// when it holds no change. It decides nothing about sessions: it returns the
/// events to record.
struct Worktrees: Sendable {
    let git: Git
    /// Where worktrees are made (`worktrees` in the config).
    let folder: String

    /// Where a session's agent runs: its worktree (made now, the first time: `made`)
    /// or its `dir`. A reason when it cannot: the session then fails with it. A fork's
    /// worktree branches from its parent's HEAD (`base`), not the repository's.
    func workplace(_ r: SessionRecord, dir: String, base given: String? = nil) -> Result<(dir: String, made: Event?), HiveError> {
        let spec = r.spec
        guard spec.wantsWorktree else { return .success((dir, nil)) }
        if let existing = r.worktree, Sys.stat(existing) != nil { return .success((r.workdir ?? existing, nil)) }
        let name = r.name
        let what = "worktree=\(spec.worktree)"
        let top: String
        switch git.place(dir) {
        case .bare: return .failure(.invalid("\(what): \(dir) is a bare repository; a worktree needs one with a work tree"))
        case .notARepository(let why):
            let said = why.contains("not a git repository") ? "" : " (\(why))"
            return .failure(.invalid("\(what): \(dir) is not in a git repository\(said)"))
        case .workTree(let t): top = t
        }
        let baseBranch = git.branch(top)
        guard let base = given ?? git.head(top) else {
            return .failure(.invalid("\(what): \(top) has no commit yet to branch from"))
        }
        guard let branch = spec.worktreeBranch(session: name) else { return .success((dir, nil)) }
        if let why = git.refusesBranch(top, branch) { return .failure(.invalid("\(what): \(why)")) }
        if git.branchExists(top, branch) {
            return .failure(.exists("\(what): branch \(branch) exists in \(top); hivefs never reuses one (name another with worktree=BRANCH)"))
        }
        let path = folder + "/" + (top.split(separator: "/").last.map(String.init) ?? "repo") + "/" + name
        if Sys.stat(path) != nil { return .failure(.exists("\(what): \(path) exists; hivefs never writes over it")) }
        do { try Sys.makeDirectories(Sys.folder(of: path)) } catch {
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
            git.run(top, ["worktree", "remove", "--force", "--", path], as: .changing)
            git.run(top, ["branch", "-D", "--", branch], as: .changing)
            return .failure(why)
        }
        let inner = Worktrees.relative(dir, under: top)
        let workdir = inner.isEmpty ? path : path + "/" + inner
        // A folder git does not track (empty, or all ignored) is not in the worktree: make it.
        try? Sys.makeDirectories(workdir, mode: 0o755)
        var detail = "\(branch) at \(path) from \(base.prefix(7)) \(git.subject(top, base) ?? "")"
        if copied > 0 { detail += "; \(copied) file\(copied == 1 ? "" : "s") copied from .hiveinclude" }
        var e = Event(session: name, kind: EventKind.worktree, detail: detail)
        e.branch = branch; e.base = base; e.worktree = path; e.repo = top; e.workdir = workdir; e.head = base
        // Where `merge` goes by default: the branch the worktree was made from.
        e.baseBranch = baseBranch
        return .success((workdir, e))
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
    /// branch always stays. Either way the event says what happened and where.
    func retire(_ r: SessionRecord) -> Event? {
        guard let wt = r.worktree, let repo = r.repo, Sys.stat(wt) != nil else { return nil }
        let branch = r.branch
        let pending = git.pendingChanges(wt)
        guard pending == 0 else {
            let what = pending.map { "\($0) uncommitted or untracked change\($0 == 1 ? "" : "s")" } ?? "git could not tell its changes"
            return Event(session: r.name, kind: EventKind.worktreeKept, detail: "kept at \(wt): \(what); branch \(branch ?? "-")")
        }
        if let why = git.removeWorktree(repo, path: wt) {
            return Event(session: r.name, kind: EventKind.worktreeKept, detail: "kept at \(wt): git would not remove it: \(why)")
        }
        var e = Event(session: r.name, kind: EventKind.worktreeRemoved, detail: "\(wt) removed; branch \(branch ?? "-") stays")
        e.branch = branch
        return e
    }
}
