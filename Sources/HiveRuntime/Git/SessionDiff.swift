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
///   for it, and one run of git serves them all. `diff` and `diff.stat` are made
///   together, from one temporary index, so reading both reads the work tree once. A change to the files shows on a read
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

    /// The diff and its stat (`git diff --stat`) of the session as the record has it,
    /// both from one reading of its work tree (one temporary index).
    static func render(_ git: Git, _ r: SessionRecord) -> (diff: [UInt8], stat: [UInt8]) {
        guard let base = r.base, let repo = r.repo else { return ([], []) }
        let options = ["--no-color", "--no-ext-diff", "--no-textconv"]
        let top = r.worktree ?? repo
        if Sys.stat(top) != nil, let gitDir = git.gitDir(top) {
            guard let temp = temporaryFolder() else {
                let said = Array("diff: cannot make a temporary index\n".utf8)
                return (said, said)
            }
            defer { try? FileManager.default.removeItem(atPath: temp) }
            let index = temp + "/index"
            let env = ["GIT_INDEX_FILE": index]
            if (try? FileManager.default.copyItem(atPath: gitDir + "/index", toPath: index)) == nil, git.head(top) != nil {
                git.run(top, ["read-tree", "HEAD"], env: env)
            }
            let add = git.run(top, ["add", "-A"], env: env)
            guard add.ok else {
                let said = Array("diff: git could not read the work tree: \(Git.complaint(add))\n".utf8)
                return (said, said)
            }
            func diff(_ more: [String]) -> [UInt8] {
                said(git.capture(top, ["diff", "--cached"] + options + more + [base, "--"], env: env, limit: limit), base: base, top: top)
            }
            return (diff([]), diff(["--stat"]))
        } else if let branch = r.branch, git.branchExists(repo, branch) {
            func diff(_ more: [String]) -> [UInt8] {
                said(git.capture(repo, ["diff"] + options + more + [base, "refs/heads/" + branch, "--"], limit: limit), base: base, top: top)
            }
            return (diff([]), diff(["--stat"]))
        }
        return ([], [])
    }

    /// What a `git diff` gave, as the file shows it: its output, said to be cut where
    /// it was, or git's complaint.
    private static func said(_ out: Spawn.Captured, base: String, top: String) -> [UInt8] {
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
