import Foundation
import XCTest

/// Reviewing and landing a session's work: `diff`, `diff.stat`, and the `commit`,
/// `merge`, `push` and `pr` verbs, on real repositories the tests make.
final class LandTests: MountedTestCase {
    override func prepare(_ m: MountFixture) throws {
        // A folder first on the daemon's PATH, where a test may put a fake `gh`.
        try FileManager.default.createDirectory(atPath: m.root + "/bin", withIntermediateDirectories: true)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        m.environment = m.environment.filter { !$0.hasPrefix("PATH=") } + ["PATH=" + m.root + "/bin:" + path]
    }

    func git(_ dir: String, _ args: String) -> String {
        m.sh("git -C \"\(dir)\" \(args)").out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A shell session in its own worktree of `repo`, running `script`, then printing
    /// `ready` and waiting: idle once it has.
    @discardableResult
    func session(_ name: String, repo: String, _ script: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let command = "sh -c '\(script); echo ready; sleep 600'"
        let q = command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let err = m.write("control", "new \(name) agent=shell dir=\"\(repo)\" worktree=yes command=\"\(q)\"\n")
        XCTAssertEqual(err, 0, "new \(name): \(m.read("control") ?? "")", file: file, line: line)
        XCTAssertTrue(waitUntil(10) { (self.m.read(name + "/log") ?? "").contains("ready") }, m.read(name + "/log") ?? "", file: file, line: line)
        m.waitState(name, ["idle"], file: file, line: line)
        return m.status(name, "worktree") ?? "/nonexistent"
    }

    /// The last refusal `control` shows: `ERRNO REASON`.
    func refusal(_ name: String) -> String {
        let line = (m.read(name + "/control") ?? "").split(separator: "\n").last { $0.hasPrefix("error ") } ?? ""
        return line.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init) ?? ""
    }

    /// The `land` events of a session, from `events.jsonl`.
    func landEvents(_ name: String) -> [[String: Any]] {
        m.jsonLines(m.state + "/sessions/\(name)/events.jsonl").filter { $0["kind"] as? String == "land" }
    }

    /// What a repository's work tree, index and HEAD are now, to see that nothing changed.
    func snapshot(_ dir: String) -> String {
        m.sh("cd \"\(dir)\" && git rev-parse HEAD && git status --porcelain && git diff && git diff --cached && git symbolic-ref HEAD && cat a.txt").out
    }

    // MARK: diff

    func testDiffShowsTrackedAndUntrackedChangesAndLeavesTheIndexAlone() throws {
        let repo = makeRepo("d")
        let wt = session("d", repo: repo, "echo two >> a.txt; echo new > n.txt; mkdir -p sub; echo deep > sub/s.txt")
        let diff = try XCTUnwrap(m.read("d/diff"))
        XCTAssertTrue(diff.contains("diff --git a/a.txt b/a.txt\n"), diff)
        XCTAssertTrue(diff.contains(" one\n+two\n"), diff)
        XCTAssertTrue(diff.contains("diff --git a/n.txt b/n.txt\nnew file mode 100644\n"), diff)
        XCTAssertTrue(diff.contains("+new\n") && diff.contains("+deep\n"), diff)
        XCTAssertFalse(diff.contains("\u{1b}["), "no colour")
        // Nothing of the repository's changed: the work tree's index holds none of it.
        XCTAssertEqual(git(wt, "diff --cached --name-only"), "")
        XCTAssertEqual(m.sh("git -C \(wt) status --porcelain").out, " M a.txt\n?? n.txt\n?? sub/\n")
        XCTAssertEqual(m.read("d/diff"), diff, "the same when read again")
        let stat = try XCTUnwrap(m.read("d/diff.stat"))
        XCTAssertTrue(stat.contains(" a.txt     | 1 +\n"), stat)
        XCTAssertTrue(stat.contains(" n.txt     | 1 +\n"), stat)
        XCTAssertTrue(stat.contains(" sub/s.txt | 1 +\n"), stat)
        XCTAssertTrue(stat.hasSuffix(" 3 files changed, 3 insertions(+)\n"), stat)
        XCTAssertEqual(m.sh("wc -c < $MNT/d/diff").out.trimmingCharacters(in: .whitespaces), "\(diff.utf8.count)\n", "stat tells its size")
        // An ignored file is not a change.
        XCTAssertEqual(m.sh("echo 'out/' > \(wt)/.gitignore && mkdir -p \(wt)/out && echo o > \(wt)/out/o.txt").status, 0)
        // A render is served again for a moment: the change shows once it has aged.
        var later = ""
        XCTAssertTrue(waitUntil(10) { later = self.m.read("d/diff") ?? ""; return later.contains("diff --git a/.gitignore b/.gitignore\n") }, later)
        XCTAssertFalse(later.contains("out/o.txt"), later)
        // A session in no repository: both read empty.
        newShell("plain", "sh -c 'echo ready; sleep 600'")
        XCTAssertEqual(m.read("plain/diff"), "")
        XCTAssertEqual(m.read("plain/diff.stat"), "")
    }

