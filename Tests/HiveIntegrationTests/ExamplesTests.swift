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
