/// Everything a session's `git` file shows, gathered by the runtime from a few git
/// commands and rendered here.
public struct GitFacts: Sendable, Equatable {
    /// The repository's main work tree (the folder the session's `dir` is in).
    public var repo: String?
    /// The work tree the agent works in: its own worktree, or the repository's.
    public var worktree: String?
    public var status: GitStatus?
    public var headSubject: String?
    /// The commit the session started from (its worktree's base).
    public var base: String?
    public var baseSubject: String?
    /// Commits on HEAD since the base.
    public var commits: Int?
    /// The work tree against the base: what the session changed, committed or not.
    public var diff: GitDiffStat?
    /// When git was last asked.
    public var updated: Timestamp?
    /// Why the facts are missing: not a repository, git failed.
    public var error: String?

    public init() {}

    /// The facts of a folder that is not in a repository.
    public static func notARepository(_ dir: String, at time: Timestamp) -> GitFacts {
        var f = GitFacts()
        f.updated = time
        f.error = "not a git repository: \(dir)"
        return f
    }

    static func short(_ oid: String?) -> String? { oid.map { String($0.prefix(7)) } }

    enum Value {
        case string(String?)
        case int(Int?)
    }

    /// The KEY VALUE pairs, in the order both files show them.
    var fields: [(String, Value)] {
        let st = status
        return [
            ("repo", .string(repo)),
            ("worktree", .string(worktree)),
            ("branch", .string(st?.branch)),
            ("head", .string(GitFacts.short(st?.oid))),
            ("head.subject", .string(headSubject)),
            ("upstream", .string(st?.upstream)),
            ("ahead", .int(st?.ahead)),
            ("behind", .int(st?.behind)),
            ("base", .string(GitFacts.short(base))),
            ("base.subject", .string(baseSubject)),
            ("commits", .int(commits)),
            ("staged", .int(st?.staged)),
            ("unstaged", .int(st?.unstaged)),
            ("untracked", .int(st?.untracked)),
            ("conflicted", .int(st?.conflicted)),
            ("changed", .int(st?.changes.count)),
            ("diff.files", .int(diff?.files)),
            ("diff.insertions", .int(diff?.insertions)),
            ("diff.deletions", .int(diff?.deletions)),
            ("updated", .string(updated?.rfc3339)),
            ("error", .string(error)),
        ]
    }
}

/// Renders `git` (KEY VALUE lines, then one `XY PATH` line per changed file) and
/// `git.json` (the same facts, the files as an array).
public enum GitRenderer {
    public static func text(_ f: GitFacts) -> String {
        var out = ""
        for (k, v) in f.fields {
            switch v {
            case .string(let s): out += k + " " + Text.orDash(s) + "\n"
            case .int(let i): out += k + " " + (i.map(String.init) ?? "-") + "\n"
            }
        }
        for c in f.status?.changes ?? [] {
            out += c.xy + " " + Text.oneLine(c.path)
            if let o = c.origPath { out += " <- " + Text.oneLine(o) }
            out += "\n"
        }
        return out
    }

    public static func json(_ f: GitFacts) -> String {
        var w = JSONWriter()
        for (k, v) in f.fields {
            switch v {
            case .string(let s): w.stringOrNull(k, (s?.isEmpty ?? true) ? nil : s)
            case .int(let i): w.intOrNull(k, i.map(Int64.init))
            }
        }
        var files: [String] = []
        for c in f.status?.changes ?? [] {
            var o = JSONWriter()
            o.string("xy", c.xy)
            o.string("path", c.path)
            if let orig = c.origPath { o.string("from", orig) }
            files.append(o.result)
        }
        w.raw("files", "[" + files.joined(separator: ",") + "]")
        return w.result + "\n"
    }
}
