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

/// `[on]` commands from the config file, run on state changes.
final class NotifyTests: MountedTestCase {
    var out: String { m.root + "/on.out" }

    override func prepare(_ m: MountFixture) throws {
        let config = """
            on-timeout = 2
            [on]
            killed = "env | grep '^HIVE_' | sort >> '\(m.root)/on.out'; echo --- >> '\(m.root)/on.out'"
            exited = "sleep 60"
            failed = "echo broken >&2; exit 3"
            """
        try config.write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
    }

    func testACommandRunsOncePerTransitionWithTheSessionInItsEnvironment() throws {
        newShell("n1", "sleep 300")
        XCTAssertEqual(m.write("n1/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { ((try? String(contentsOfFile: self.out, encoding: .utf8)) ?? "").contains("---") })
        usleep(300_000)
        let got = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(got, """
            HIVE_MOUNT=\(m.mnt)
            HIVE_PREVIOUS=idle
            HIVE_REASON=kill
            HIVE_SESSION=n1
            HIVE_STATE=killed
            ---

            """)
        // A command that hangs or fails is cut off and logged; the daemon goes on.
        newShell("n2", "true", wait: false)
        m.waitState("n2", ["exited"])
        XCTAssertEqual(m.write("control", "new n3 agent=shell command=no-such-command-x\n"), 0)
        m.waitState("n3", ["failed"])
        XCTAssertTrue(waitUntil(5) { self.m.daemonLog.contains("[on] exited for n2: 'sleep 60' was killed after 2 s") }, m.daemonLog)
        XCTAssertTrue(waitUntil(5) { self.m.daemonLog.contains("[on] failed for n3: 'echo broken >&2; exit 3' exited 3: broken") }, m.daemonLog)
        newShell("n4", "sleep 300")
    }
}

/// A config file with a key hivefs does not know is refused at mount, naming it.
final class ConfigTests: XCTestCase {
    func testUnknownKeysAndWrongTypesAreRefusedAtMount() throws {
        let m = try MountFixture()
        defer { m.tearDown() }
        for (text, says) in [("quiet_after = 3\n", "unknown key 'quiet_after'"),
                             ("[on]\nwaitng = \"true\"\n", "unknown key 'waitng' in [on]"),
                             ("kill-grace = \"soon\"\n", "kill-grace"),
                             ("idle-timeout = \"0\"\n", "idle-timeout")] {
            try text.write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
            let r = m.sh("'\(MountFixture.binary)' mount \(m.mnt) --state \(m.state) --socket \(m.socket) --config \(m.root)/none.toml")
            XCTAssertNotEqual(r.status, 0, text)
            XCTAssertTrue(r.err.contains(says), "\(text): \(r.err)")
            XCTAssertFalse(m.isMounted)
        }
    }
}

/// `prune-history`: the only way anything is deleted.
final class PruneHistoryTests: MountedTestCase {
    func testPruneDeletesOnlyEntriesOlderThanAsked() throws {
        for n in ["p1", "p2"] {
            newShell(n, "sleep 300")
            XCTAssertEqual(m.write(n + "/control", "kill\n"), 0)
            XCTAssertEqual(rmdir(m.mnt + "/" + n), 0)
        }
        XCTAssertEqual(m.sh("ls $MNT/history").out.split(separator: "\n").count, 2)
        // History survives the daemon.
        let entry = m.sh("ls $MNT/history").out.split(separator: "\n").first.map(String.init) ?? ""
        let kept = m.read("history/\(entry)/summary")
        XCTAssertNotNil(kept)
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.read("history/\(entry)/summary"), kept)
        XCTAssertEqual(m.write("control", "prune-history older-than=1d\n"), 0)
        XCTAssertEqual(m.sh("ls $MNT/history").out.split(separator: "\n").count, 2, "nothing that young goes")
        sleep(2)
        XCTAssertEqual(m.write("control", "prune-history older-than=1s\n"), 0)
        XCTAssertEqual(m.sh("ls $MNT/history").out, "")
        let events = m.read("events") ?? ""
        XCTAssertEqual(events.components(separatedBy: " history.pruned p").count, 3, events)
        XCTAssertTrue(events.contains(" history.pruned 2 entries removed more than 1s ago\n"), events)
        XCTAssertTrue(events.contains(" history.pruned 0 entries removed more than 86400s ago\n"), events)
        XCTAssertEqual(m.write("control", "prune-history\n"), EINVAL)
        XCTAssertEqual(m.write("control", "prune-history older-than=0\n"), ERANGE)
        XCTAssertEqual(m.write("control", "prune-history older-than=soon\n"), EINVAL)
    }
}

/// `restore = true`: sessions lost while hivefs was down start again at mount.
final class RestoreTests: MountedTestCase {
    override func prepare(_ m: MountFixture) throws {
        try "restore = true\n".write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
    }

    func testLostSessionsStartAgainInTheSamePlace() {
        newShell("back", "sh -c 'pwd; sleep 300'")
        newShell("ended", "true", wait: false)
        m.waitState("ended", ["exited"])
        let before = m.pid("back")
        m.crashDaemon()
        m.sh("tmux -L \(m.socket) kill-server")
        XCTAssertNoThrow(try m.mount())
        XCTAssertTrue(waitUntil(10) { (self.m.read("back/events") ?? "").contains(" control restart (restore)\n") })
        XCTAssertTrue(waitUntil(10) { ["working", "idle"].contains(self.m.state("back")) && self.m.pid("back") != nil })
        XCTAssertNotEqual(m.pid("back"), before)
        let events = m.read("back/events") ?? ""
        XCTAssertTrue(events.contains(" state exited lost\n") && events.contains(" control restart (restore)\n"), events)
        XCTAssertEqual(m.state("ended"), "exited", "only sessions that were live come back")
    }
}
