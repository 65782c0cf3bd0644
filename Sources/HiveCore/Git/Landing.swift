/// Reviewing and landing a session's work: the `commit`, `merge`, `push` and `pr`
/// verbs of `control`, as far as they are decisions and words. git's own work is
/// the runtime's (HiveRuntime/Git/Landing.swift); what git says is read here.
///
/// Decisions, stated once:
/// - Each verb refuses, with nothing changed, while the agent works (EBUSY: `working`,
///   `starting`), in a session with no repository (EINVAL; ENOENT for a `new` one whose
///   worktree is not made yet), and on conflicts (EAGAIN, naming the files).
/// - Nothing to commit, or a branch already merged, is ENODATA: there is no commit to record.
/// - `merge` merges the session's branch as it is committed; uncommitted changes in its
///   work tree would not go with it, so it refuses them (EAGAIN: commit first). The base
///   branch is the one checked out in the repository when the worktree was made.
/// - `merge` into a branch checked out in a work tree needs that work tree without
///   changes to tracked files (EAGAIN naming them); untracked files do not count (git
///   itself refuses, changing nothing, to write over one, or over an ignored one).
/// - `merge` into a branch checked out in another session's worktree waits for that
///   agent as the verbs wait for their own (EBUSY while it is `working` or `starting`).
/// - Each verb that lands records one `land` event: key the verb, value the commit
///   (`pr`: the URL), and a detail people read.
public enum LandVerb: String, Sendable, Equatable, CaseIterable {
    case commit, merge, push, pr
}

/// What the runtime is asked to do: a verb, its argument, and the session's git facts.
public struct LandRequest: Sendable, Equatable {
    public var verb: LandVerb
    /// `commit`'s message, `merge`'s INTO, `push`'s REMOTE, `pr`'s title; nil when not given.
    public var argument: String?
    public var session: String
    /// The top of the session's work tree: its worktree, or the repository it runs in.
    public var workTree: String
    /// The repository's main work tree.
    public var repo: String
    /// The session's own branch (nil for a session working in place).
    public var branch: String?
    /// The commit it started from, and the branch checked out then.
    public var base: String?
    public var baseBranch: String?

    public init(verb: LandVerb, argument: String?, session: String, workTree: String, repo: String,
                branch: String?, base: String?, baseBranch: String?) {
        self.verb = verb; self.argument = argument; self.session = session; self.workTree = workTree
        self.repo = repo; self.branch = branch; self.base = base; self.baseBranch = baseBranch
    }
}

/// What a verb came to: the `land` event's value (a commit, a URL) and detail.
public struct LandOutcome: Sendable, Equatable {
    public var verb: LandVerb
    public var value: String
    public var detail: String

    public init(verb: LandVerb, value: String, detail: String) {
        self.verb = verb; self.value = value; self.detail = detail
    }
}

extension LandRequest {
    /// The request for `c` in the session `r`, or the refusal when it has no repository.
    public static func make(_ c: SessionCommand, _ r: SessionRecord) throws(HiveError) -> LandRequest? {
        let verb: LandVerb, argument: String?
        switch c {
        case .commit(let m): verb = .commit; argument = m
        case .merge(let into): verb = .merge; argument = into
        case .push(let remote): verb = .push; argument = remote
        case .pr(let title): verb = .pr; argument = title
        default: return nil
        }
        guard let repo = r.repo else {
            if r.state == .new { throw .notFound("\(r.name) has not started yet: no worktree or repository to \(verb.rawValue) in") }
            throw .invalid("\(r.name) works in no git repository (\(r.workdir ?? r.spec.dir)); nothing to \(verb.rawValue)")
        }
        return LandRequest(verb: verb, argument: argument, session: r.name, workTree: r.worktree ?? repo, repo: repo,
                           branch: r.branch, base: r.base, baseBranch: r.baseBranch)
    }
}

/// Reading git's answers, and the words of refusals and events.
public enum LandText {
    /// The most files a refusal names; the rest are counted.
    public static let namedFiles = 10

