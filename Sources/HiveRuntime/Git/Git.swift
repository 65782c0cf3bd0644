import Foundation
import HiveCore

/// git, run as a process with an argument vector, never through a shell. Every
/// call waits for git: callers run on runtime queues, never on a FUSE worker.
///
/// hivefs's own reads take no lock in the repository (`GIT_OPTIONAL_LOCKS=0`), so
/// they never make an agent's `git` fail on `index.lock`.
///
/// How long git may run, stated once (`Git.Limit`, chosen by each call):
/// - A command that only reads (`status`, `diff`, `rev-parse`, `merge-tree`, ...) is
///   killed after `timeoutMS` (60 s): killing it loses nothing.
/// - A command that changes the repository (`add`, `commit`, `merge`, `update-ref`,
///   `worktree add`/`remove`, `apply`, `branch -D`) or talks to a remote (`push`, a
///   forge CLI's request) gets `longMS` (10 minutes): a stalled one (a pinentry with no
///   terminal for `commit.gpgSign`, a filter, a connection) would otherwise hold the
///   session's queue, and its `kill` and `pause`, for ever. It is sent SIGTERM first,
///   on which git removes its lock files and stops, and SIGKILL only `graceMS` later:
///   never killed outright midway, which would leave `index.lock` behind.
public struct Git: Sendable {
    public let program: String
    /// Longest a reading git call may take before it is killed.
    public let timeoutMS: Int
    /// Longest a changing call or a call to a remote may take before it is asked to stop.
    public static let longMS = 600_000
    /// How long such a call asked to stop has before it is killed.
    public static let graceMS = 10_000

    /// What a git command does, which says how long it may run (see the top of the file).
    public enum Limit: Sendable {
        /// Only reads: killed after `timeoutMS`.
        case reading
        /// Changes the repository, its index or a work tree: SIGTERM after `longMS`,
        /// SIGKILL `graceMS` later.
        case changing
        /// Talks to a remote: the same.
        case network
    }

    public init(program: String = "git", timeoutMS: Int = 60_000) {
        self.program = program
        self.timeoutMS = timeoutMS
    }

