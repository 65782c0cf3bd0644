/// One changed path, as `git status --porcelain=v2` reports it.
public struct GitChange: Sendable, Equatable {
    /// Two letters: index and work tree (`.M`, `A.`, `R.`), `UU`-style for a conflict,
    /// `??` for an untracked file.
    public var xy: String
    public var path: String
    /// Where a renamed or copied file came from.
    public var origPath: String?

    public init(xy: String, path: String, origPath: String? = nil) {
        self.xy = xy; self.path = path; self.origPath = origPath
    }

    public var isUntracked: Bool { xy == "??" }
    public var isConflicted: Bool { GitChange.conflictXY.contains(xy) }
    public var isStaged: Bool { !isUntracked && !isConflicted && xy.first != "." }
    public var isUnstaged: Bool { !isUntracked && !isConflicted && xy.last != "." }

    static let conflictXY: Set<String> = ["DD", "AU", "UD", "UA", "DU", "AA", "UU"]
}

/// What `git status --porcelain=v2 --branch -z` says about a work tree.
public struct GitStatus: Sendable, Equatable {
    /// The branch checked out; nil when HEAD is detached.
    public var branch: String?
    /// HEAD's full hash; nil before the first commit.
    public var oid: String?
    public var upstream: String?
    public var ahead: Int?
    public var behind: Int?
    public var changes: [GitChange] = []

    public init() {}

    public var staged: Int { changes.filter(\.isStaged).count }
    public var unstaged: Int { changes.filter(\.isUnstaged).count }
    public var untracked: Int { changes.filter(\.isUntracked).count }
    public var conflicted: Int { changes.filter(\.isConflicted).count }

    /// Reads the NUL-separated output. Lines it does not know (ignored files, later
    /// additions to the format) are skipped.
    public static func parse(_ output: [UInt8]) -> GitStatus {
        var s = GitStatus()
        var fields = output.split(separator: 0, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }[...]
        while let entry = fields.popFirst() {
            if entry.hasPrefix("# ") {
                let words = entry.dropFirst(2).split(separator: " ", maxSplits: 1).map(String.init)
                guard words.count == 2 else { continue }
                switch words[0] {
                case "branch.oid": s.oid = words[1] == "(initial)" ? nil : words[1]
                case "branch.head": s.branch = words[1] == "(detached)" ? nil : words[1]
                case "branch.upstream": s.upstream = words[1]
                case "branch.ab":
                    let ab = words[1].split(separator: " ")
                    if ab.count == 2 { s.ahead = Int(ab[0].dropFirst()); s.behind = Int(ab[1].dropFirst()) }
                default: break
                }
                continue
            }
            guard let kind = entry.first else { continue }
            switch kind {
            case "1":
                // 1 XY sub mH mI mW hH hI path
                let parts = entry.split(separator: " ", maxSplits: 8, omittingEmptySubsequences: false)
                if parts.count == 9 { s.changes.append(GitChange(xy: String(parts[1]), path: String(parts[8]))) }
            case "2":
                // 2 XY sub mH mI mW hH hI Xscore path, then the original path as the next field
                let parts = entry.split(separator: " ", maxSplits: 9, omittingEmptySubsequences: false)
                let orig = fields.popFirst()
                if parts.count == 10 { s.changes.append(GitChange(xy: String(parts[1]), path: String(parts[9]), origPath: orig)) }
            case "u":
                // u XY sub m1 m2 m3 mW h1 h2 h3 path
                let parts = entry.split(separator: " ", maxSplits: 10, omittingEmptySubsequences: false)
                if parts.count == 11 { s.changes.append(GitChange(xy: String(parts[1]), path: String(parts[10]))) }
            case "?":
                s.changes.append(GitChange(xy: "??", path: String(entry.dropFirst(2))))
            default:
                break
            }
        }
        return s
    }
}

/// `git diff --shortstat`: "3 files changed, 10 insertions(+), 2 deletions(-)".
public struct GitDiffStat: Sendable, Equatable {
    public var files = 0
    public var insertions = 0
    public var deletions = 0

    public init(files: Int = 0, insertions: Int = 0, deletions: Int = 0) {
        self.files = files; self.insertions = insertions; self.deletions = deletions
    }

    /// Reads the one line; an empty output is no change.
    public static func parse(_ s: String) -> GitDiffStat {
        var d = GitDiffStat()
        for part in s.split(separator: ",") {
            let words = part.split(separator: " ")
            guard let n = words.first.flatMap({ Int($0) }), words.count >= 2 else { continue }
            if words[1].hasPrefix("file") { d.files = n } else if words[1].hasPrefix("insertion") { d.insertions = n } else if words[1].hasPrefix("deletion") { d.deletions = n }
        }
        return d
    }
}
