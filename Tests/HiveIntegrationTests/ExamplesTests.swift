import Foundation
import XCTest

/// The scripts in contrib/examples run as written, against a real mount.
final class ExamplesTests: MountedTestCase {
    private func example(_ name: String) -> String { MountFixture.repoFile("contrib/examples/" + name) }

    func testNextTaskWaitsForIdleThenSends() {
        newShell("agent", "sh -c 'echo working; sleep 1; cat'")
        let r = m.sh("HIVE_MOUNT=$MNT '\(example("next-task"))' agent 'Now add tests'")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "next-task: sent to agent\n")
        XCTAssertTrue(waitUntil(5) { (self.m.read("agent/screen") ?? "").contains("Now add tests\nNow add tests") },
                      "typed, then echoed by cat: \(m.read("agent/screen") ?? "")")
        XCTAssertTrue((m.read("agent/events") ?? "").contains(" control send Now add tests\n"))
    }

    func testNextTaskSaysSoWhenTheSessionHasEnded() {
        newShell("done", "true", wait: false)
        m.waitState("done", ["exited"])
        let r = m.sh("HIVE_MOUNT=$MNT '\(example("next-task"))' done 'too late'")
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.err, "next-task: done has exited; not sent\n")
        XCTAssertEqual(m.sh("HIVE_MOUNT=$MNT '\(example("next-task"))' nosuch 'x'").status, 1)
        XCTAssertEqual(m.sh("'\(example("next-task"))' onlyname").status, 2)
    }

    func testReapIdleKillsOnlyWhatHasBeenIdleTooLong() {
        newShell("quiet", "sleep 300")
        newShell("busy", "sh -c 'while :; do echo tick; sleep 0.1; done'")
        m.waitState("quiet", ["idle"])
        XCTAssertTrue(waitUntil(10) { Int(self.m.status("quiet", "idle") ?? "") ?? 0 >= 2 })
        XCTAssertEqual(m.sh("HIVE_MOUNT=$MNT '\(example("reap-idle"))' 3600").out, "", "nothing idle that long")
        let r = m.sh("HIVE_MOUNT=$MNT '\(example("reap-idle"))' 1")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, "reap-idle: killed quiet\n")
        m.waitState("quiet", ["killed"])
        XCTAssertEqual(m.state("busy"), "working")
    }

    func testTmuxStatusCountsTheRunningSessionsByState() {
        let script = example("tmux-status")
        XCTAssertEqual(m.sh("HIVE_MOUNT=$MNT '\(script)'").out, "hive -\n")
        newShell("a", "sleep 300")
        newShell("b", "sleep 300")
        newShell("c", "sh -c 'while :; do echo tick; sleep 0.1; done'")
        newShell("d", "true", wait: false)
        m.waitState("d", ["exited"])
        XCTAssertTrue(waitUntil(10) { ["a", "b"].allSatisfy { self.m.state($0) == "idle" } && self.m.state("c") == "working" })
        XCTAssertEqual(m.sh("HIVE_MOUNT=$MNT '\(script)'").out, "hive 1 working · 2 idle\n", "ended sessions are left out")
        XCTAssertEqual(m.sh("HIVE_MOUNT=\(m.root)/nothing-here '\(script)'").out, "", "nothing when nothing is mounted")
    }
}

/// contrib/examples/nightly-report, over real history entries of a Claude Code
/// session (tokens and cost known) and a shell session (neither).
final class NightlyReportTests: ClaudeTestCase {
    func testReportsWhatEachRemovedSessionSpentAndTheTotal() throws {
        let script = MountFixture.repoFile("contrib/examples/nightly-report")
        XCTAssertTrue(m.sh("HIVE_MOUNT=$MNT '\(script)'").out.hasPrefix("hivefs: 0 sessions removed to history in the last 24h"))
        newClaude("review", turns: [[["say": "Looked.", "usage": ["input_tokens": 30, "output_tokens": 1200]]]])
        waitReport("review", "idle")
        XCTAssertTrue(waitUntil(10) { self.m.status("review", "tokens.output") == "1200" }, m.read("review/status") ?? "")
        let cost = try XCTUnwrap(m.status("review", "cost.usd"))
        XCTAssertEqual(m.write("control", "new build agent=shell dir=\(m.root) command=\"sleep 300\"\n"), 0)
        m.waitState("build", ["working", "idle"])
        XCTAssertEqual(m.write("control", "new still agent=shell dir=\(m.root) command=\"sleep 300\"\n"), 0)
        for name in ["review", "build"] {
            XCTAssertEqual(m.write("\(name)/control", "kill\n"), 0)
            m.waitState(name, ["killed"])
            XCTAssertEqual(m.sh("rmdir $MNT/\(name)").status, 0)
        }
        // An entry removed long ago, as the state directory keeps it.
        let old = m.state + "/history/ancient-20200101T000000Z"
        try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
        try "name ancient\nstate killed\nagent claude\ntokens.input 1\ntokens.output 2\ncost.usd 9.0000\n"
            .write(toFile: old + "/status", atomically: false, encoding: .utf8)

        let r = m.sh("HIVE_MOUNT=$MNT '\(script)'")
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("hivefs: 2 sessions removed to history in the last 24h (since ") == true, r.out)
        let words = lines.dropFirst().map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(words.first, ["SESSION", "STATE", "AGENT", "TOKENS", "COST"])
        let review = words.first { $0.first?.hasPrefix("review-") == true }
        XCTAssertEqual(review.map { Array($0.dropFirst()) }, ["killed", "claude", "1230", cost], r.out)
        let build = words.first { $0.first?.hasPrefix("build-") == true }
        XCTAssertEqual(build.map { Array($0.dropFirst()) }, ["killed", "shell", "-", "-"], r.out)
        XCTAssertEqual(words.first { $0.first == "total" }, ["total", "1230", cost], r.out)
        XCTAssertEqual(lines.last, "(1 without a known cost)")
        XCTAssertFalse(r.out.contains("still"), "a live session is not in history")
        XCTAssertFalse(r.out.contains("ancient"), "removed before the last 24h")

