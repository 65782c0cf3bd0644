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