    func testOneCatOfDiffAndItsStatReadsTheWorkTreeOnce() throws {
        let repo = makeRepo("once")
        session("once", repo: repo, "echo two >> a.txt")
        // A git first on the daemon's PATH that counts the readings of the work tree
        // (`add -A` into the temporary index: the costly part) it is asked for.
        let real = m.sh("command -v git").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let count = m.root + "/adds.count", wrapper = m.root + "/bin/git"
        try """
            #!/bin/sh
            for a in "$@"; do [ "$a" = add ] && echo add >> \(count); done
            exec \(real) "$@"

            """.write(toFile: wrapper, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(wrapper, 0o755), 0)
        defer { try? FileManager.default.removeItem(atPath: wrapper) }
        let cat = m.sh("cat $MNT/once/diff $MNT/once/diff.stat")
        XCTAssertTrue(cat.out.contains(" one\n+two\n") && cat.out.contains("1 file changed, 1 insertion(+)"), cat.out + cat.err)
        let runs = (try? String(contentsOfFile: count, encoding: .utf8)) ?? ""
        XCTAssertEqual(runs, "add\n", "both files' lookups, opens and reads are served by one reading of the work tree")
    }

    // MARK: commit

    func testCommitRecordsItsHashAsTheUsersIdentityAndNothingToCommitIsRefused() throws {
        let repo = makeRepo("c")
        let wt = session("c", repo: repo, "echo two >> a.txt; echo b > b.txt")
        XCTAssertEqual(m.write("c/control", "commit add two and b\n"), 0, refusal("c"))
        let head = git(wt, "rev-parse HEAD")
        XCTAssertEqual(git(wt, "log -1 --format='%an <%ae> %s'"), "Tester <t@example.com> add two and b")
        XCTAssertEqual(git(wt, "show --name-only --format= HEAD").split(separator: "\n"), ["a.txt", "b.txt"])
        XCTAssertEqual(git(wt, "status --porcelain"), "")
        let e = try XCTUnwrap(landEvents("c").last)
        XCTAssertEqual(e["key"] as? String, "commit")
        XCTAssertEqual(e["value"] as? String, head)
        XCTAssertTrue((m.read("c/events") ?? "").contains(" land commit \(head.prefix(7)) on hive/c: add two and b (2 files)\n"), m.read("c/events") ?? "")
        XCTAssertEqual(git(repo, "rev-parse main"), git(repo, "rev-parse hive/c~1"), "main is not touched")
        XCTAssertTrue((m.read("c/diff") ?? "").contains("+two\n"), "the diff is against the base: committed work stays in it")
        // Nothing more to commit: refused, and nothing recorded.
        XCTAssertEqual(m.write("c/control", "commit again\n"), ENODATA)
        XCTAssertTrue(refusal("c").hasPrefix("ENODATA commit: nothing to commit"), refusal("c"))
        XCTAssertEqual(git(wt, "rev-parse HEAD"), head)
        XCTAssertEqual(landEvents("c").count, 1)
        XCTAssertEqual(m.write("c/control", "commit\n"), EINVAL, "a message is needed")
    }

    // MARK: merge

