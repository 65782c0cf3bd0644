import Foundation
import XCTest

/// Worktrees and the `git` file, on real repositories the tests make.
final class GitTests: MountedTestCase {
    func git(_ repo: String, _ args: String) -> String {
        m.sh("git -C \"\(repo)\" \(args)").out
    }

    /// The value of KEY in a session's `git` file.
    func gitValue(_ name: String, _ key: String) -> String? {
        for l in (m.read(name + "/git") ?? "").split(separator: "\n") where l.hasPrefix(key + " ") {
            return String(l.dropFirst(key.count + 1))
        }
        return nil
    }

    func newWorktree(_ name: String, repo: String, command: String, extra: String = "", wait: Bool = true,
                     file: StaticString = #filePath, line: UInt = #line) {
        let q = command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let rq = repo.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let err = m.write("control", "new \(name) agent=shell dir=\"\(rq)\" worktree=yes command=\"\(q)\" \(extra)\n")
        XCTAssertEqual(err, 0, "new \(name): \(m.read("control") ?? "")", file: file, line: line)
        if wait { m.waitState(name, ["starting", "working", "idle"], file: file, line: line) }
    }

    func testTwoSessionsOnOneRepositoryWriteTheSameFileApart() {
        let repo = makeRepo("app")
        newWorktree("left", repo: repo, command: "sh -c 'echo left > same.txt; sleep 300'")
        newWorktree("right", repo: repo, command: "sh -c 'echo right > same.txt; sleep 300'")
        XCTAssertTrue(waitUntil(5) { self.gitValue("left", "untracked") == "1" && self.gitValue("right", "untracked") == "1" },
                      (m.read("left/git") ?? "") + (m.read("right/git") ?? ""))
        let left = m.status("left", "worktree") ?? "", right = m.status("right", "worktree") ?? ""
        XCTAssertEqual(left, m.state + "/worktrees/app/left")
        XCTAssertEqual(right, m.state + "/worktrees/app/right")
        XCTAssertEqual(try? String(contentsOfFile: left + "/same.txt", encoding: .utf8), "left\n")
        XCTAssertEqual(try? String(contentsOfFile: right + "/same.txt", encoding: .utf8), "right\n")
        XCTAssertEqual(m.status("left", "dir"), left, "the agent runs in its worktree")
        XCTAssertEqual(m.status("left", "branch"), "hive/left")
        XCTAssertEqual(git(repo, "status --porcelain"), "", "the main checkout stays clean")
        XCTAssertEqual(git(repo, "branch --format='%(refname:short)'").split(separator: "\n").sorted(), ["hive/left", "hive/right", "main"])
        // One read shows every session.
        let all = m.sh("cat $MNT/*/git").out
        XCTAssertTrue(all.contains("branch hive/left\n") && all.contains("branch hive/right\n"), all)
        XCTAssertEqual(all.components(separatedBy: "?? same.txt\n").count, 3, all)
        XCTAssertTrue((m.read("left/events") ?? "").contains(" worktree hive/left at \(left) from "))
        XCTAssertEqual(m.sh("awk '$1==\"left\" {print $7}' $MNT/status").out, "hive/left\n")
    }

