import Foundation
import XCTest

/// Agents do not depend on the daemon: a crash leaves them running, and a new
/// `hivefs mount` cleans the stale mount and finds everything again.
final class PersistenceTests: MountedTestCase {
    func testKill9ThenMountReadoptsEverySession() {
        newShell("stay", "sleep 300")
        newShell("quits", "sh -c 'sleep 1.5; exit 4'")
        XCTAssertEqual(mkdir(m.mnt + "/fresh", 0o755), 0)
        XCTAssertEqual(m.write("stay/control", "pause\n"), 0)
        XCTAssertEqual(m.write("stay/control", "resume\n"), 0)
        guard let pid = m.pid("stay") else { return XCTFail("no pid") }
        let eventsBefore = m.read("stay/events") ?? ""

        m.crashDaemon()
        XCTAssertTrue(alive(pid), "the agent survives the daemon")
        XCTAssertNotEqual(m.sh("ls $MNT").status, 0, "the mount is stale")
        sleep(2)  // `quits` exits while nobody watches

        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.sh("ls $MNT").out.split(separator: "\n").sorted(), ["control", "events", "fresh", "history", "quits", "spool", "status", "status.json", "stay"])
        XCTAssertTrue(["working", "idle"].contains(m.state("stay")), m.state("stay"))
        XCTAssertEqual(m.pid("stay"), pid)
        XCTAssertTrue((m.read("stay/events") ?? "").hasPrefix(eventsBefore), "nothing recorded is lost")
        XCTAssertTrue((m.read("stay/events") ?? "").contains(" adopted pid \(pid)"))
        m.waitState("quits", ["exited"])
        XCTAssertEqual(m.status("quits", "exit"), "4")
        XCTAssertEqual(m.state("fresh"), "new")
        // Control still works on the adopted session.
        XCTAssertEqual(m.write("stay/control", "kill\n"), 0)
        XCTAssertFalse(alive(pid))
    }

    func testAFolderACrashLeftWithoutALogDoesNotBlockItsName() throws {
        m.crashDaemon()
        try FileManager.default.createDirectory(atPath: m.state + "/sessions/half", withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: m.state + "/sessions/half/events.jsonl", contents: Data()))
        XCTAssertNoThrow(try m.mount())
        XCTAssertFalse(m.sh("ls $MNT").out.contains("half"))
        XCTAssertEqual(mkdir(m.mnt + "/half", 0o755), 0, "the name is free again")
    }

    func testSessionsWhoseTmuxVanishedAreLost() {
        newShell("gone", "sleep 300")
        m.crashDaemon()
        m.sh("tmux -L \(m.socket) kill-server")
        XCTAssertNoThrow(try m.mount())
        m.waitState("gone", ["exited"])
        XCTAssertEqual(m.status("gone", "reason"), "lost")
    }

    func testUnmountLeavesAgentsRunning() {
        newShell("bg", "sleep 300")
        guard let pid = m.pid("bg") else { return XCTFail("no pid") }
        let r = m.sh("'\(MountFixture.binary)' unmount $MNT")
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(waitUntil(5) { !self.m.daemonRunning }, "the daemon exits on unmount")
        XCTAssertTrue(alive(pid))
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.pid("bg"), pid)
    }

    func testAMountRightAfterAnUnmountWaitsForTheOldDaemonAndASecondDaemonIsRefused() throws {
        newShell("bg", "sleep 300")
        let other = m.root + "/other"
        XCTAssertEqual(mkdir(other, 0o755), 0)
        let second = m.sh("'\(MountFixture.binary)' mount \(other) --state \(m.state) --socket \(m.socket) --foreground")
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.err.contains("another hivefs daemon is using \(m.state) (pid \(m.daemon ?? 0))"), second.err)
        let old = m.daemon
        XCTAssertEqual(m.sh("'\(MountFixture.binary)' unmount $MNT").status, 0)
        // At once, while the old daemon may still be saving its sessions.
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.state("bg"), "idle")
        if let old { var st: Int32 = 0; waitpid(old, &st, 0) }
    }

    func testUnmountWhileBusyEndsCleanlyAndReadersAreNotLeftHanging() throws {
        newShell("busy", "sleep 300")
        guard let pid = m.pid("busy") else { return XCTFail("no pid") }
        let held = open(m.mnt + "/busy/status", O_RDONLY)
        XCTAssertGreaterThanOrEqual(held, 0)
        defer { if held >= 0 { close(held) } }
        guard let tail = spawn(["/usr/bin/tail", "-f", m.mnt + "/busy/events"], stdout: m.root + "/tail.out",
                               stderr: m.root + "/tail.err") else { return XCTFail("no tail") }
        defer { kill(tail, SIGKILL); var st: Int32 = 0; waitpid(tail, &st, 0) }
        XCTAssertTrue(waitUntil(5) { ((try? String(contentsOfFile: self.m.root + "/tail.out", encoding: .utf8)) ?? "").contains(" state starting") })
        // A shell sitting inside the tree, too.
        let inside = m.sh("cd $MNT/busy && '\(MountFixture.binary)' unmount $MNT")
        XCTAssertEqual(inside.status, 0, inside.err)
        XCTAssertTrue(inside.out.contains("was in use"), inside.out)
        XCTAssertTrue(waitUntil(10) { !self.m.daemonRunning }, "the daemon stops although files are open")
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = pread(held, &buf, buf.count, 0)
        XCTAssertEqual(n, -1, "a file still open reads an error, not a hang")
        XCTAssertEqual(errno, ENOTCONN)
        XCTAssertTrue(waitUntil(10) { var st: Int32 = 0; return waitpid(tail, &st, WNOHANG) == tail }, "tail -f ends")
        XCTAssertTrue(alive(pid), "the agent keeps running")
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.pid("busy"), pid)
    }

    func testSigtermUnmountsCleanly() {
        guard let d = m.daemon else { return XCTFail("no daemon") }
        kill(d, SIGTERM)
        XCTAssertTrue(waitUntil(5) { !self.m.daemonRunning })
        XCTAssertEqual(m.daemonStatus, 0, m.daemonLog)
        XCTAssertFalse(m.isMounted)
        XCTAssertEqual(m.sh("ls $MNT").status, 0, "no stale mount is left")
    }
}