        let all = m.sh("HIVE_MOUNT=$MNT '\(script)' 3000d")
        XCTAssertTrue(all.out.contains("ancient-20200101T000000Z"), all.out)
        XCTAssertTrue(all.out.hasPrefix("hivefs: 3 sessions"), all.out)
        XCTAssertEqual(m.sh("HIVE_MOUNT=$MNT '\(script)' soon").status, 2)
        XCTAssertEqual(m.sh("HIVE_MOUNT=\(m.root)/nothing '\(script)'").status, 1)
    }
}

/// contrib/examples/tasks-to-merge: a folder of task files goes in through spool/ as
/// sessions; those whose work passes the repository's tests are committed and merged,
/// the others left for a person.
final class TasksToMergeTests: MountedTestCase {
    private var script: String { MountFixture.repoFile("contrib/examples/tasks-to-merge") }

    func testTasksBecomeSessionsAndOnlyThosePassingTheTestsAreMerged() throws {
        let repo = makeRepo("repo")
        // The repository's tests: every done-*.txt must say "good".
        XCTAssertEqual(m.sh("""
            cd \(repo) && printf 'test:\\n\\t@for f in done-*.txt; do grep -qx good $$f || { echo "$$f is not good"; exit 1; }; done\\n' > Makefile \
            && git add Makefile && git commit -qm 'tests'
            """).status, 0)
        let tasks = m.root + "/tasks"
        try FileManager.default.createDirectory(atPath: tasks, withIntermediateDirectories: true)
        // A shell is the agent: each task's text is the command it types.
        try "echo good > done-good.txt\n".write(toFile: tasks + "/good.md", atomically: true, encoding: .utf8)
        try "echo broken > done-bad.txt\n".write(toFile: tasks + "/bad.md", atomically: true, encoding: .utf8)

        let start = m.sh("HIVE_MOUNT=$MNT '\(script)' start \(tasks) \(repo) agent=shell command=bash")
        XCTAssertEqual(start.status, 0, start.err)
        XCTAssertEqual(start.out, "1 ok bad\n2 ok good\n", "the spool's result, line by line")
        for name in ["bad", "good"] {
            XCTAssertTrue(waitUntil(15) { FileManager.default.fileExists(atPath: (self.m.status(name, "worktree") ?? "-") + "/done-\(name).txt") },
                          m.read(name + "/events") ?? "")
            m.waitState(name, ["idle"], timeout: 15)
        }
        let again = m.sh("HIVE_MOUNT=$MNT '\(script)' start \(tasks) \(repo) agent=shell command=bash")
        XCTAssertEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("bad: started before; skipped") && again.err.contains("no task to start"), again.err)

        let mainBefore = m.sh("git -C \(repo) rev-parse main").out
        let land = m.sh("HIVE_MOUNT=$MNT '\(script)' land \(tasks)")
        XCTAssertEqual(land.status, 1, "a task was left for a person: \(land.out) \(land.err)")
        XCTAssertTrue(land.out.contains("bad: make test failed; left for review:"), land.out)
        XCTAssertTrue(land.out.contains("done-bad.txt is not good"), land.out)
        XCTAssertTrue(land.out.contains("good: merged: "), land.out)
        // main has the good task's work, committed as the task; the bad one's is only on its branch.
        XCTAssertEqual(m.sh("git -C \(repo) log -1 --format=%s main").out, "task good\n")
        XCTAssertEqual(m.sh("git -C \(repo) show main:done-good.txt").out, "good\n")
        XCTAssertNotEqual(m.sh("git -C \(repo) show main:done-bad.txt").status, 0)
        XCTAssertEqual(m.sh("git -C \(repo) rev-parse main~1").out, mainBefore, "a fast-forward over main as it was")
        XCTAssertEqual(m.sh("git -C \(repo) status --porcelain").out, "", "the main checkout is clean, and at main")
        XCTAssertEqual(try String(contentsOfFile: repo + "/done-good.txt", encoding: .utf8), "good\n")
        XCTAssertEqual(m.state("bad"), "idle", "left as it was")
        XCTAssertEqual(m.sh("git -C \(m.status("bad", "worktree") ?? "-") status --porcelain").out, "?? done-bad.txt\n")
    }
}