    static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["GIT_OPTIONAL_LOCKS"] = "0"
        env["LC_ALL"] = "C"
        env["GIT_TERMINAL_PROMPT"] = "0"
        for k in ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR"] { env.removeValue(forKey: k) }
        return env
    }()

    /// Runs `git -C dir ARGS`. Never with an fsmonitor or hooks: their commands come from
    /// the repository's config and folders, which an agent may write, and hivefs's
    /// git runs outside any sandbox (a worktree hivefs makes runs no post-checkout
    /// hook; `setup=` is what runs there). Both settings reach the git a submodule runs.
    /// `env` adds to git's environment (a temporary index: `GIT_INDEX_FILE`); `as` says
    /// how long it may run.
    @discardableResult
    public func run(_ dir: String, _ args: [String], env: [String: String] = [:], as kind: Limit = .reading) -> Spawn.Result {
        let (timeout, grace) = limits(kind)
        return Spawn.run(argv(dir, args), environment: Git.environment.merging(env) { $1 }, timeoutMS: timeout, graceMS: grace)
    }

    /// `run`, its output as bytes and at most `limit` of them (`Spawn.capture`).
    public func capture(_ dir: String, _ args: [String], env: [String: String] = [:], limit: Int = Int.max,
                        as kind: Limit = .reading) -> Spawn.Captured {
        let (timeout, grace) = limits(kind)
        return Spawn.capture(argv(dir, args), environment: Git.environment.merging(env) { $1 }, timeoutMS: timeout,
                             graceMS: grace, limit: limit)
    }

    /// The timeout and grace of a kind of command.
    func limits(_ kind: Limit) -> (timeoutMS: Int?, graceMS: Int?) {
        switch kind {
        case .reading: return (timeoutMS, nil)
        case .changing, .network: return (Git.longMS, Git.graceMS)
        }
    }

    private func argv(_ dir: String, _ args: [String]) -> [String] {
        [program, "-C", dir, "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"] + args
    }

    /// git's complaint, one line, for a reason.
    static func complaint(_ r: Spawn.Result) -> String {
        let lines = (r.stderr + "\n" + r.stdout).split(separator: "\n").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        let line = lines.first { $0.hasPrefix("fatal:") || $0.hasPrefix("error:") } ?? lines.first ?? "exit \(r.status)"
        return line.replacingOccurrences(of: "fatal: ", with: "").replacingOccurrences(of: "error: ", with: "")
    }

    /// The same, of a captured run (its words are on stderr).
    static func complaint(_ c: Spawn.Captured) -> String {
        complaint(Spawn.Result(status: c.status, stdout: "", stderr: c.stderr))
    }

    /// Where a folder's repository is.
    public enum Place: Sendable, Equatable {
        /// In the work tree whose top is `top`.
        case workTree(top: String)
        case bare
        case notARepository(String)
    }

    public func place(_ dir: String) -> Place {
        let r = run(dir, ["rev-parse", "--is-bare-repository", "--show-toplevel"])
        let out = r.stdout.split(separator: "\n").map(String.init)
        if out.first == "true" { return .bare }
        guard r.ok, out.count >= 2 else { return .notARepository(Git.complaint(r)) }
        return .workTree(top: out[1])
    }

    /// HEAD's full hash, or nil before the first commit.
    public func head(_ dir: String) -> String? { commit(dir, "HEAD") }

    /// The full hash of the commit `ref` names, or nil when it names none.
    public func commit(_ dir: String, _ ref: String) -> String? {
        let r = run(dir, ["rev-parse", "--verify", "-q", ref + "^{commit}"])
        let h = r.stdout.trimmingWhitespace()
        return r.ok && !h.isEmpty ? h : nil
    }

    /// Whether commit `a` is an ancestor of `b` (or `b` itself).
    public func isAncestor(_ dir: String, _ a: String, of b: String) -> Bool {
        run(dir, ["merge-base", "--is-ancestor", a, b]).ok
    }

    /// The branch checked out, or nil when HEAD is detached or `dir` is no work tree.
    public func branch(_ dir: String) -> String? {
        let r = run(dir, ["symbolic-ref", "-q", "--short", "HEAD"])
        let b = r.stdout.trimmingWhitespace()
        return r.ok && !b.isEmpty ? b : nil
    }

    /// A commit's subject line.
    public func subject(_ dir: String, _ commit: String) -> String? {
        let r = run(dir, ["log", "-1", "--format=%s", commit, "--"])
        return r.ok ? r.stdout.trimmingWhitespace() : nil
    }

    public func branchExists(_ dir: String, _ branch: String) -> Bool {
        run(dir, ["show-ref", "--verify", "--quiet", "refs/heads/" + branch]).ok
    }

    /// nil when git accepts the branch name, else its complaint.
    public func refusesBranch(_ dir: String, _ branch: String) -> String? {
        let r = run(dir, ["check-ref-format", "--branch", branch])
        return r.ok ? nil : "git refuses the branch name '\(Text.printable(branch))'"
    }

    /// `git worktree add -b BRANCH PATH BASE`; nil or git's complaint.
    public func addWorktree(_ top: String, path: String, branch: String, base: String) -> String? {
        let r = run(top, ["worktree", "add", "--quiet", "-b", branch, "--", path, base], as: .changing)
        return r.ok ? nil : Git.complaint(r)
    }

    /// `git worktree remove PATH` (never forced) and a prune; nil or git's complaint.
    public func removeWorktree(_ top: String, path: String) -> String? {
        let r = run(top, ["worktree", "remove", "--", path], as: .changing)
        run(top, ["worktree", "prune"], as: .changing)
        return r.ok ? nil : Git.complaint(r)
    }

    /// The untracked files matching the patterns of `patterns` (gitignore syntax),
    /// relative to `top`.
    public func matching(_ top: String, patterns: String) -> [String]? {
        let r = run(top, ["ls-files", "-z", "--others", "--ignored", "--exclude-from=" + patterns])
        guard r.ok else { return nil }
        return r.stdout.split(separator: "\u{0}").map(String.init)
    }

    /// The folder holding this work tree's HEAD and index.
    public func gitDir(_ dir: String) -> String? {
        let r = run(dir, ["rev-parse", "--absolute-git-dir"])
        let d = r.stdout.trimmingWhitespace()
        return r.ok && !d.isEmpty ? d : nil
    }

    /// The commits on `to` since `from`, oldest first: (short hash, subject); nil when
    /// `from` is not an ancestor.
    public func commits(_ dir: String, from: String, to: String) -> [(String, String)]? {
        guard isAncestor(dir, from, of: to) else { return nil }
        let r = run(dir, ["log", "--reverse", "--format=%h%x1f%s", from + ".." + to, "--"])
        guard r.ok else { return nil }
        return r.stdout.split(separator: "\n").compactMap { line in
            let p = line.split(separator: "\u{1f}", maxSplits: 1, omittingEmptySubsequences: false)
            return p.count == 2 ? (String(p[0]), String(p[1])) : nil
        }
    }

    /// Everything the `git` file shows, for the work tree at `dir`.
    public func facts(_ dir: String, repo: String?, worktree: String?, base: String?, now: () -> Timestamp) -> GitFacts {
        // A submodule's own work tree is not looked into (its git would read its own config).
        let r = run(dir, ["status", "--porcelain=v2", "--branch", "-z", "--ignore-submodules=dirty"])
        guard r.ok else {
            var f = GitFacts.notARepository(dir, at: now())
            if !Git.complaint(r).contains("not a git repository") { f.error = Git.complaint(r) }
            return f
        }
        var f = GitFacts()
        f.repo = repo
        f.worktree = worktree ?? repo
        f.status = GitStatus.parse(Array(r.stdout.utf8))
        if let oid = f.status?.oid { f.headSubject = subject(dir, oid) }
        if let base {
            f.base = base
            f.baseSubject = subject(dir, base)
            let c = run(dir, ["rev-list", "--count", base + "..HEAD"])
            f.commits = c.ok ? Int(c.stdout.trimmingWhitespace()) : nil
            let d = run(dir, ["diff", "--shortstat", "--no-ext-diff", "--no-textconv", base, "--"])
            f.diff = d.ok ? GitDiffStat.parse(d.stdout) : nil
        }
        f.updated = now()
        return f
    }

    /// Whether a work tree holds changes a removal would lose: modified or untracked files.
    public func pendingChanges(_ dir: String) -> Int? {
        let r = run(dir, ["status", "--porcelain", "-z"])
        guard r.ok else { return nil }
        return r.stdout.split(separator: "\u{0}").filter { !$0.isEmpty }.count
    }
}
