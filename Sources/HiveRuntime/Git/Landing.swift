import Foundation
import HiveCore

/// git's work behind `commit`, `merge`, `push` and `pr` (the decisions and words are
/// HiveCore/Git/Landing.swift's). Runs on the session's queue, as control writes do.
///
/// Decisions, stated once:
/// - Nothing here runs git with `--force`, `reset --hard` or `clean`, and nothing
///   changes before every check has passed: a refusal leaves every work tree, index
///   and branch as it was. Commands that change things are never killed (`Git.Limit`).
/// - `commit` is `git add -A` then `git commit -m`, as the user's own git identity (no
///   `-c user.*`); it first asks git whether it knows one. Should `git commit` still
///   fail, the changes stay staged and the files are untouched.
/// - `merge` works out the merge first with `git merge-tree --write-tree`, which touches
///   nothing, and makes the merge commit with `git commit-tree` (an object nothing points
///   to yet; the identity is checked first, as for `commit`). Only then does a branch
///   move, to that commit's hash (never to a branch name, which may have moved):
///   checked out in a work tree, by `git merge --ff-only --no-overwrite-ignore HASH`
///   there, which cannot conflict and refuses, changing nothing, if the branch moved
///   meanwhile or a file would be written over (untracked or ignored); checked out
///   nowhere, by `git update-ref NEW OLD`, which fails, changing nothing, if it moved.
/// - A branch checked out in another session's worktree is merged into only while that
///   agent is not writing (`busy`: EBUSY); one checked out in a worktree whose folder
///   is gone is EAGAIN (`git worktree prune` forgets it).
/// - `push` pushes `BRANCH:BRANCH`, never forced: a remote that refuses (not a
///   fast-forward) is EAGAIN with git's words.
/// - `pr` needs `gh` or `glab` on the daemon's PATH, logged in (`auth status`): else
///   ENOTSUP. It pushes first, then asks the CLI for the pull (merge) request.
struct Landing: Sendable {
    let git: Git
    /// Why git may not change the work tree at this path now (a session's agent is
    /// writing there), or nil.
    var busy: @Sendable (String) -> String? = { _ in nil }

    /// Carries out a request; the outcome to record, or why it was refused.
    func carryOut(_ r: LandRequest) throws(HiveError) -> LandOutcome {
        switch r.verb {
        case .commit: return try commit(r)
        case .merge: return try merge(r)
        case .push: return try push(r).outcome
        case .pr: return try pr(r)
        }
    }

    // MARK: commit

    func commit(_ r: LandRequest) throws(HiveError) -> LandOutcome {
        let dir = r.workTree, message = r.argument ?? ""
        let st = try status(dir, "commit")
        let conflicted = st.changes.filter(\.isConflicted).map(\.path)
        guard conflicted.isEmpty else {
            throw .again("commit: conflicts in \(LandText.files(conflicted)) are not resolved in \(dir); nothing was committed")
        }
        guard !st.changes.isEmpty else { throw .noData("commit: nothing to commit in \(dir)") }
        try identity(dir, "commit")
        let add = git.run(dir, ["add", "-A"], as: .changing)
        guard add.ok else { throw .io("commit: git add failed: \(Git.complaint(add)); nothing was committed") }
        let c = git.run(dir, ["commit", "-q", "-m", message], as: .changing)
        guard c.ok, let head = git.head(dir) else {
            throw .io("commit: git commit failed: \(Git.complaint(c)); the changes are staged, the files untouched")
        }
        let on = git.branch(dir).map { " on \($0)" } ?? ""
        let files = st.changes.count
        return LandOutcome(verb: .commit, value: head,
                           detail: "commit \(head.prefix(7))\(on): \(Text.printable(message)) (\(files) file\(files == 1 ? "" : "s"))")
    }

    // MARK: merge