    func testGitShowsChangesAheadBehindTheDiffStatAndCommits() throws {
        let repo = makeRepo("up")
        XCTAssertEqual(m.sh("git init -q --bare \(m.root)/origin.git && git -C \(repo) remote add origin \(m.root)/origin.git && git -C \(repo) push -q origin main").status, 0)
        let script = """
            git branch -q -u origin/main; echo two >> a.txt; git commit -qam 'agent: second line'; \
            echo three >> a.txt; echo s > s.txt; git add s.txt; echo u > u.txt; sleep 300
            """
        newWorktree("up", repo: repo, command: "sh -c \"\(script)\"")
        // The script's end: one commit ahead, one staged, one modified, one untracked.
        XCTAssertTrue(waitUntil(5) {
            ["ahead", "staged", "unstaged", "untracked"].allSatisfy { self.gitValue("up", $0) == "1" }
        }, m.read("up/git") ?? "")
        let text = try XCTUnwrap(m.read("up/git"))
        let head = git(repo, "rev-parse --short=7 hive/up").trimmingCharacters(in: .whitespacesAndNewlines)
        let base = git(repo, "rev-parse --short=7 main").trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(gitValue("up", "branch"), "hive/up")
        XCTAssertEqual(gitValue("up", "head"), head)
        XCTAssertEqual(gitValue("up", "head.subject"), "agent: second line")
        XCTAssertEqual(gitValue("up", "upstream"), "origin/main")
        XCTAssertEqual(gitValue("up", "behind"), "0")
        XCTAssertEqual(gitValue("up", "base"), base)
        XCTAssertEqual(gitValue("up", "base.subject"), "first commit")
        XCTAssertEqual(gitValue("up", "commits"), "1")
        XCTAssertEqual(gitValue("up", "staged"), "1")
        XCTAssertEqual(gitValue("up", "unstaged"), "1")
        XCTAssertEqual(gitValue("up", "conflicted"), "0")
        XCTAssertEqual(gitValue("up", "diff.files"), "2", text)
        XCTAssertEqual(gitValue("up", "diff.insertions"), "3", text)
        XCTAssertEqual(gitValue("up", "diff.deletions"), "0", text)
        XCTAssertTrue(text.hasSuffix(".M a.txt\nA. s.txt\n?? u.txt\n"), text)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((m.read("up/git.json") ?? "").utf8)) as? [String: Any])
        XCTAssertEqual(json["ahead"] as? Int, 1)
        XCTAssertEqual((json["files"] as? [[String: Any]])?.count, 3)
        // The agent's commit is an event.
        XCTAssertTrue((m.read("up/events") ?? "").contains(" git.commit \(head) agent: second line\n"), m.read("up/events") ?? "")
    }

    func testACommitIsAnEventEvenWhenNobodyReadsGit() {
        let repo = makeRepo("quiet")
        newWorktree("q", repo: repo, command: "sh -c 'while [ ! -f go ]; do sleep 0.05; done; echo b > b.txt; git add b.txt; git commit -qm \"made b\"; sleep 300'")
        let wt = m.status("q", "worktree") ?? ""
        XCTAssertTrue(FileManager.default.createFile(atPath: wt + "/go", contents: nil))
        XCTAssertTrue(waitUntil(5) { (self.m.read("q/events") ?? "").contains(" git.commit ") }, (m.read("q/events") ?? "") + (m.read("q/log") ?? "") + m.sh("git -C \(repo) log --oneline --all; ls -la \(wt)").out)
        XCTAssertTrue((m.read("q/events") ?? "").contains(" made b\n"))
        XCTAssertEqual((m.read("q/events") ?? "").components(separatedBy: " git.commit ").count, 2, "told once")
    }

    func testGitFollowsAChangeWhileSomeoneReadsIt() {
        let repo = makeRepo("live")
        newWorktree("l", repo: repo, command: "sh -c 'while [ ! -f go ]; do sleep 0.05; done; echo n > new.txt; sleep 300'")
        XCTAssertTrue(waitUntil(5) { self.gitValue("l", "untracked") == "0" }, m.read("l/git") ?? "")
        let wt = m.status("l", "worktree") ?? ""
        XCTAssertTrue(FileManager.default.createFile(atPath: wt + "/go", contents: nil))
        XCTAssertTrue(waitUntil(5) { self.gitValue("l", "untracked") == "2" }, m.read("l/git") ?? "")  // go and new.txt
        XCTAssertTrue((m.read("l/git") ?? "").contains("?? new.txt\n"))
    }

    func testRemovalKeepsADirtyWorktreeAndRemovesACleanOne() throws {
        let repo = makeRepo("rm")
        newWorktree("dirty", repo: repo, command: "sh -c 'echo wip > wip.txt; sleep 300'")
        newWorktree("clean", repo: repo, command: "sh -c 'echo done > d.txt; git add d.txt; git commit -qm done; sleep 300'")
        XCTAssertTrue(waitUntil(5) { FileManager.default.fileExists(atPath: (self.m.status("dirty", "worktree") ?? "/nope") + "/wip.txt") })
        XCTAssertTrue(waitUntil(5) { self.git(repo, "log --format=%s hive/clean").hasPrefix("done") })
        let dirtyPath = try XCTUnwrap(m.status("dirty", "worktree")), cleanPath = try XCTUnwrap(m.status("clean", "worktree"))
        XCTAssertNotEqual(m.sh("rmdir $MNT/dirty").status, 0, "a live session is not removed")
        for n in ["dirty", "clean"] { XCTAssertEqual(m.write(n + "/control", "kill\n"), 0) }
        XCTAssertEqual(m.sh("rmdir $MNT/dirty $MNT/clean").status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dirtyPath + "/wip.txt"), "uncommitted work is never lost")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cleanPath), "a clean worktree goes")
        let worktrees = git(repo, "worktree list --porcelain")
        XCTAssertTrue(worktrees.contains(dirtyPath) && !worktrees.contains(cleanPath), worktrees)
        XCTAssertEqual(git(repo, "log --format=%s -1 hive/clean"), "done\n", "the branch stays")
        let entries = m.sh("ls $MNT/history").out.split(separator: "\n").map(String.init)
        let dirtyEntry = try XCTUnwrap(entries.first { $0.hasPrefix("dirty-") })
        let cleanEntry = try XCTUnwrap(entries.first { $0.hasPrefix("clean-") })
        XCTAssertTrue((m.read("history/\(dirtyEntry)/events") ?? "").contains(" worktree.kept kept at \(dirtyPath): 1 uncommitted or untracked change"))
        XCTAssertEqual(m.sh("grep '^worktree ' $MNT/history/\(dirtyEntry)/status").out, "worktree \(dirtyPath)\n", "status says where")
        XCTAssertTrue((m.read("history/\(cleanEntry)/events") ?? "").contains(" worktree.removed \(cleanPath) removed; branch hive/clean stays"))
        XCTAssertEqual(m.sh("grep '^worktree ' $MNT/history/\(cleanEntry)/status").out, "worktree -\n")
        XCTAssertTrue((m.read("history/\(dirtyEntry)/git") ?? "").contains("?? wip.txt\n"), "history keeps the last git view")
    }

    func testHiveincludeCopiesIgnoredFilesAndSetupRunsFirst() throws {
        let repo = makeRepo("inc")
        XCTAssertEqual(m.sh("""
            cd \(repo) && printf '.env\\nconfig/local.json\\nbuild/\\n' > .gitignore && printf '.env\\nconfig/*.json\\n' > .hiveinclude \
            && git add .gitignore .hiveinclude && git commit -qm ignore && echo SECRET=1 > .env && mkdir -p config build \
            && echo '{}' > config/local.json && echo big > build/out.bin
            """).status, 0)
        newWorktree("inc", repo: repo, command: "sh -c 'test -f .ready && echo saw-ready; sleep 300'",
                    extra: "setup=\"sh -c 'echo setting up; touch .ready'\"")
        let wt = try XCTUnwrap(m.status("inc", "worktree"))
        XCTAssertTrue(waitUntil(5) { (self.m.read("inc/log") ?? "").contains("saw-ready") }, m.read("inc/log") ?? "")
        XCTAssertTrue((m.read("inc/log") ?? "").contains("setting up"), "setup's output is in the log")
        XCTAssertEqual(try String(contentsOfFile: wt + "/.env", encoding: .utf8), "SECRET=1\n")
        XCTAssertEqual(try String(contentsOfFile: wt + "/config/local.json", encoding: .utf8), "{}\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: wt + "/build/out.bin"), "only what .hiveinclude names")
        XCTAssertTrue((m.read("inc/events") ?? "").contains("; 2 files copied from .hiveinclude\n"))
        XCTAssertNotEqual(m.status("inc", "pid"), "-")
    }

    func testTheSummaryCountsCommitsAndTheDiff() throws {
        let repo = makeRepo("sum")
        newWorktree("sum", repo: repo, command: "sh -c 'echo b > b.txt; git add b.txt; git commit -qm \"add b\"; echo c >> a.txt; git commit -qam \"grow a\"; echo d >> a.txt; exit 0'", wait: false)
        m.waitState("sum", ["exited"])
        XCTAssertTrue(waitUntil(3) { self.m.read("sum/summary") != nil }, "written as it ends")
        let text = try XCTUnwrap(m.read("sum/summary"))
        XCTAssertTrue(text.contains("how exit 0\n"), text)
        XCTAssertTrue(text.contains("commits 2\n"), text)
        XCTAssertTrue(text.contains("diff.files 2\ndiff.insertions 3\ndiff.deletions 0\n"), text)
        let hashes = git(repo, "log --reverse --format=%h main..hive/sum").split(separator: "\n")
        XCTAssertEqual(hashes.count, 2)
        XCTAssertTrue(text.hasSuffix("commit \(hashes[0]) add b\ncommit \(hashes[1]) grow a\n"), text)
        XCTAssertTrue(text.contains("branch hive/sum\n"))
        XCTAssertEqual(m.sh("rmdir $MNT/sum").status, 0)
        let entry = try XCTUnwrap(m.sh("ls $MNT/history").out.split(separator: "\n").first.map(String.init))
        XCTAssertEqual(m.read("history/\(entry)/summary"), text, "history keeps the summary")
    }

    func testAFailingSetupFailsTheSessionWithTheReason() {
        let repo = makeRepo("badsetup")
        newWorktree("bs", repo: repo, command: "sleep 300", extra: "setup=\"sh -c 'echo broken; exit 3'\"", wait: false)
        m.waitState("bs", ["failed"])
        XCTAssertEqual(m.status("bs", "reason"), "setup failed: sh -c 'echo broken; exit 3' exited 3")
        XCTAssertTrue((m.read("bs/log") ?? "").contains("broken"))
    }

    func testBadPlacesAndBranchesGetClearOutcomes() {
        let repo = makeRepo("bad")
        // Not a repository.
        XCTAssertEqual(mkdir(m.root + "/plain", 0o755), 0)
        newWorktree("plain", repo: m.root + "/plain", command: "sleep 300", wait: false)
        m.waitState("plain", ["failed"])
        XCTAssertEqual(m.status("plain", "reason"), "worktree=yes: \(m.root)/plain is not in a git repository")
        // A branch that exists.
        XCTAssertEqual(m.sh("git -C \(repo) branch hive/taken").status, 0)
        newWorktree("taken", repo: repo, command: "sleep 300", wait: false)
        m.waitState("taken", ["failed"])
        XCTAssertTrue((m.status("taken", "reason") ?? "").contains("branch hive/taken exists"), m.status("taken", "reason") ?? "")
        // A bare repository.
        XCTAssertEqual(m.sh("git init -q --bare \(m.root)/bare.git").status, 0)
        newWorktree("bare", repo: m.root + "/bare.git", command: "sleep 300", wait: false)
        m.waitState("bare", ["failed"])
        XCTAssertTrue((m.status("bare", "reason") ?? "").contains("is a bare repository"))
        // No commit yet.
        XCTAssertEqual(m.sh("git init -q \(m.root)/empty").status, 0)
        newWorktree("empty", repo: m.root + "/empty", command: "sleep 300", wait: false)
        m.waitState("empty", ["failed"])
        XCTAssertTrue((m.status("empty", "reason") ?? "").contains("has no commit yet"))
        // A name git refuses is refused when written, and nothing is made.
        XCTAssertEqual(m.write("control", "new nope agent=shell dir=\(repo) worktree=a..b command=true\n"), EINVAL)
        XCTAssertFalse(m.sh("ls $MNT").out.contains("nope"))
        // A path that exists is never written over.
        XCTAssertEqual(m.sh("mkdir -p \(m.state)/worktrees/bad/occupied && echo mine > \(m.state)/worktrees/bad/occupied/f").status, 0)
        newWorktree("occupied", repo: repo, command: "sleep 300", wait: false)
        m.waitState("occupied", ["failed"])
        XCTAssertTrue((m.status("occupied", "reason") ?? "").contains("exists; hivefs never writes over it"))
        XCTAssertEqual(try? String(contentsOfFile: m.state + "/worktrees/bad/occupied/f", encoding: .utf8), "mine\n")
        XCTAssertEqual(git(repo, "branch --list hive/occupied"), "", "no half-made branch")
    }

    func testADetachedHeadAndAPathWithSpacesAndQuotesWork() throws {
        let repo = makeRepo("it's my repo")
        XCTAssertEqual(m.sh("cd \"\(repo)\" && echo two >> a.txt && git commit -qam second && git checkout -q --detach HEAD~1").status, 0)
        let base = git(repo, "rev-parse --short=7 HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(mkdir(repo + "/sub dir", 0o755), 0)
        newWorktree("det", repo: repo + "/sub dir", command: "sh -c 'pwd > where.txt; sleep 300'")
        let wt = try XCTUnwrap(m.status("det", "worktree"))
        XCTAssertEqual(wt, m.state + "/worktrees/it's my repo/det")
        XCTAssertTrue(waitUntil(5) { FileManager.default.fileExists(atPath: wt + "/sub dir/where.txt") },
                      "the agent runs in the same subfolder of its worktree")
        XCTAssertTrue(waitUntil(5) { self.gitValue("det", "base") == base }, m.read("det/git") ?? "")
        XCTAssertEqual(gitValue("det", "branch"), "hive/det")
    }

    func testTheGitFileOfAFolderOutsideAnyRepositorySaysSo() {
        XCTAssertEqual(mkdir(m.root + "/nogit", 0o755), 0)
        XCTAssertEqual(m.write("control", "new ng agent=shell dir=\(m.root)/nogit command=\"sleep 300\"\n"), 0)
        m.waitState("ng", ["starting", "working", "idle"])
        XCTAssertTrue(waitUntil(3) { self.gitValue("ng", "error") == "not a git repository: \(self.m.root)/nogit" }, m.read("ng/git") ?? "")
        XCTAssertEqual(gitValue("ng", "branch"), "-")
        XCTAssertEqual(m.status("ng", "worktree"), "-")
    }

    func testASessionInARepositoryWithoutAWorktreeShowsItsBranchAndChanges() {
        let repo = makeRepo("inplace")
        XCTAssertEqual(m.write("control", "new ip agent=shell dir=\(repo) command=\"sh -c 'echo x >> a.txt; sleep 300'\"\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.gitValue("ip", "unstaged") == "1" }, m.read("ip/git") ?? "")
        XCTAssertEqual(gitValue("ip", "branch"), "main")
        XCTAssertEqual(gitValue("ip", "worktree"), repo)
        XCTAssertEqual(gitValue("ip", "commits"), "0")
        XCTAssertEqual(gitValue("ip", "diff.insertions"), "1")
        XCTAssertEqual(m.status("ip", "branch"), "main")
    }

    func testTheSummaryOfASessionWithoutAWorktreeNamesItsBranch() throws {
        let repo = makeRepo("inplacesum")
        XCTAssertEqual(m.write("control", "new ips agent=shell dir=\(repo) command=\"sh -c 'echo x >> a.txt; exit 0'\"\n"), 0)
        m.waitState("ips", ["exited"])
        XCTAssertTrue(waitUntil(3) { self.m.read("ips/summary") != nil }, "written as it ends")
        let text = try XCTUnwrap(m.read("ips/summary"))
        XCTAssertTrue(text.contains("branch main\n"), "summary and status agree on the branch: \(text)")
        // summary.json is written just after summary.
        XCTAssertTrue(waitUntil(3) { (self.m.read("ips/summary.json") ?? "").contains("\"branch\":\"main\"") },
                      m.read("ips/summary.json") ?? "")
    }
}
