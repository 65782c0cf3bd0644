import Foundation
import XCTest

/// The control verbs, each verified by what a user would check afterwards.
final class ControlTests: MountedTestCase {
    /// A tree of three levels: sh → sh → sleep, plus a sleep of the top shell.
    let tree = "sh -c 'sleep 300 & sh -c \"sleep 300 & wait\" & wait'"

    func testPauseStopsEveryProcessAndResumeContinuesThem() {
        // sh, its sleep, the inner sh and its sleep.
        newShell("p", tree)
        guard let pid = m.pid("p") else { return XCTFail("no pid") }
        XCTAssertTrue(waitUntil(5) { processTree(pid).count >= 4 }, "\(processTree(pid))")
        XCTAssertEqual(m.sh("echo pause > $MNT/p/control").status, 0)
        XCTAssertEqual(m.state("p"), "paused")
        let paused = processTree(pid)
        XCTAssertGreaterThanOrEqual(paused.count, 4)
        XCTAssertTrue(paused.keys.allSatisfy(frozen), "every process must be paused when the write returns: \(paused)")
        XCTAssertEqual(m.sh("echo pause > $MNT/p/control").status, 0, "pause is idempotent")
        XCTAssertEqual(m.sh("echo resume > $MNT/p/control").status, 0)
        let resumed = processTree(pid)
        XCTAssertTrue(resumed.keys.allSatisfy { !frozen($0) }, "no process may stay paused: \(resumed)")
        XCTAssertTrue(["working", "idle"].contains(m.state("p")))
        let events = m.read("p/events") ?? ""
        XCTAssertTrue(events.contains(" control pause"), events)
        XCTAssertTrue(events.contains(" state paused"), events)
        XCTAssertTrue(events.contains(" control resume"), events)
    }

    func testPauseCatchesChildrenStartedLater() {
        newShell("loop", "sh -c 'while true; do sleep 0.1; done'")
        guard let pid = m.pid("loop") else { return XCTFail("no pid") }
        XCTAssertEqual(m.write("loop/control", "pause\n"), 0)
        XCTAssertTrue(processTree(pid).keys.allSatisfy(frozen))
        XCTAssertEqual(m.write("loop/control", "resume\n"), 0)
        usleep(300_000)  // the loop starts new sleeps
        XCTAssertEqual(m.write("loop/control", "pause\n"), 0)
        let t = processTree(pid)
        XCTAssertGreaterThanOrEqual(t.count, 2)
        XCTAssertTrue(t.keys.allSatisfy(frozen), "\(t)")
        XCTAssertEqual(m.write("loop/control", "resume\n"), 0)
    }