    func merge(_ r: LandRequest) throws(HiveError) -> LandOutcome {
        let repo = r.repo
        guard let branch = r.branch else {
            throw .invalid("merge: \(r.session) works in place in \(repo), on no branch of its own; nothing to merge")
        }
        guard let into = r.argument ?? r.baseBranch ?? git.branch(repo) else {
            throw .invalid("merge: no base branch is known (the repository's HEAD is detached); name one: merge INTO")
        }
        guard into != branch else { throw .invalid("merge: \(branch) cannot be merged into itself") }
        if let why = git.refusesBranch(repo, into) { throw .invalid("merge: \(why)") }
        guard let src = git.commit(repo, "refs/heads/" + branch) else { throw .notFound("merge: no branch \(branch) in \(repo)") }
        guard let dst = git.commit(repo, "refs/heads/" + into) else { throw .notFound("merge: no branch \(into) in \(repo)") }
        // What is not committed would not be merged.
        if r.workTree != repo, Sys.stat(r.workTree) != nil {
            let pending = try status(r.workTree, "merge").changes.map(\.path)
            guard pending.isEmpty else {
                throw .again("merge: \(r.workTree) has uncommitted changes (\(LandText.files(pending))) that would not be merged; commit first; nothing was changed")
            }
        }
        guard !git.isAncestor(repo, src, of: dst) else {
            throw .noData("merge: \(branch) is already in \(into) (at \(dst.prefix(7))); nothing to merge")
        }
        let target = checkedOut(repo, into)
        if let target {
            guard Sys.stat(target) != nil else {
                throw .again("merge: \(into) is checked out in \(target), a worktree whose folder is gone (git worktree prune forgets it); nothing was changed")
            }
            if let why = busy(target) { throw .busy("merge: \(into) is checked out in \(target), where \(why); nothing was changed") }
            let dirty = LandText.trackedChanges(try status(target, "merge"))
            guard dirty.isEmpty else {
                throw .again("merge into a dirty base refuses: \(into) is checked out in \(target), which has uncommitted changes to \(LandText.files(dirty)); commit or stash them there first; nothing was changed")
            }
        }
        let fastForward = git.isAncestor(repo, dst, of: src)
        let made: String
        if fastForward {
            made = src
        } else {
            let mt = git.capture(repo, ["merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", dst, src])
            guard mt.status == 0 || mt.status == 1, let result = LandText.mergeTree(mt.stdout) else {
                throw .io("merge: git merge-tree failed: \(Git.complaint(mt))")
            }
            guard result.conflicts.isEmpty, mt.status == 0 else {
                let files = result.conflicts.isEmpty ? "some files" : LandText.files(result.conflicts)
                throw .again("merge: \(branch) and \(into) conflict in \(files); nothing was changed (merge \(into) into \(branch) and resolve them there)")
            }
            try identity(repo, "merge")
            let c = git.run(repo, ["commit-tree", result.tree, "-p", dst, "-p", src, "-m", LandText.mergeMessage(branch: branch, into: into)],
                            as: .changing)
            made = c.stdout.trimmingWhitespace()
            guard c.ok, !made.isEmpty else { throw .io("merge: git commit-tree failed: \(Git.complaint(c)); nothing was changed") }
        }
        if let target {
            try advance(target, into, to: made, from: dst, repo: repo)
        } else {
            try moveBranch(repo, into, to: made, from: dst, why: "merge \(branch)\(fastForward ? ": fast-forward" : "")")
        }
        let how = fastForward ? "fast-forward" : "merge commit"
        return LandOutcome(verb: .merge, value: made, detail: "merge \(branch) into \(into): \(how) \(fastForward ? "to " : "")\(made.prefix(7))")
    }

    /// Moves `branch`, checked out in the work tree `target`, from `old` to `new` (a
    /// commit whose first parent, or ancestor, is `old`) with `git merge --ff-only
    /// --no-overwrite-ignore NEW`: a fast-forward, which cannot conflict, and which git
    /// refuses, changing nothing, if the branch moved or a file would be written over.
    private func advance(_ target: String, _ branch: String, to new: String, from old: String, repo: String) throws(HiveError) {
        guard git.branch(target) == branch else {
            throw .again("merge: \(target) no longer has \(branch) checked out; nothing was changed")
        }
        let m = git.run(target, ["merge", "-q", "--ff-only", "--no-overwrite-ignore", new], as: .changing)
        guard m.ok else {
            if git.commit(repo, "refs/heads/" + branch) != old {
                throw .again("merge: \(branch) moved meanwhile; nothing was changed")
            }
            let over = LandText.wouldOverwrite(m.stderr)
            if !over.isEmpty {
                throw .again("merge: the merge would write over \(LandText.files(over)) in \(target), untracked or ignored there; move them away first; nothing was changed")
            }
            throw .again("merge: git would not merge in \(target): \(Git.complaint(m))")
        }
    }

    /// `git update-ref refs/heads/BRANCH NEW OLD`: only if it is still at OLD.
    private func moveBranch(_ repo: String, _ branch: String, to new: String, from old: String, why: String) throws(HiveError) {
        let u = git.run(repo, ["update-ref", "-m", why, "refs/heads/" + branch, new, old], as: .changing)
        guard u.ok else { throw .again("merge: \(branch) moved meanwhile (\(Git.complaint(u))); nothing was changed") }
    }

    // MARK: push

    func push(_ r: LandRequest) throws(HiveError) -> (outcome: LandOutcome, branch: String, remote: String) {
        let dir = workPlace(r)
        let branch = try sessionBranch(r)
        let upstream = git.run(r.repo, ["config", "--get", "branch.\(branch).remote"]).stdout.trimmingWhitespace()
        // `pr`'s argument is its title: it pushes where `push` would by default.
        let remote = (r.verb == .push ? r.argument : nil) ?? (upstream.isEmpty || upstream == "." ? "origin" : upstream)
        let remotes = git.run(r.repo, ["remote"]).stdout.split(separator: "\n").map(String.init)
        guard remotes.contains(remote) else {
            let known = remotes.isEmpty ? "it has none" : "it has " + remotes.joined(separator: ", ")
            throw .notFound("\(r.verb.rawValue): no remote '\(Text.printable(remote))' in \(r.repo) (\(known))")
        }
        guard let commit = git.commit(r.repo, "refs/heads/" + branch) else { throw .notFound("push: no branch \(branch) in \(r.repo)") }
        let ref = "refs/heads/" + branch
        let p = git.run(dir, ["push", "--quiet", remote, ref + ":" + ref], as: .network)
        guard p.ok else {
            let said = (p.stderr + "\n" + p.stdout).split(separator: "\n").map { String($0).trimmingWhitespace() }
            if LandText.pushRejected(p.stderr + p.stdout) {
                let words = said.first { $0.contains("rejected") } ?? Git.complaint(p)
                throw .again("\(r.verb.rawValue): \(remote) refused \(branch): \(words); merge what it holds first; nothing was changed there")
            }
            throw .io("\(r.verb.rawValue): git push to \(remote) failed: \(Git.complaint(p))")
        }
        let outcome = LandOutcome(verb: .push, value: commit, detail: "push \(branch) to \(remote) at \(commit.prefix(7))")
        return (outcome, branch, remote)
    }