    func testMergeFastForwardsTheBaseAndRmdirThenKeepsTheBranch() throws {
        let repo = makeRepo("ff")
        let wt = session("ff", repo: repo, "echo two >> a.txt; git commit -qam two")
        let tip = git(repo, "rev-parse hive/ff")
        XCTAssertEqual(m.write("ff/control", "merge\n"), 0, refusal("ff"))
        XCTAssertEqual(git(repo, "rev-parse main"), tip, "main is fast-forwarded to the session's commit")
        XCTAssertEqual(try String(contentsOfFile: repo + "/a.txt", encoding: .utf8), "one\ntwo\n", "in the main checkout too")
        XCTAssertEqual(git(repo, "status --porcelain"), "")
        let e = try XCTUnwrap(landEvents("ff").last)
        XCTAssertEqual(e["key"] as? String, "merge")
        XCTAssertEqual(e["value"] as? String, tip)
        XCTAssertEqual(e["detail"] as? String, "merge hive/ff into main: fast-forward to \(tip.prefix(7))")
        // Merged again: nothing to merge.
        XCTAssertEqual(m.write("ff/control", "merge\n"), ENODATA)
        XCTAssertTrue(refusal("ff").contains("already in main"), refusal("ff"))
        // Removed: the worktree goes, the branch stays.
        XCTAssertEqual(m.write("ff/control", "kill\n"), 0)
        m.waitState("ff", ["killed"])
        XCTAssertEqual(m.sh("rmdir $MNT/ff").status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: wt))
        XCTAssertEqual(git(repo, "rev-parse hive/ff"), tip)
        XCTAssertFalse(git(repo, "worktree list").contains(wt))
        // Its history entry keeps the diff as it was.
        let entry = try XCTUnwrap(m.sh("ls $MNT/history").out.split(separator: "\n").first { $0.hasPrefix("ff-") })
        XCTAssertTrue((m.read("history/\(entry)/diff") ?? "").contains("+two\n"), m.read("history/\(entry)/diff") ?? "")
    }

    func testMergeMakesAMergeCommitWhenTheBaseMovedAndRefusesUncommittedWork() throws {
        let repo = makeRepo("mc")
        let wt = session("mc", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm b")
        XCTAssertEqual(m.sh("cd \(repo) && echo c > c.txt && git add c.txt && git commit -qm c").status, 0)
        // Uncommitted work in the session's worktree would not go with the merge.
        XCTAssertEqual(m.sh("echo wip > \(wt)/wip.txt").status, 0)
        let before = snapshot(repo)
        XCTAssertEqual(m.write("mc/control", "merge\n"), EAGAIN)
        XCTAssertTrue(refusal("mc").contains("wip.txt") && refusal("mc").contains("commit first"), refusal("mc"))
        XCTAssertEqual(snapshot(repo), before)
        XCTAssertEqual(m.sh("rm \(wt)/wip.txt").status, 0)
        XCTAssertEqual(m.write("mc/control", "merge\n"), 0, refusal("mc"))
        let parents = git(repo, "rev-list --parents -n 1 main").split(separator: " ")
        XCTAssertEqual(parents.count, 3, "a merge commit has two parents")
        XCTAssertEqual(String(parents[2]), git(repo, "rev-parse hive/mc"))
        XCTAssertEqual(git(repo, "log -1 --format=%s main"), "Merge branch 'hive/mc'")
        XCTAssertTrue(FileManager.default.fileExists(atPath: repo + "/b.txt") && FileManager.default.fileExists(atPath: repo + "/c.txt"))
        XCTAssertEqual(git(repo, "status --porcelain"), "")
        XCTAssertEqual(landEvents("mc").last?["value"] as? String, git(repo, "rev-parse main"))
    }

    func testAConflictIsRefusedNamingTheFileAndChangesNothing() {
        let repo = makeRepo("cf")
        let wt = session("cf", repo: repo, "echo theirs > a.txt; git commit -qam theirs")
        XCTAssertEqual(m.sh("cd \(repo) && echo ours > a.txt && git commit -qam ours").status, 0)
        let (main, session) = (snapshot(repo), snapshot(wt))
        XCTAssertEqual(m.write("cf/control", "merge\n"), EAGAIN)
        XCTAssertTrue(refusal("cf").hasPrefix("EAGAIN merge: hive/cf and main conflict in a.txt; nothing was changed"), refusal("cf"))
        XCTAssertEqual(snapshot(repo), main, "main's HEAD, index and files are as they were")
        XCTAssertEqual(snapshot(wt), session, "so is the session's worktree")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/.git/MERGE_HEAD"))
        XCTAssertTrue(landEvents("cf").isEmpty)
    }

    func testMergeIntoADirtyBaseIsRefused() {
        let repo = makeRepo("dirty")
        session("dirty", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm b")
        XCTAssertEqual(m.sh("echo mine >> \(repo)/a.txt").status, 0)
        let (before, tip) = (snapshot(repo), git(repo, "rev-parse hive/dirty"))
        XCTAssertEqual(m.write("dirty/control", "merge\n"), EAGAIN)
        XCTAssertTrue(refusal("dirty").contains("merge into a dirty base refuses") && refusal("dirty").contains("a.txt"), refusal("dirty"))
        XCTAssertEqual(snapshot(repo), before)
        XCTAssertEqual(git(repo, "rev-parse hive/dirty"), tip)
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/b.txt"))
    }

    func testMergeIntoABranchCheckedOutNowhere() throws {
        let repo = makeRepo("rel")
        XCTAssertEqual(m.sh("cd \(repo) && git branch release && git checkout -q release && echo r > r.txt && git add r.txt && git commit -qm r && git checkout -q main").status, 0)
        session("rel", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm b")
        let (main, before) = (git(repo, "rev-parse main"), snapshot(repo))
        XCTAssertEqual(m.write("rel/control", "merge release\n"), 0, refusal("rel"))
        let parents = git(repo, "rev-list --parents -n 1 release").split(separator: " ")
        XCTAssertEqual(parents.count, 3)
        XCTAssertEqual(git(repo, "log -1 --format=%s release"), "Merge branch 'hive/rel' into release")
        XCTAssertEqual(git(repo, "ls-tree --name-only release").split(separator: "\n"), ["a.txt", "b.txt", "r.txt"])
        XCTAssertEqual(git(repo, "rev-parse main"), main)
        XCTAssertEqual(snapshot(repo), before, "the main checkout is untouched")
        XCTAssertTrue((landEvents("rel").last?["detail"] as? String ?? "").hasPrefix("merge hive/rel into release: merge commit "))
        XCTAssertEqual(m.write("rel/control", "merge nowhere\n"), ENOENT)
        XCTAssertEqual(m.write("rel/control", "merge a b\n"), EINVAL)
    }

    func testAMergeCommitIntoTheCheckoutNeedsAnIdentityFirstAndLeavesNoHalfMerge() throws {
        let repo = makeRepo("who")
        session("who", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm b")
        XCTAssertEqual(m.sh("cd \(repo) && echo c > c.txt && git add c.txt && git commit -qm c && git config user.name ''").status, 0)
        let (before, main, tip) = (snapshot(repo), git(repo, "rev-parse main"), git(repo, "rev-parse hive/who"))
        XCTAssertEqual(m.write("who/control", "merge\n"), EINVAL)
        XCTAssertTrue(refusal("who").contains("no identity") && refusal("who").contains("nothing was changed"), refusal("who"))
        XCTAssertEqual(snapshot(repo), before, "main's HEAD, index and files are as they were")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/.git/MERGE_HEAD"), "no merge is left half done")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/b.txt"))
        XCTAssertTrue(landEvents("who").isEmpty)
        // With an identity, main moves to the merge commit made.
        XCTAssertEqual(m.sh("git -C \(repo) config user.name Tester").status, 0)
        XCTAssertEqual(m.write("who/control", "merge\n"), 0, refusal("who"))
        XCTAssertEqual(git(repo, "rev-list --parents -n 1 main"), "\(git(repo, "rev-parse main")) \(main) \(tip)")
        XCTAssertEqual(git(repo, "log -1 --format='%an %s' main"), "Tester Merge branch 'hive/who'")
        XCTAssertEqual(git(repo, "status --porcelain"), "")
        XCTAssertEqual(try String(contentsOfFile: repo + "/b.txt", encoding: .utf8), "b\n")
    }

    func testMergeNeverWritesOverAnIgnoredFileInTheCheckout() throws {
        let repo = makeRepo("ign")
        XCTAssertEqual(m.sh("cd \(repo) && echo .env > .gitignore && git add .gitignore && git commit -qm ignore").status, 0)
        session("ign", repo: repo, "echo theirs > .env; git add -f .env; git commit -qm env")
        XCTAssertEqual(m.sh("echo 'SECRET=mine' > \(repo)/.env").status, 0)
        let (before, tip) = (snapshot(repo), git(repo, "rev-parse hive/ign"))
        XCTAssertEqual(m.write("ign/control", "merge\n"), EAGAIN)
        XCTAssertTrue(refusal("ign").contains("write over .env") && refusal("ign").contains("nothing was changed"), refusal("ign"))
        XCTAssertEqual(try String(contentsOfFile: repo + "/.env", encoding: .utf8), "SECRET=mine\n", "the user's .env is unchanged")
        XCTAssertEqual(snapshot(repo), before)
        XCTAssertEqual(git(repo, "rev-parse hive/ign"), tip)
        XCTAssertTrue(landEvents("ign").isEmpty)
    }

    func testMergeIntoAnotherSessionsWorktreeWaitsForItsAgentAndAGoneWorktreeIsNamed() throws {
        let repo = makeRepo("mw")
        XCTAssertEqual(m.write("control", "new mwp agent=shell dir=\(repo) worktree=yes command=\"sh -c 'while :; do echo tick; sleep 0.1; done'\"\n"), 0)
        m.waitState("mwp", ["working"])
        let pwt = m.status("mwp", "worktree") ?? "/nonexistent"
        session("mwq", repo: repo, "echo q > q.txt; git add q.txt; git commit -qm q")
        let (before, at) = (snapshot(pwt), git(repo, "rev-parse hive/mwp"))
        XCTAssertEqual(m.write("mwq/control", "merge hive/mwp\n"), EBUSY)
        XCTAssertTrue(refusal("mwq").contains("mwp is working") && refusal("mwq").contains("nothing was changed"), refusal("mwq"))
        XCTAssertEqual(snapshot(pwt), before, "nothing changed under the agent")
        XCTAssertEqual(git(repo, "rev-parse hive/mwp"), at)
        XCTAssertFalse(FileManager.default.fileExists(atPath: pwt + "/q.txt"))
        // Once it has ended, the merge goes into its worktree.
        XCTAssertEqual(m.write("mwp/control", "kill\n"), 0)
        m.waitState("mwp", ["killed"])
        XCTAssertEqual(m.write("mwq/control", "merge hive/mwp\n"), 0, refusal("mwq"))
        XCTAssertEqual(git(repo, "rev-parse hive/mwp"), git(repo, "rev-parse hive/mwq"))
        XCTAssertEqual(try String(contentsOfFile: pwt + "/q.txt", encoding: .utf8), "q\n")
        // A branch checked out in a worktree whose folder is gone: said so, nothing changed.
        let gone = m.root + "/gone"
        XCTAssertEqual(m.sh("git -C \(repo) worktree add -q -b feat \(gone) main && rm -rf \(gone)").status, 0)
        let feat = git(repo, "rev-parse feat")
        XCTAssertEqual(m.write("mwq/control", "merge feat\n"), EAGAIN)
        XCTAssertTrue(refusal("mwq").contains("whose folder is gone") && refusal("mwq").contains("git worktree prune"), refusal("mwq"))
        XCTAssertEqual(git(repo, "rev-parse feat"), feat)
        XCTAssertEqual(m.sh("git -C \(repo) worktree prune").status, 0)
    }

    func testAForkMergesWhereItsParentWouldAndDiffsFromTheForkPoint() throws {
        let repo = makeRepo("fp")
        let pwt = session("fp", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm b")
        // The repository's checkout moves to another branch meanwhile.
        XCTAssertEqual(m.sh("git -C \(repo) checkout -q -b other").status, 0)
        XCTAssertEqual(m.write("fp/control", "fork fq\n"), 0, refusal("fp"))
        m.waitState("fq", ["idle"])
        let qwt = try XCTUnwrap(m.status("fq", "worktree"))
        XCTAssertEqual(git(qwt, "rev-parse HEAD"), git(pwt, "rev-parse HEAD"), "made at the parent's HEAD")
        XCTAssertEqual(m.sh("cd \(qwt) && echo q > q.txt && git add q.txt && git commit -qm q").status, 0)
        let diff = try XCTUnwrap(m.read("fq/diff.stat"))
        XCTAssertTrue(diff.contains(" q.txt | 1 +\n") && !diff.contains("b.txt"), "against the fork point: \(diff)")
        XCTAssertEqual(m.write("fq/control", "merge\n"), 0, refusal("fq"))
        XCTAssertEqual(git(repo, "rev-parse main"), git(repo, "rev-parse hive/fq"), "into main, as its parent's merge goes")
        XCTAssertEqual(git(repo, "rev-parse other"), git(repo, "rev-parse main~2"), "not into the branch checked out now")
    }

    // MARK: refusals

    func testVerbsWaitWhileTheAgentWorksAndNeedARepository() {
        let repo = makeRepo("busy")
        let err = m.write("control", "new busy agent=shell dir=\(repo) worktree=yes command=\"sh -c 'echo x > x.txt; while :; do echo tick; sleep 0.1; done'\"\n")
        XCTAssertEqual(err, 0)
        m.waitState("busy", ["working"])
        let wt = m.status("busy", "worktree") ?? ""
        XCTAssertTrue(waitUntil(5) { FileManager.default.fileExists(atPath: wt + "/x.txt") })
        for verb in ["commit x", "merge", "push", "pr title"] {
            XCTAssertEqual(m.write("busy/control", verb + "\n"), EBUSY, verb)
            XCTAssertTrue(refusal("busy").hasPrefix("EBUSY busy is working"), refusal("busy"))
        }
        XCTAssertEqual(git(wt, "status --porcelain"), "?? x.txt", "nothing was committed")
        XCTAssertTrue(landEvents("busy").isEmpty)
        // No repository, or none yet.
        newShell("plain", "sh -c 'echo ready; sleep 600'")
        m.waitState("plain", ["idle"])
        XCTAssertEqual(m.write("plain/control", "commit x\n"), EINVAL)
        XCTAssertTrue(refusal("plain").contains("works in no git repository"), refusal("plain"))
        XCTAssertEqual(m.sh("mkdir $MNT/fresh").status, 0)
        XCTAssertEqual(m.write("fresh/control", "merge\n"), ENOENT)
    }

    // MARK: push and pr

    /// A bare `origin` for `repo`, holding main.
    func origin(_ repo: String) -> String {
        let bare = m.root + "/origin-\(UUID().uuidString.prefix(6)).git"
        XCTAssertEqual(m.sh("git init -q --bare \(bare) && git -C \(repo) remote add origin \(bare) && git -C \(repo) push -q origin main").status, 0)
        return bare
    }

    func testPushToARemoteAndARejectedPushChangesNothingThere() throws {
        let repo = makeRepo("p")
        let bare = origin(repo)
        session("p", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm b")
        let tip = git(repo, "rev-parse hive/p")
        XCTAssertEqual(m.write("p/control", "push\n"), 0, refusal("p"))
        XCTAssertEqual(git(bare, "rev-parse hive/p"), tip)
        XCTAssertEqual(landEvents("p").last?["value"] as? String, tip)
        XCTAssertEqual(landEvents("p").last?["detail"] as? String, "push hive/p to origin at \(tip.prefix(7))")
        // Someone else moves the branch there: the session's push is not a fast-forward.
        let other = m.root + "/other"
        XCTAssertEqual(m.sh("git clone -q \(bare) \(other) && cd \(other) && git checkout -q hive/p && echo o > o.txt && git add o.txt && git -c user.name=O -c user.email=o@example.com commit -qm o && git push -q origin hive/p").status, 0)
        XCTAssertEqual(m.sh("cd \(m.status("p", "worktree") ?? "") && echo c > c.txt && git add c.txt && git commit -qm c").status, 0)
        let theirs = git(bare, "rev-parse hive/p")
        XCTAssertEqual(m.write("p/control", "push origin\n"), EAGAIN)
        XCTAssertTrue(refusal("p").contains("rejected"), refusal("p"))
        XCTAssertEqual(git(bare, "rev-parse hive/p"), theirs, "the remote is unchanged")
        XCTAssertEqual(m.write("p/control", "push nowhere\n"), ENOENT)
        XCTAssertTrue(refusal("p").contains("no remote 'nowhere'"), refusal("p"))
        XCTAssertEqual(landEvents("p").count, 1)
    }

    func testPRNeedsAForgeCLIAndOpensARequestWithIt() throws {
        let repo = makeRepo("pr")
        let bare = origin(repo)
        session("pr", repo: repo, "echo b > b.txt; git add b.txt; git commit -qm \"add b\"")
        XCTAssertEqual(m.write("pr/control", "pr Add b\n"), EOPNOTSUPP)
        XCTAssertTrue(refusal("pr").contains("no forge CLI (gh or glab)"), refusal("pr"))
        XCTAssertThrowsError(try String(contentsOfFile: bare + "/refs/heads/hive/pr", encoding: .utf8), "nothing was pushed")
        // A fake gh: logged out first, then in; it keeps its arguments and prints a URL.
        let gh = m.root + "/bin/gh", args = m.root + "/gh.args"
        try """
            #!/bin/sh
            if [ "$1" = auth ]; then
              [ -f \(m.root)/gh.in ] && exit 0
              echo 'You are not logged into any GitHub hosts. To log in, run: gh auth login' >&2; exit 1
            fi
            for a in "$@"; do printf '%s\\000' "$a"; done > \(args)
            pwd > \(m.root)/gh.cwd
            echo 'Creating pull request for hive/pr into main'
            echo 'https://github.com/o/r/pull/7'

            """.write(toFile: gh, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(gh, 0o755), 0)
        XCTAssertEqual(m.write("pr/control", "pr Add b\n"), EOPNOTSUPP)
        XCTAssertTrue(refusal("pr").contains("gh is not configured") && refusal("pr").contains("not logged into"), refusal("pr"))
        XCTAssertTrue(FileManager.default.createFile(atPath: m.root + "/gh.in", contents: nil))
        XCTAssertEqual(m.write("pr/control", "pr Add b\n"), 0, refusal("pr"))
        let argv = try String(contentsOfFile: args, encoding: .utf8).split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(argv.count, 11, "\(argv)")
        XCTAssertEqual(Array(argv.prefix(4)), ["pr", "create", "--title", "Add b"])
        XCTAssertEqual(argv[4], "--body")
        XCTAssertTrue(argv[5].contains("`pr`") && argv[5].contains(" add b\n"), argv[5])
        XCTAssertEqual(Array(argv[6...9]), ["--head", "hive/pr", "--base", "main"])
        XCTAssertEqual(git(bare, "rev-parse hive/pr"), git(repo, "rev-parse hive/pr"), "pushed first")
        let e = try XCTUnwrap(landEvents("pr").last)
        XCTAssertEqual(e["key"] as? String, "pr")
        XCTAssertEqual(e["value"] as? String, "https://github.com/o/r/pull/7")
        XCTAssertEqual(try String(contentsOfFile: m.root + "/gh.cwd", encoding: .utf8), (m.status("pr", "worktree") ?? "") + "\n")
    }
}

/// Every git hivefs runs for the landing verbs and a fork, logged by a git first on
/// the daemon's PATH: none forces, resets hard or cleans, whatever the verb meets.
final class LandNeverForcesTests: MountedTestCase {
    private var gitLog: String { m.root + "/git.log" }

    override func prepare(_ m: MountFixture) throws {
        try FileManager.default.createDirectory(atPath: m.root + "/bin", withIntermediateDirectories: true)
        let real = m.sh("command -v git").out.trimmingCharacters(in: .whitespacesAndNewlines)
        // One line per call: its arguments, each between < and >.
        try """
            #!/bin/sh
            for a in "$@"; do printf '<%s> ' "$a"; done >> \(gitLog); echo >> \(gitLog)
            exec \(real) "$@"

            """.write(toFile: m.root + "/bin/git", atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(m.root + "/bin/git", 0o755), 0)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        m.environment = m.environment.filter { !$0.hasPrefix("PATH=") } + ["PATH=" + m.root + "/bin:" + path]
    }

    private func session(_ name: String, _ repo: String, _ script: String) -> String {
        let q = "sh -c '\(script); echo ready; sleep 600'".replacingOccurrences(of: "\"", with: "\\\"")
        XCTAssertEqual(m.write("control", "new \(name) agent=shell dir=\(repo) worktree=yes command=\"\(q)\"\n"), 0, m.read("control") ?? "")
        XCTAssertTrue(waitUntil(10) { (self.m.read(name + "/log") ?? "").contains("ready") }, m.read(name + "/log") ?? "")
        m.waitState(name, ["idle"])
        return m.status(name, "worktree") ?? "/nonexistent"
    }

    func testNoVerbEverForcesResetsOrCleans() throws {
        let repo = makeRepo("repo")
        let remote = m.root + "/remote.git"
        XCTAssertEqual(m.sh("git init -q --bare \(remote) && git -C \(repo) remote add origin \(remote) && git -C \(repo) push -q origin main").status, 0)
        // A clean merge, a conflicting one, a dirty base, a rejected push, and a fork.
        _ = session("a", repo, "echo a > a-file.txt; echo a >> a.txt")
        _ = session("b", repo, "echo b >> a.txt")
        XCTAssertEqual(m.write("a/control", "fork a2\n"), 0, m.read("a/control") ?? "")
        XCTAssertTrue(waitUntil(10) { (self.m.read("a2/log") ?? "").contains("ready") }, m.read("a2/log") ?? "")
        m.waitState("a2", ["idle"])
        XCTAssertEqual(m.write("a/control", "commit add a-file\n"), 0, m.read("a/control") ?? "")
        XCTAssertEqual(m.write("b/control", "commit change a\n"), 0, m.read("b/control") ?? "")
        XCTAssertEqual(m.write("a/control", "push\n"), 0, m.read("a/control") ?? "")
        XCTAssertEqual(m.sh("echo dirty >> \(repo)/a.txt").status, 0)
        XCTAssertEqual(m.write("a/control", "merge\n"), EAGAIN, "a dirty base")
        XCTAssertEqual(m.sh("git -C \(repo) checkout -q -- a.txt").status, 0)
        XCTAssertEqual(m.write("a/control", "merge\n"), 0, m.read("a/control") ?? "")
        XCTAssertEqual(m.sh("cd \(repo) && echo other > a.txt && git commit -qam 'main moves'").status, 0)
        XCTAssertEqual(m.write("b/control", "merge\n"), EAGAIN, "a conflict")
        // The remote's branch moves on: a second push from a2 is not a fast-forward.
        XCTAssertEqual(m.write("a2/control", "commit a2's own\n"), 0, m.read("a2/control") ?? "")
        XCTAssertEqual(m.sh("git -C \(repo) push -q origin refs/heads/hive/a:refs/heads/hive/a2").status, 0)
        XCTAssertEqual(m.write("a2/control", "push\n"), EAGAIN, "a rejected push")

        let calls = ((try? String(contentsOfFile: gitLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        XCTAssertTrue(calls.contains { $0.contains("<merge>") } && calls.contains { $0.contains("<push>") }
                      && calls.contains { $0.contains("<commit>") } && calls.contains { $0.contains("<apply>") }, "the log saw the verbs: \(calls.count) calls")
        for call in calls {
            // The daemon's own undo of a worktree it has just made is not a verb's, and did not run here.
            for bad in ["<--force>", "<-f>", "<--hard>", "<clean>", "<--force-with-lease>", "<-D>"] {
                XCTAssertFalse(call.contains(bad), "git run with \(bad): \(call)")
            }
            XCTAssertFalse(call.contains("<reset>"), "git reset: \(call)")
            XCTAssertFalse(call.contains("<push>") && call.contains("<+"), "a forced refspec: \(call)")
        }
    }
}
