import Foundation
import XCTest

/// The kernel keeps names and directory attributes for a while (Bridge.cacheSeconds);
/// whatever changes them must be seen at once all the same.
final class NameCacheTests: MountedTestCase {
    private func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(m.mnt + "/" + path, &st) == 0
    }

    private func mtime(_ path: String) -> Int {
        var st = stat()
        guard stat(m.mnt + "/" + path, &st) == 0 else { return -1 }
        return st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1_000_000
    }

    func testAPrunedHistoryEntryIsGoneAtOnce() throws {
        newShell("old", "sleep 300")
        XCTAssertEqual(m.write("old/control", "kill\n"), 0)
        XCTAssertEqual(rmdir(m.mnt + "/old"), 0)
        let entry = try XCTUnwrap(m.sh("ls $MNT/history").out.split(separator: "\n").first.map(String.init))
        XCTAssertTrue(exists("history/\(entry)"))
        XCTAssertTrue(exists("history/\(entry)/status"), "looked up, so the kernel holds both names")
        sleep(2)
        XCTAssertEqual(m.write("control", "prune-history older-than=1s\n"), 0)
        XCTAssertFalse(exists("history/\(entry)/status"))
        XCTAssertFalse(exists("history/\(entry)"))
        XCTAssertEqual(errno, ENOENT)
    }

    func testASessionMadeAgainUnderItsNameShowsTheNewOne() {
        newShell("again", "sleep 300")
        let first = mtime("again")
        XCTAssertEqual(m.status("again", "command"), "sleep 300")
        XCTAssertEqual(m.write("again/control", "kill\n"), 0)
        XCTAssertEqual(rmdir(m.mnt + "/again"), 0)
        XCTAssertFalse(exists("again"))
        usleep(50_000)
        newShell("again", "sleep 301")
        XCTAssertGreaterThan(mtime("again"), first, "the directory's time is the new session's creation")
        XCTAssertEqual(m.status("again", "command"), "sleep 301")
    }

    func testASummaryGoneWithARestartIsGoneAtOnce() {
        newShell("rerun", "sleep 300")
        XCTAssertEqual(m.write("rerun/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { exists("rerun/summary") })
        XCTAssertNotNil(m.read("rerun/summary"))
        XCTAssertEqual(m.write("rerun/control", "restart\n"), 0)
        m.waitState("rerun", ["working", "idle"])
        XCTAssertFalse(exists("rerun/summary"), "a restarted session has no summary until it ends again")
        XCTAssertNil(m.read("rerun/summary"))
    }
}
