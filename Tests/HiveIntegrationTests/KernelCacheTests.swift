import Foundation
import XCTest

/// What the kernel keeps of a file until it changes: an unchanged file is read from
/// the page cache (the daemon, run with HIVEFS_TRACE_READS=1, logs every read that
/// reaches it, and none must for a second read), and a change is seen at once by
/// `cat`, `stat`, `poll()` on a file open from before and `tail -f`.
final class KernelCacheTests: MountedTestCase {
    override func prepare(_ m: MountFixture) throws {
        m.environment.append("HIVEFS_TRACE_READS=1")
    }

    func testSpecFilesAreReadFromTheCacheAndAWriteIsSeenAtOnce() {
        XCTAssertEqual(mkdir(m.mnt + "/a", 0o755), 0)
        for (file, value) in [("model", "opus"), ("agent", "shell"), ("command", "sleep 300"), ("prompt", "hello"),
                              ("setup", "true"), ("mode", "auto"), ("trust", "yes")] {
            XCTAssertEqual(m.write("a/" + file, value + "\n"), 0, file)
        }
        for file in ["agent", "command", "dir", "mode", "model", "prompt", "setup", "trust", "worktree"] {
            assertReadFromTheCache("a/" + file)
        }
        let w = watch("a/model")
        XCTAssertEqual(m.write("a/model", "claude-opus-4-long-name\n"), 0)
        assertSeenAtOnce(w, "claude-opus-4-long-name\n")
        let p = watch("a/prompt")
        XCTAssertEqual(m.write("a/prompt", "hi\n"), 0)
        assertSeenAtOnce(p, "hi\n")
        XCTAssertEqual(m.sh("stat -c %a $MNT/a/agent").out, "600\n")
    }

    func testAStateChangedByAWriteIsReadAfterTheWriteReturns() {
        XCTAssertEqual(mkdir(m.mnt + "/b", 0o755), 0)
        XCTAssertEqual(m.write("b/agent", "shell\n"), 0)
        XCTAssertEqual(m.write("b/command", "sleep 300\n"), 0)
        assertReadFromTheCache("b/state")
        assertReadFromTheCache("b/agent")
        XCTAssertEqual(m.read("b/state"), "new\n")
        XCTAssertEqual(m.sh("stat -c %a $MNT/b/agent").out, "600\n")
        XCTAssertEqual(m.write("b/control", "start\n"), 0)
        // No wait: the write's answer came after the kernel dropped what it kept.
        XCTAssertNotEqual(m.read("b/state"), "new\n")
        XCTAssertNotEqual(m.sh("stat -c %s $MNT/b/state").out, "4\n")
        // Started: read-only at once (the mode the kernel kept was dropped), and kept again.
        XCTAssertEqual(m.sh("stat -c %a $MNT/b/agent").out, "444\n")
        XCTAssertEqual(m.write("b/agent", "claude\n"), EACCES)
        assertReadFromTheCache("b/agent")
        XCTAssertTrue(waitUntil(5) { self.m.pid("b") != nil })
        let echoed = m.sh("echo pause > $MNT/b/control && cat $MNT/b/state && stat -c %s $MNT/b/state")
        XCTAssertEqual(echoed.out, "paused\n7\n", echoed.err)
    }

    func testStateIsReadFromTheCacheAndItsChangeSeenByPollAndTail() {
        newShell("w", "sleep 300")
        _ = waitUntil(5) { self.m.state("w") == "idle" }
        assertReadFromTheCache("w/state")
        let w = watch("w/state")
        XCTAssertEqual(m.write("w/control", "pause\n"), 0)
        assertSeenAtOnce(w, "paused\n")
        assertReadFromTheCache("w/state")
    }

