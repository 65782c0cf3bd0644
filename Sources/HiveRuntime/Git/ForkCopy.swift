import Foundation
import HiveCore
import SystemPackage

/// What a fork carries from its parent's work tree: HEAD, the uncommitted changes
/// to tracked files (a binary patch against HEAD, staged and not), and the untracked
/// files git does not ignore. Taken while the parent's agent is held still
/// (`Processes.holdStill`) into the new session's folder (the patch, and a copy of
/// each untracked file, file to file: nothing large is held in memory), then put into
/// the new worktree, which was made at that HEAD. Nothing of the parent's is changed:
/// the patch is written by `git diff --output`, which touches neither its index nor
/// its files, with its prefixes, text conversion and external diff fixed whatever the
/// user's git config says, so that `git apply` takes it.
///
/// Ignored files (build output, dependencies) are not carried: `.hiveinclude` and the
/// session's `setup` are how a new worktree gets those.
struct ForkCopy {
    /// The parent's HEAD, where the new branch starts.
    let head: String
    /// The patch file (in the new session's folder), or nil when nothing tracked changed.
    let patch: String?
    /// Tracked files changed, and untracked files, by path under the work tree's top.
    let changed: [String]
    let untracked: [Untracked]

    /// An untracked file as it was: a regular file's copy (in the staging folder) and
    /// mode, or a link's target.
    struct Untracked {
        var path: String
        var mode: mode_t
        var staged: String?
        var link: String?
    }

    /// Files carried, as the `fork` event counts them.
    var count: Int { changed.count + untracked.count }

    /// Takes the copy of `top` (a work tree's top), writing the patch to `patchFile` and
    /// the untracked files under `stage`; only its HEAD when `carry` is false (the
    /// uncommitted work there is not the parent's).
    static func take(_ git: Git, top: String, patchFile: String, stage: String, carry: Bool = true) throws(HiveError) -> ForkCopy {
        guard let head = git.head(top) else { throw .invalid("\(top) has no commit yet to fork from") }
        guard carry else { return ForkCopy(head: head, patch: nil, changed: [], untracked: []) }
        let names = git.run(top, ["diff", "--name-only", "-z", "--ignore-submodules", "HEAD", "--"])
        guard names.ok else { throw .io("git diff in \(top) failed: \(Git.complaint(names))") }
        let changed = names.stdout.split(separator: "\0").map(String.init)
        var patch: String?
        if !changed.isEmpty {
            let r = git.run(top, ["diff", "--binary", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
                                  "--src-prefix=a/", "--dst-prefix=b/", "--ignore-submodules",
                                  "--output=" + patchFile, "HEAD", "--"])
            guard r.ok else { throw .io("git diff --binary in \(top) failed: \(Git.complaint(r))") }
            patch = patchFile
        }
        let others = git.run(top, ["ls-files", "--others", "--exclude-standard", "-z"])
        guard others.ok else { throw .io("git ls-files in \(top) failed: \(Git.complaint(others))") }
        var untracked: [Untracked] = []
        for path in others.stdout.split(separator: "\0").map(String.init) {
            let full = top + "/" + path
            var st = Glibc.stat()
            guard lstat(full, &st) == 0 else { continue }  // gone since git listed it
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                let staged = stage + "/" + String(untracked.count)
                do throws(Errno) { try Sys.copyFile(full, to: staged) } catch {
                    throw error.hive("cannot copy \(full) to carry it")
                }
                untracked.append(Untracked(path: path, mode: st.st_mode & 0o7777, staged: staged))
            case S_IFLNK:
                untracked.append(Untracked(path: path, mode: 0o777, link: Sys.linkTarget(full)))
            default:
                continue
            }
        }
        return ForkCopy(head: head, patch: patch, changed: changed, untracked: untracked)
    }

    /// Puts the changes into `worktree`, made at `head`: the patch applied to its files
    /// (not its index), then the untracked files written.
    func apply(_ git: Git, into worktree: String) throws(HiveError) {
        if let patch {
            let r = git.run(worktree, ["apply", "--binary", "--whitespace=nowarn", "--", patch], as: .changing)
            guard r.ok else { throw .io("git apply of the parent's changes failed in \(worktree): \(Git.complaint(r))") }
        }
        for u in untracked {
            let path = worktree + "/" + u.path
            do throws(Errno) {
                try Sys.makeDirectories(Sys.folder(of: path), mode: 0o755)
                if let target = u.link {
                    unlink(path)
                    guard symlink(target, path) == 0 else { throw Errno(rawValue: errno) }
                } else if let staged = u.staged {
                    try Sys.copyFile(staged, to: path)
                    chmod(path, u.mode)
                }
            } catch {
                throw error.hive("cannot write \(path)")
            }
        }
    }
}
