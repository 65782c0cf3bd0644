import Foundation
import XCTest

/// States from the terminal, exits and failures, and history.
final class LifecycleTests: MountedTestCase {
    func testWorkingThenIdleThenExitedWithCode() {
        newShell("life", "sh -c 'echo busy; sleep 2; exit 3'", wait: false)
        m.waitState("life", ["working"])
        m.waitState("life", ["idle"])
        m.waitState("life", ["exited"])
        XCTAssertEqual(m.status("life", "exit"), "3")
        XCTAssertEqual(m.status("life", "pid"), "-")
        XCTAssertEqual(m.status("life", "attach"), "-")
        XCTAssertNotEqual(m.status("life", "ended"), "-")
        XCTAssertNotEqual(m.sh("tmux -L \(m.socket) has-session -t =life").status, 0, "its terminal is closed")
        XCTAssertTrue((m.read("life/screen") ?? "").contains("busy") || (m.read("life/log") ?? "").contains("busy"))
    }

    func testScreenShowsTheTerminalNowAndItsSizeIsTrue() {
        newShell("scr", "sh -c 'echo on-the-screen; sleep 60'")
        XCTAssertTrue(waitUntil(5) { (self.m.read("scr/screen") ?? "").contains("on-the-screen") }, m.read("scr/screen") ?? "")
        let r = m.sh("stat -c %s $MNT/scr/screen; cat $MNT/scr/screen | wc -c").out.split(separator: "\n")
        XCTAssertEqual(r.first, r.last, "stat size and read size of screen")
        XCTAssertEqual(m.write("scr/control", "kill\n"), 0)
        XCTAssertTrue((m.read("scr/screen") ?? "").contains("on-the-screen"), "the last screen is kept")
        let after = m.sh("stat -c %s $MNT/scr/screen; cat $MNT/scr/screen | wc -c").out.split(separator: "\n")
        XCTAssertEqual(after.first, after.last)
    }

    func testCommandNotFoundAndBadDirFail() {
        newShell("nf", "no-such-program-hivefs --flag", wait: false)
        m.waitState("nf", ["failed"])
        XCTAssertEqual(m.status("nf", "reason"), "command not found: no-such-program-hivefs")
        XCTAssertEqual(m.status("nf", "exit"), "127")
        XCTAssertEqual(m.write("control", "new bd agent=shell dir=/no/such/dir command=true\n"), 0)
        m.waitState("bd", ["failed"])
        XCTAssertEqual(m.status("bd", "reason"), "bad dir: /no/such/dir: No such file or directory")
        XCTAssertTrue((m.read("events") ?? "").contains("bd "), "root events carry every session's events")
    }

    func testRmdirMovesAnEndedSessionToHistory() throws {
        newShell("old", "sh -c 'echo remember-me; sleep 60'")
        XCTAssertTrue(waitUntil(5) { (self.m.read("old/log") ?? "").contains("remember-me") })
        XCTAssertEqual(m.write("old/control", "kill\n"), 0)
        XCTAssertEqual(m.sh("rmdir $MNT/old").status, 0)
        XCTAssertFalse(m.sh("ls $MNT").out.contains("old"))
        let entries = m.sh("ls $MNT/history").out.split(separator: "\n").map(String.init)
        XCTAssertEqual(entries.count, 1)
        let entry = try XCTUnwrap(entries.first)
        XCTAssertNotNil(entry.range(of: #"^old-\d{8}T\d{6}Z$"#, options: .regularExpression), entry)
        let files = m.sh("ls $MNT/history/\(entry)").out.split(separator: "\n").map(String.init)
        XCTAssertEqual(files, ["agent", "command", "diff", "diff.stat", "dir", "events", "events.jsonl", "files", "git", "git.json", "log",
                               "mode", "model", "permission", "permission.json", "prompt", "queue", "sandbox", "screen", "screen.ansi", "setup", "state",
                               "status", "status.json", "summary", "summary.json", "trust", "worktree"])
        XCTAssertEqual(m.read("history/\(entry)/state"), "killed\n")
        XCTAssertTrue((m.read("history/\(entry)/log") ?? "").contains("remember-me"))
        XCTAssertTrue((m.read("history/\(entry)/events") ?? "").contains(" removed "))
        XCTAssertEqual(m.write("history/\(entry)/state", "x"), EACCES)
        XCTAssertNotEqual(rmdir(m.mnt + "/history/" + entry), 0)
        XCTAssertEqual(m.sh("stat -c %a $MNT/history/\(entry)/status").out.trimmingCharacters(in: .whitespacesAndNewlines), "444")
        // The name is free again.
        newShell("old", "sleep 60")
    }

    func testNewSessionsCanBeRemovedUnstarted() {
        XCTAssertEqual(mkdir(m.mnt + "/never", 0o755), 0)
        XCTAssertEqual(rmdir(m.mnt + "/never"), 0)
        XCTAssertEqual(m.sh("ls $MNT/history").out.split(separator: "\n").count, 1)
    }
}
