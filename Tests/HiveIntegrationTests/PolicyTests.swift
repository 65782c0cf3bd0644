import Foundation
import XCTest

/// Policies that end a session by themselves.
final class PolicyTests: MountedTestCase {
    func testAnIdleTimeoutEndsAnIdleSessionOnly() {
        newShell("sleepy", "sleep 300")
        newShell("busy", "sh -c 'while true; do echo tick; sleep 0.1; done'")
        newShell("frozen", "sleep 300")
        m.waitState("sleepy", ["idle"])
        m.waitState("frozen", ["idle"])
        XCTAssertEqual(m.write("frozen/control", "pause\n"), 0)
        for n in ["sleepy", "busy", "frozen"] { XCTAssertEqual(m.write(n + "/control", "idle-timeout 1s\n"), 0) }
        XCTAssertEqual(m.status("sleepy", "idle-timeout"), "1")
        m.waitState("sleepy", ["killed"], timeout: 5)
        XCTAssertEqual(m.status("sleepy", "reason"), "idle-timeout")
        XCTAssertTrue((m.read("sleepy/events") ?? "").contains(" policy idle-timeout fired: idle for 1s\n"), m.read("sleepy/events") ?? "")
        sleep(2)
        XCTAssertEqual(m.state("busy"), "working", "a session that keeps working is never reaped")
        XCTAssertEqual(m.state("frozen"), "paused", "time paused does not count")
        XCTAssertEqual(m.status("busy", "idle-timeout.left"), "-")
        XCTAssertEqual(m.write("busy/control", "idle-timeout off\n"), 0)
        XCTAssertEqual(m.status("busy", "idle-timeout"), "-")
    }

    func testBadTimeoutsAreRefused() {
        newShell("t", "sleep 300")
        XCTAssertEqual(m.write("t/control", "idle-timeout 0\n"), ERANGE)
        XCTAssertEqual(m.write("t/control", "idle-timeout -5m\n"), EINVAL)
        XCTAssertEqual(m.write("t/control", "idle-timeout 99999999999d\n"), ERANGE)
        XCTAssertEqual(m.write("t/control", "idle-timeout soon\n"), EINVAL)
        XCTAssertEqual(m.status("t", "idle-timeout"), "-", "nothing changed")
    }
}
