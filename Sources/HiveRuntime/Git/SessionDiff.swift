import Foundation
import HiveCore

/// The `diff` and `diff.stat` files: a session's changes against the commit it started
/// from, as `git diff` shows them, plain text for `less` and pipes.
///
/// Decisions, stated once:
/// - The changes are those of its work tree (its worktree, or the repository it runs
///   in), committed or not, untracked files included (ignored ones not), as `git add -A`
///   would see them. They are staged into a temporary index (a copy of the work tree's,
///   so git hashes only what changed), and `git diff --cached BASE` reads that: the
///   repository's own index and files are never touched (new blobs may be written to
///   its object store, where nothing points to them).
/// - Once its worktree is gone (a history entry), the diff is of its branch as committed.
/// - A session with no repository, or no base commit, reads empty; so does one with no
///   change (`git` tells the two apart).
/// - git is asked off the FUSE workers (`FileSource.slow`), and a render is served
///   again for `reuseMS` (2 s) while the record's version holds (`Views.diff`): one
///   `cat` looks the file up, opens it and reads it, and `ls -l` stats it, each asking
///   for it, and one run of git serves them all. A change to the files shows on a read
///   at most 2 s later. Only a render up to `keepBytes` (1 MiB) is kept for that; a
///   larger one is rendered for each read. A diff is cut at `SessionDiff.limit`, and
///   its last line then says so.
enum SessionDiff {
    /// The most a diff holds.
    static let limit = 64 << 20
    /// How long a render is served again (monotonic ms).
    static let reuseMS: Int64 = 2_000
    /// The largest render kept to be served again.
    static let keepBytes = 1 << 20

    /// The diff (`stat`: `git diff --stat`) of the session as the record has it.
    static func render(_ git: Git, _ r: SessionRecord, stat: Bool) -> [UInt8] {
        guard let base = r.base, let repo = r.repo else { return [] }
        let options = ["--no-color", "--no-ext-diff", "--no-textconv"] + (stat ? ["--stat"] : [])
        let top = r.worktree ?? repo
        let out: Spawn.Captured
        if Sys.stat(top) != nil, let gitDir = git.gitDir(top) {
            guard let temp = temporaryFolder() else { return Array("diff: cannot make a temporary index\n".utf8) }
            defer { try? FileManager.default.removeItem(atPath: temp) }
            let index = temp + "/index"
            let env = ["GIT_INDEX_FILE": index]
            if (try? FileManager.default.copyItem(atPath: gitDir + "/index", toPath: index)) == nil, git.head(top) != nil {
                git.run(top, ["read-tree", "HEAD"], env: env)
            }
            let add = git.run(top, ["add", "-A"], env: env)
            guard add.ok else { return Array("diff: git could not read the work tree: \(Git.complaint(add))\n".utf8) }
            out = git.capture(top, ["diff", "--cached"] + options + [base, "--"], env: env, limit: limit)
        } else if let branch = r.branch, git.branchExists(repo, branch) {
            out = git.capture(repo, ["diff"] + options + [base, "refs/heads/" + branch, "--"], limit: limit)
        } else {
            return []
        }
        if out.cut {
            return out.stdout + Array("\n[hivefs: the diff is cut at \(limit >> 20) MiB; git diff \(base.prefix(12)) in \(top) shows it all]\n".utf8)
        }
        guard out.status == 0 else {
            return Array("diff: git diff failed: \(Git.complaint(out))\n".utf8)
        }
        return out.stdout
    }

    /// A new private folder for the temporary index.
    private static func temporaryFolder() -> String? {
        var template = Array((NSTemporaryDirectory() + "/hivefs-diff-XXXXXX").utf8CString)
        return template.withUnsafeMutableBufferPointer { buf -> String? in
            guard let base = buf.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
    }
}
