import Foundation
import XCTest

/// The flow from a task to merged work with the real Claude Code, through files only
/// (README, "From task to merge"): a task dropped into spool/ becomes a session; it
/// is forked, fed two queued prompts, its diff read, and merged into main; every
/// refusal on the way leaves the work as it was.
final class RealTaskToMergeTests: RealClaudeTestCase {
    private func head(_ ref: String) -> String { m.sh("git -C \(work) rev-parse \(ref)").out.trimmingCharacters(in: .whitespacesAndNewlines) }

    func testATaskFromTheSpoolIsForkedQueuedReviewedAndMerged() throws {
        XCTAssertEqual(m.sh("cd \(work) && git init -q -b main && git config user.email ana@example.com && git config user.name Ana "
                            + "&& printf '# Proj\\n' > README.md && git add -A && git commit -qm 'Add login'").status, 0)
        let task = m.root + "/logout.task"
        try ("new logout agent=claude dir=\(work) worktree=yes mode=acceptEdits prompt=\"Add a logout function "
             + "[[write src/logout.swift func logout() {}\\n]] [[say Added logout.]]\"\n").write(toFile: task, atomically: true, encoding: .utf8)
        XCTAssertEqual(m.sh("cp \(task) $MNT/spool/").status, 0)
        XCTAssertTrue(waitUntil(10) { self.m.read("spool/done/logout.task.result") == "1 ok logout\n" }, m.sh("ls -R $MNT/spool").out)
        XCTAssertTrue(waitUntil(60) { self.kinds("logout", ["idle"]) == ["idle Added logout."] && self.m.state("logout") == "idle" }, evidence("logout"))

        // A second approach from the same point.
        XCTAssertEqual(m.write("logout/control", "fork menu prompt=\"As a menu item [[edit README.md \\\"# Proj\\\" \\\"# Proj (menu)\\\"]] "
                               + "[[say Added the menu item.]]\"\n"), 0, m.read("logout/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.kinds("menu", ["idle"]) == ["idle Added the menu item."] }, evidence("menu"))
        let menu = try XCTUnwrap(m.status("menu", "worktree"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: menu + "/src/logout.swift"), "the parent's uncommitted file came along")

        // Two queued prompts, one a turn; merge is refused while it works.
        // printf, not sh's echo, which would make the "\\n" a second line, and so a second prompt.
        XCTAssertEqual(m.sh("printf '%s\\n' 'Add a test [[write Tests/LogoutTests.swift func testLogout() {}\\n]] [[slow 600]] [[say Added a test.]]' >> $MNT/logout/queue").status, 0)
        XCTAssertEqual(m.sh("echo 'Mention it [[edit README.md \"# Proj\" \"# Proj (logout)\"]] [[say Updated the README.]]' >> $MNT/logout/queue").status, 0)
        m.waitState("logout", ["working"], timeout: 20)
        XCTAssertEqual(m.write("logout/control", "merge\n"), EBUSY)
        XCTAssertTrue(waitUntil(60) { self.kinds("logout", ["idle"]).count == 3 && self.m.state("logout") == "idle" }, evidence("logout"))
        XCTAssertEqual(kinds("logout", ["queue.sent"]).count, 2, evidence("logout"))
        XCTAssertEqual(m.read("logout/queue"), "")

        // Its diff, for review: every change since its base, uncommitted ones too.
        let stat = m.read("logout/diff.stat") ?? ""
        XCTAssertTrue(stat.contains("README.md") && stat.contains("Tests/LogoutTests.swift") && stat.contains("src/logout.swift")
                      && stat.contains("3 files changed"), stat + evidence("logout"))
        XCTAssertTrue((m.read("logout/diff") ?? "").contains("+# Proj (logout)"), m.read("logout/diff") ?? "")

        // Refusals that protect the work: uncommitted work, a dirty main checkout.
        let mainBefore = head("main")
        XCTAssertEqual(m.write("logout/control", "merge\n"), EAGAIN)
        XCTAssertEqual(m.write("logout/control", "commit Add logout, with a test\n"), 0, m.read("logout/control") ?? "")
        XCTAssertEqual(m.sh("echo '// wip' >> \(work)/README.md").status, 0)
        XCTAssertEqual(m.write("logout/control", "merge\n"), EAGAIN)
        XCTAssertEqual(head("main"), mainBefore)
        XCTAssertEqual(m.sh("git -C \(work) diff --stat").out.contains("README.md"), true, "the user's own change is still there")
        XCTAssertEqual(m.sh("git -C \(work) checkout -- README.md").status, 0)
        XCTAssertEqual(m.write("logout/control", "merge\n"), 0, m.read("logout/control") ?? "")
        XCTAssertEqual(head("main"), head("hive/logout"), "a fast-forward")
        XCTAssertEqual(m.sh("git -C \(work) show main:README.md").out, "# Proj (logout)\n")

        // The fork's README conflicts with main now: refused, naming it, nothing changed.
        XCTAssertEqual(m.write("menu/control", "commit Log out from the menu\n"), 0, m.read("menu/control") ?? "")
        let menuHead = head("hive/menu"), mainNow = head("main")
        XCTAssertEqual(m.write("menu/control", "merge\n"), EAGAIN)
        XCTAssertTrue((m.read("menu/control") ?? "").contains("conflict in README.md"), m.read("menu/control") ?? "")
        XCTAssertEqual(head("main"), mainNow)
        XCTAssertEqual(head("hive/menu"), menuHead)
        XCTAssertEqual(m.sh("git -C \(work) status --porcelain").out, "")
        XCTAssertEqual(m.sh("git -C \(menu) status --porcelain").out, "")

        // Merged, it is removed whole; its branch stays.
        XCTAssertEqual(m.write("logout/control", "kill\n"), 0)
        m.waitState("logout", ["killed"], timeout: 20)
        XCTAssertEqual(rmdir(m.mnt + "/logout"), 0)
        XCTAssertEqual(head("hive/logout"), head("main"))
    }
}