    func testALiveStatusIsKeptUntilItsSecondsTick() {
        newShell("t", "sleep 300")
        _ = waitUntil(5) { self.m.state("t") == "idle" }
        for file in ["status", "status.json"] {
            // Its idle seconds tick once a second: five reads in a moment reach the
            // daemon once, or twice if a second ticked among them.
            _ = m.read("t/" + file)
            let before = readsReached("t/" + file)
            for _ in 0..<5 { _ = m.read("t/" + file) }
            XCTAssertLessThanOrEqual(readsReached("t/" + file) - before, 1, "\(file) between its ticks is read from the cache")
        }
        // A handle open from before sees the tick, and so do cat and stat.
        let fd = open(m.mnt + "/t/status", O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        func pread0() -> String {
            var buf = [UInt8](repeating: 0, count: 65536)
            let n = pread(fd, &buf, buf.count, 0)
            return String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        }
        let first = pread0()
        XCTAssertTrue(first.contains("idle"), first)
        XCTAssertTrue(waitUntil(5) { pread0() != first }, "the open handle never saw the seconds tick")
        let now = m.read("t/status") ?? ""
        XCTAssertNotEqual(now, first)
        XCTAssertEqual(m.sh("stat -c %s $MNT/t/status").out, "\(now.utf8.count)\n")
    }

    func testAnEndedSessionsStatusAndSummaryAreKept() {
        newShell("e", "sleep 300")
        XCTAssertEqual(m.write("e/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { (self.m.read("e/summary.json") ?? "").contains("killed") })
        for file in ["status", "status.json", "summary", "summary.json"] { assertReadFromTheCache("e/" + file) }
        let status = watch("e/status")
        let summary = m.read("e/summary") ?? ""
        XCTAssertEqual(m.write("e/control", "restart\n"), 0)
        m.waitState("e", ["working", "idle"])
        XCTAssertEqual(m.write("e/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { (self.m.read("e/summary") ?? summary) != summary }, "a second run's summary")
        let now = m.read("e/summary") ?? ""
        XCTAssertEqual(m.sh("stat -c %s $MNT/e/summary").out, "\(now.utf8.count)\n")
        assertReadFromTheCache("e/summary")
        assertSeenAtOnce(status, m.read("e/status") ?? "", tail: false)
    }

    func testGitIsKeptBetweenRefreshesAndARefreshIsSeenAtOnce() {
        let repo = makeRepo("repo")
        XCTAssertEqual(m.write("control", "new g agent=shell dir=\(repo) command=\"sleep 300\"\n"), 0, m.read("control") ?? "")
        m.waitState("g", ["working", "idle"])
        XCTAssertTrue(waitUntil(5) { (self.m.read("g/git") ?? "").contains("branch main") })
        for file in ["g/git", "g/git.json"] {
            // A read refreshes facts older than a second, which changes their time: the
            // second of two reads made just after a refresh is the one kept.
            let kept = (0..<5).contains { _ in
                usleep(300_000)
                _ = m.read(file)
                let before = readsReached(file)
                _ = m.read(file)
                return readsReached(file) == before
            }
            XCTAssertTrue(kept, "\(file) was read again every time")
        }
        let w = watch("g/git")
        XCTAssertEqual(m.sh("echo new > \(repo)/new.txt").status, 0)
        XCTAssertTrue(waitUntil(10) { (self.m.read("g/git") ?? "").contains("?? new.txt") })
        let now = m.read("g/git") ?? ""
        XCTAssertEqual(m.sh("stat -c %s $MNT/g/git").out, "\(now.utf8.count)\n", "stat agrees with what was read")
        assertSeenAtOnce(w, nil)
    }

    func testAHistoryEntrysFilesAreKept() throws {
        newShell("h", "sleep 300")
        XCTAssertEqual(m.write("h/control", "kill\n"), 0)
        m.waitState("h", ["killed"])
        XCTAssertTrue(waitUntil(5) { self.m.read("h/summary") != nil })
        XCTAssertEqual(rmdir(m.mnt + "/h"), 0)
        let entry = try XCTUnwrap(m.sh("ls $MNT/history").out.split(separator: "\n").first.map(String.init))
        for file in ["state", "status", "command", "summary"] { assertReadFromTheCache("history/\(entry)/" + file) }
    }

    func testLogsAndControlStillReachTheDaemonAtEveryRead() {
        newShell("l", "echo hello; sleep 300")
        XCTAssertTrue(waitUntil(5) { (self.m.read("l/log") ?? "").contains("hello") })
        for file in ["l/log", "l/events", "l/control", "status"] {
            _ = m.read(file)
            let before = readsReached(file)
            _ = m.read(file)
            XCTAssertGreaterThan(readsReached(file), before, "\(file) is read directly")
        }
    }
}

/// `permission` and `files` of a Claude Code session (the fake), kept between its reports.
final class KernelCacheClaudeTests: ClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        m.environment.append("HIVEFS_TRACE_READS=1")
    }

    func testPermissionAndFilesAreKeptAndTheirChangesSeenAtOnce() {
        newClaude("p", turns: [
            [["tools": [["name": "Read", "input": ["file_path": work + "/src/a.swift"]]]], ["say": "Read it."]],
            [["tools": [["name": "Bash", "input": ["command": "rm -rf build"], "permission": "ask"]]],
             ["tools": [["name": "Edit", "input": ["file_path": work + "/src/a.swift", "old_string": "1", "new_string": "2"]]]],
             ["say": "Cleaned."]],
        ])
        waitReport("p", "idle")
        assertReadFromTheCache("p/files")
        let files = watch("p/files")
        let permission = watch("p/permission", empty: true)
        let permissionJSON = watch("p/permission.json", empty: true)
        XCTAssertEqual(m.write("p/control", "send clean up\n"), 0)
        m.waitState("p", ["waiting"])
        XCTAssertTrue(waitUntil(10) { (self.m.read("p/permission") ?? "").contains("rm -rf build") })
        let asked = m.read("p/permission") ?? ""
        assertSeenAtOnce(permission, asked)
        assertSeenAtOnce(permissionJSON, m.read("p/permission.json") ?? "")
        assertReadFromTheCache("p/permission")
        assertReadFromTheCache("p/permission.json")

        XCTAssertEqual(m.write("p/control", "keys 1\n"), 0)
        waitReport("p", "idle", count: 2)
        XCTAssertEqual(m.read("p/permission"), "")
        XCTAssertEqual(m.sh("stat -c %s $MNT/p/permission").out, "0\n")
        let now = m.read("p/files") ?? ""
        XCTAssertEqual(m.sh("stat -c %s $MNT/p/files").out, "\(now.utf8.count)\n")
        assertSeenAtOnce(files, now, tail: false)
        assertReadFromTheCache("p/files")
    }
}

/// A file open since before a change, and `tail -f` on it.
struct Watched {
    let path: String
    let fd: Int32
    let before: String
    let tailOut: String
}

extension MountedTestCase {
    /// How many reads of `path` reached the daemon so far (it logs each one).
    func readsReached(_ path: String) -> Int {
        m.daemonLog.components(separatedBy: "read /\(path) offset ").count - 1
    }

    /// Reads `path` twice: the second read must not reach the daemon, and `stat`
    /// must tell the size read.
    func assertReadFromTheCache(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        let first = m.read(path) ?? ""
        XCTAssertFalse(first.isEmpty, "\(path) is empty: its reads prove nothing", file: file, line: line)
        XCTAssertGreaterThan(readsReached(path), 0, "\(path) was never read by the daemon", file: file, line: line)
        let before = readsReached(path)
        XCTAssertEqual(m.read(path), first, path, file: file, line: line)
        XCTAssertEqual(m.sh("stat -c %s $MNT/\(path)").out, "\(first.utf8.count)\n", path, file: file, line: line)
        XCTAssertEqual(readsReached(path), before, "a second read of an unchanged \(path) reached the daemon", file: file, line: line)
    }

    /// Opens `path` (read whole, as a poller does) and starts `tail -f` on it.
    func watch(_ path: String, empty: Bool = false, file: StaticString = #filePath, line: UInt = #line) -> Watched {
        let fd = open(m.mnt + "/" + path, O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0, path, file: file, line: line)
        addTeardownBlock { close(fd) }
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = pread(fd, &buf, buf.count, 0)
        let before = String(decoding: buf[0..<max(0, n)], as: UTF8.self)
        XCTAssertEqual(before.isEmpty, empty, path, file: file, line: line)
        let out = m.root + "/tail-" + path.replacingOccurrences(of: "/", with: "_")
        let pid = spawn(["/usr/bin/tail", "-n", "+1", "-f", m.mnt + "/" + path], stdout: out, stderr: "/dev/null") ?? -1
        addTeardownBlock { if pid > 0 { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) } }
        let printed = waitUntil(5) { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") == before }
        XCTAssertTrue(printed, "tail -f never printed \(path)", file: file, line: line)
        if empty { usleep(300_000) }
        return Watched(path: path, fd: fd, before: before, tailOut: out)
    }

    /// Right after a change (nil: whatever `path` now shows), `cat` shows `expected`
    /// and `stat` its size; a `poll()` on the file open from before reports it, and a
    /// read there shows it; `tail -f` prints it within its second of polling.
    func assertSeenAtOnce(_ w: Watched, _ expected: String?, tail: Bool = true,
                          file: StaticString = #filePath, line: UInt = #line) {
        let now = m.read(w.path) ?? ""
        if let expected { XCTAssertEqual(now, expected, w.path, file: file, line: line) }
        XCTAssertNotEqual(now, w.before, "\(w.path) did not change", file: file, line: line)
        XCTAssertEqual(m.sh("stat -c %s $MNT/\(w.path)").out, "\(now.utf8.count)\n", w.path, file: file, line: line)
        var pfd = pollfd(fd: w.fd, events: Int16(POLLIN | POLLPRI), revents: 0)
        XCTAssertEqual(poll(&pfd, 1, 2000), 1, "poll on \(w.path)", file: file, line: line)
        var buf = [UInt8](repeating: 0, count: 65536)
        let n = pread(w.fd, &buf, buf.count, 0)
        XCTAssertEqual(String(decoding: buf[0..<max(0, n)], as: UTF8.self), now, "\(w.path) read again after poll", file: file, line: line)
        guard tail else { return }
        // tail -f reads on from where it was, or from the start once the file shrank.
        let printed = now.utf8.count > w.before.utf8.count ? String(decoding: Array(now.utf8).dropFirst(w.before.utf8.count), as: UTF8.self) : now
        let seen = waitUntil(3) {
            let out = (try? String(contentsOfFile: w.tailOut, encoding: .utf8)) ?? ""
            return out.count > w.before.count && out.hasSuffix(printed)
        }
        XCTAssertTrue(seen, "tail -f \(w.path) printed \((try? String(contentsOfFile: w.tailOut, encoding: .utf8)) ?? "")",
                      file: file, line: line)
    }
}