    // MARK: pr

    func pr(_ r: LandRequest) throws(HiveError) -> LandOutcome {
        let title = r.argument ?? ""
        guard let (forge, path) = Landing.forge() else {
            throw .unsupported("pr: no forge CLI (gh or glab) is installed on hivefs's PATH")
        }
        let env = Landing.forgeEnvironment
        let auth = Spawn.run([path, "auth", "status"], environment: env, timeoutMS: 30_000, directory: r.repo)
        guard auth.ok else {
            throw .unsupported("pr: \(forge) is not configured (\(forge) auth status: \(Git.complaint(auth)))")
        }
        guard let base = r.baseBranch ?? git.branch(r.repo) else {
            throw .invalid("pr: no base branch is known (the repository's HEAD is detached)")
        }
        guard try sessionBranch(r) != base else { throw .invalid("pr: the session works on \(base), the base branch itself") }
        let (pushed, branch, remote) = try push(r)
        let from = r.base ?? git.run(r.repo, ["merge-base", "refs/heads/" + base, "refs/heads/" + branch]).stdout.trimmingWhitespace()
        let commits = git.commits(r.repo, from: from, to: "refs/heads/" + branch) ?? []
        let body = LandText.prBody(session: r.session, commits: commits)
        let argv = forge == "gh"
            ? [path, "pr", "create", "--title", title, "--body", body, "--head", branch, "--base", base]
            : [path, "mr", "create", "--title", title, "--description", body, "--source-branch", branch,
               "--target-branch", base, "--yes"]
        let c = Spawn.run(argv, environment: env, timeoutMS: Git.longMS, graceMS: Git.graceMS, directory: workPlace(r))
        guard c.ok, let url = LandText.url(c.stdout) else {
            let why = c.ok ? "it printed no URL" : Git.complaint(c)
            throw .io("pr: \(forge) could not open the request: \(why) (\(branch) was pushed to \(remote))")
        }
        return LandOutcome(verb: .pr, value: url,
                           detail: "pr \(branch) into \(base) (pushed \(pushed.value.prefix(7)) to \(remote)): \(url)")
    }

    /// The forge CLI on PATH, `gh` first: its name and path.
    static func forge() -> (String, String)? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in ["gh", "glab"] {
            if let p = Sys.which(name, path: path) { return (name, p) }
        }
        return nil
    }

    /// The forge CLI's environment: never a prompt, never colour.
    static let forgeEnvironment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GH_PROMPT_DISABLED"] = "1"
        env["NO_COLOR"] = "1"
        env["NO_PROMPT"] = "1"
        return env
    }()

    // MARK: git's facts

    /// Where git runs for the session: its work tree, or the repository once that is gone.
    private func workPlace(_ r: LandRequest) -> String {
        Sys.stat(r.workTree) != nil ? r.workTree : r.repo
    }

    /// The session's branch: its own, or the one checked out where it works in place.
    private func sessionBranch(_ r: LandRequest) throws(HiveError) -> String {
        guard let b = r.branch ?? git.branch(workPlace(r)) else {
            throw .invalid("\(r.verb.rawValue): \(workPlace(r)) is on no branch (HEAD is detached)")
        }
        return b
    }

    /// Refuses (EINVAL) when git knows no identity to make a commit as.
    private func identity(_ dir: String, _ verb: String) throws(HiveError) {
        for who in ["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"] {
            let v = git.run(dir, ["var", who])
            guard v.ok else {
                throw .invalid("\(verb): git knows no identity to commit as (\(Git.complaint(v))); set user.name and user.email; nothing was changed")
            }
        }
    }

    /// `git status` of a work tree, or EIO.
    private func status(_ dir: String, _ verb: String) throws(HiveError) -> GitStatus {
        let s = git.capture(dir, ["status", "--porcelain=v2", "-z", "--ignore-submodules=dirty"])
        guard s.ok else { throw .io("\(verb): git status failed in \(dir): \(Git.complaint(s))") }
        return GitStatus.parse(s.stdout)
    }

    /// The work tree where `branch` is checked out, if any.
    private func checkedOut(_ repo: String, _ branch: String) -> String? {
        let l = git.capture(repo, ["worktree", "list", "--porcelain", "-z"])
        return l.ok ? LandText.checkedOut(branch, worktreeList: l.stdout) : nil
    }
}
