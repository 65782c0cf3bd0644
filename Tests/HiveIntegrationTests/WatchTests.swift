import Foundation
import XCTest

/// Watching: `tail -f` on the logs and `poll()` on `state`.
final class WatchTests: MountedTestCase {
    /// Runs `tail -f` on a file of the mount, writing what it prints to a file.
    private func follow(_ path: String) -> (pid_t, String) {
        let out = m.root + "/tail-\(path.replacingOccurrences(of: "/", with: "_"))"
        let pid = spawn(["/usr/bin/tail", "-n", "+1", "-f", m.mnt + "/" + path], stdout: out, stderr: "/dev/null") ?? -1
        addTeardownBlock { if pid > 0 { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) } }
        return (pid, out)
    }

    private func contents(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    func testTailFollowsEventsLogAndRootEvents() {
        newShell("t", "cat")
        let (_, events) = follow("t/events")
        let (_, jsonl) = follow("t/events.jsonl")
        let (_, log) = follow("t/log")
        let (_, root) = follow("events")
        usleep(300_000)
        XCTAssertEqual(m.write("t/control", "send follow-me\n"), 0)
        XCTAssertEqual(m.write("t/control", "pause\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.contents(events).contains(" state paused") }, contents(events))
        XCTAssertTrue(waitUntil(5) { self.contents(jsonl).contains("\"detail\":\"paused\"") || self.contents(jsonl).contains("\"state\":\"paused\"") }, contents(jsonl))
        XCTAssertTrue(waitUntil(5) { self.contents(log).contains("follow-me") }, contents(log))
        XCTAssertTrue(waitUntil(5) { self.contents(root).contains("t ") && self.contents(root).contains(" state paused") }, contents(root))
        // No partial lines: every line of events parses as TIME KIND…
        for line in contents(events).split(separator: "\n") {
            XCTAssertNotNil(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z.]+"#, options: .regularExpression), String(line))
        }
    }

    func testPollOnStateWakesOnChange() {
        newShell("w", "sleep 300")
        let fd = open(m.mnt + "/w/state", O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 64)
        let before = String(decoding: buf[0..<max(0, read(fd, &buf, 64))], as: UTF8.self)
        XCTAssertTrue(["working\n", "idle\n"].contains(before), before)
        // Nothing changes: poll times out.
        var pfd = pollfd(fd: fd, events: Int16(POLLIN | POLLPRI), revents: 0)
        if before == "working\n" { _ = waitUntil(3) { self.m.state("w") == "idle" }; lseek(fd, 0, SEEK_SET); _ = read(fd, &buf, 64) }
        XCTAssertEqual(poll(&pfd, 1, 300), 0, "poll must block while the state is unchanged")
        let mnt = m.mnt
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
            let c = open(mnt + "/w/control", O_WRONLY)
            _ = write(c, "pause\n", 6)
            close(c)
        }
        let start = Date()
        XCTAssertEqual(poll(&pfd, 1, 5000), 1, "poll wakes when the state changes")
        XCTAssertLessThan(Date().timeIntervalSince(start), 4)
        lseek(fd, 0, SEEK_SET)
        let n = read(fd, &buf, 64)
        XCTAssertEqual(String(decoding: buf[0..<max(0, n)], as: UTF8.self), "paused\n")
    }

    func testReadingTheEndOfTheLogAtAnOffset() {
        newShell("off", "sh -c 'i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; sleep 60'")
        XCTAssertTrue(waitUntil(10) { (self.m.read("off/log") ?? "").contains("line-1999") })
        let tail = m.sh("tail -n 2 $MNT/off/log").out
        XCTAssertTrue(tail.contains("line-1999"), tail)
        let size = Int(m.sh("stat -c %s $MNT/off/log").out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let fd = open(m.mnt + "/off/log", O_RDONLY)
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 12)
        XCTAssertEqual(pread(fd, &buf, 12, off_t(size - 12)), 12)
        XCTAssertTrue(String(decoding: buf, as: UTF8.self).contains("1999"))
    }
}