    func testKillEndsTheWholeTreeEvenWhenTermIsIgnored() {
        newShell("k", "sh -c 'trap \"\" TERM; sleep 300 & sh -c \"trap \\\"\\\" TERM; sleep 300\" & wait'")
        guard let pid = m.pid("k") else { return XCTFail("no pid") }
        XCTAssertTrue(waitUntil(5) { processTree(pid).count >= 4 })
        let pids = Array(processTree(pid).keys)
        let start = Date()
        XCTAssertEqual(m.sh("echo kill > $MNT/k/control").status, 0)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.9, "TERM was ignored, so kill waits its grace period")
        XCTAssertEqual(m.state("k"), "killed")
        for p in pids { XCTAssertFalse(alive(p), "pid \(p) survived kill") }
        XCTAssertNotEqual(m.sh("tmux -L \(m.socket) has-session -t =k").status, 0, "the terminal is closed")
        XCTAssertEqual(m.status("k", "reason"), "kill")
        XCTAssertNotEqual(m.status("k", "ended"), "-")
    }

    func testKillOfAPausedSessionEndsIt() {
        newShell("kp", "sleep 300")
        guard let pid = m.pid("kp") else { return XCTFail("no pid") }
        XCTAssertEqual(m.write("kp/control", "pause\n"), 0)
        XCTAssertEqual(m.write("kp/control", "kill\n"), 0)
        XCTAssertFalse(alive(pid))
        XCTAssertEqual(m.state("kp"), "killed")
    }

    func testSendTypesTextLiterallyAndPressesEnter() {
        let marker = m.root + "/sent-marker"
        newShell("cat", "cat")
        let text = "$(touch \(marker)) \"quoted\" 'single' ; Enter C-c;"
        XCTAssertEqual(m.write("cat/control", "send \(text)\n"), 0)
        // cat echoes the typed line (terminal echo) and prints it back after Enter.
        XCTAssertTrue(waitUntil(5) { (self.m.read("cat/log") ?? "").components(separatedBy: text).count >= 3 }, m.read("cat/log") ?? "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        XCTAssertTrue((m.read("cat/events") ?? "").contains(" control send \(text)"))
    }

    func testKeysAndInterrupt() {
        newShell("keys", "cat")
        XCTAssertEqual(m.write("keys/control", "keys h i Enter\n"), 0)
        XCTAssertTrue(waitUntil(5) { (self.m.read("keys/log") ?? "").contains("hi\r\nhi") }, m.read("keys/log") ?? "")
        XCTAssertEqual(m.write("keys/control", "interrupt\n"), 0)
        m.waitState("keys", ["exited"])
        XCTAssertEqual(m.status("keys", "exit"), "130", "C-c ends cat with SIGINT")
    }

    func testMultiLineWriteIsAllOrNothing() {
        newShell("ml", "sleep 300")
        let before = (m.read("ml/events") ?? "").split(separator: "\n").count
        XCTAssertEqual(m.write("ml/control", "pause\nbogus\n"), EINVAL)
        XCTAssertNotEqual(m.state("ml"), "paused", "no line of a bad write may run")
        XCTAssertEqual(m.write("ml/control", "pause\nsend hi\n"), EBUSY, "send after pause in one write conflicts")
        XCTAssertNotEqual(m.state("ml"), "paused")
        let events = (m.read("ml/events") ?? "").split(separator: "\n")
        XCTAssertEqual(events.count, before + 2, "only the two error events are added: \(events)")
        XCTAssertEqual(m.write("ml/control", "pause\nresume\n"), 0)
        XCTAssertTrue(["working", "idle"].contains(m.state("ml")))
    }

    func testRestartStartsTheCommandAgain() {
        newShell("rs", "sh -c 'echo run-$$; sleep 300'")
        let first = m.pid("rs")
        XCTAssertEqual(m.write("rs/control", "restart\n"), 0)
        m.waitState("rs", ["working", "idle", "starting"])
        XCTAssertNotEqual(m.pid("rs"), first)
        XCTAssertFalse(first.map(alive) ?? true)
        XCTAssertTrue(waitUntil(5) { (self.m.read("rs/log") ?? "").components(separatedBy: "run-").count >= 3 })
        XCTAssertEqual(m.write("rs/control", "kill\n"), 0)
        XCTAssertEqual(m.write("rs/control", "restart\n"), 0, "an ended session can be restarted")
        m.waitState("rs", ["working", "idle", "starting"])
    }

    func testControlWritesRecordTheWritersUid() throws {
        newShell("uid", "sleep 60")
        XCTAssertEqual(m.write("uid/control", "pause\n"), 0)
        let lines = (m.read("uid/events.jsonl") ?? "").split(separator: "\n")
        let control = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .compactMap { $0 }.filter { $0["kind"] as? String == "control" && $0["detail"] as? String == "pause" }
        XCTAssertEqual(control.count, 1)
        XCTAssertEqual((control.first?["uid"] as? NSNumber)?.uint32Value, getuid())
        // events and events.jsonl carry the same events.
        XCTAssertEqual((m.read("uid/events") ?? "").split(separator: "\n").count, lines.count)
    }

    func testAppendRedirectionWorks() {
        newShell("app", "sleep 60")
        XCTAssertEqual(m.sh("echo pause >> $MNT/app/control && printf 'resume' > $MNT/app/control").status, 0)
        XCTAssertTrue(["working", "idle"].contains(m.state("app")))
    }
}