    /// `a.txt, b.txt` (and `and 3 more`).
    public static func files(_ paths: [String]) -> String {
        let shown = paths.prefix(namedFiles).map { Text.printable($0, limit: 200) }
        let more = paths.count > namedFiles ? " and \(paths.count - namedFiles) more" : ""
        return shown.joined(separator: ", ") + more
    }

    /// What `git merge-tree --write-tree --name-only --no-messages -z OURS THEIRS`
    /// printed: the tree it wrote, and the files in conflict (none when it merges clean).
    public static func mergeTree(_ output: [UInt8]) -> (tree: String, conflicts: [String])? {
        let fields = output.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard let tree = fields.first, tree.count >= 40, tree.allSatisfy(\.isHexDigit) else { return nil }
        var seen = Set<String>(), conflicts: [String] = []
        for f in fields.dropFirst() {
            if f.isEmpty { break }  // the end of the list of files
            if seen.insert(f).inserted { conflicts.append(f) }
        }
        return (tree, conflicts)
    }

    /// The work tree where `branch` is checked out, from `git worktree list --porcelain -z`.
    public static func checkedOut(_ branch: String, worktreeList output: [UInt8]) -> String? {
        var path: String?
        for field in output.split(separator: 0, omittingEmptySubsequences: false).map({ String(decoding: $0, as: UTF8.self) }) {
            if field.isEmpty { path = nil; continue }
            if field.hasPrefix("worktree ") { path = String(field.dropFirst(9)) }
            if field == "branch refs/heads/" + branch, let path { return path }
        }
        return nil
    }

    /// The tracked files changed in a work tree (`git status --porcelain=v2 -z`); untracked ones are left out.
    public static func trackedChanges(_ s: GitStatus) -> [String] {
        s.changes.filter { !$0.isUntracked }.map(\.path)
    }

    /// The message git itself gives a merge commit (by default it leaves out
    /// `into main` and `into master`: git's `merge.suppressDest`).
    public static func mergeMessage(branch: String, into: String) -> String {
        "Merge branch '\(branch)'" + (into == "main" || into == "master" ? "" : " into \(into)")
    }

    /// The files git named when it refused to write over untracked or ignored files
    /// (`The following untracked working tree files would be overwritten by merge:`,
    /// then one indented line each).
    public static func wouldOverwrite(_ stderr: String) -> [String] {
        var files: [String] = [], listing = false
        for line in stderr.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains("would be overwritten by") { listing = true; continue }
            guard listing else { continue }
            guard line.hasPrefix("\t") else { listing = false; continue }
            files.append(String(line.dropFirst()))
        }
        return files
    }

    /// The body of a pull request: where it comes from, and its commits.
    public static func prBody(session: String, commits: [(String, String)]) -> String {
        var s = "From the hivefs session `\(session)`.\n"
        if !commits.isEmpty {
            s += "\nCommits:\n"
            for (hash, subject) in commits.prefix(50) { s += "- \(hash) \(subject)\n" }
            if commits.count > 50 { s += "- and \(commits.count - 50) more\n" }
        }
        return s
    }

    /// The URL a forge CLI printed (its last line that is one).
    public static func url(_ output: String) -> String? {
        output.split(separator: "\n").map { String($0).trimmingWhitespace() }
            .last { $0.hasPrefix("https://") || $0.hasPrefix("http://") }
    }

    /// Whether git's words for a failed push say the remote refused it as it stands
    /// (not a fast-forward, or changed meanwhile), which pulling first can fix.
    public static func pushRejected(_ stderr: String) -> Bool {
        ["[rejected]", "non-fast-forward", "fetch first", "stale info", "[remote rejected]"].contains { stderr.contains($0) }
    }

    /// Whether a remote name or branch argument can be passed to git as it is: no
    /// option (leading `-`), no white space or control character.
    public static func isPlainName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix("-") && !s.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
    }
}
