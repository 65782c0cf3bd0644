import Foundation
import XCTest

/// Nobody but the user gets in, and nothing a user or an agent writes reaches a
/// shell, tmux's parser or a path outside the state directory.
final class SecurityTests: MountedTestCase {
    /// Runs a command line as `nobody` (setpriv, as root); nil when this cannot be done here.
    private func asNobody(_ command: String) throws -> MountFixture.Result {
        guard getuid() == 0 else { throw XCTSkip("needs root to become another user") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { throw XCTSkip("no setpriv") }
        return m.sh("setpriv --reuid=65534 --regid=65534 --clear-groups -- sh -c '\(command)' 2>&1")
    }

    func testAnotherUserCanNeitherReadNorWriteTheMount() throws {
        newShell("mine", "sleep 300")
        // The folders on the way are open to all, so only the mount itself can refuse.
        XCTAssertEqual(m.sh("chmod 755 \(m.root) \(m.mnt)/..").status, 0)
        for (command, what) in [("ls $MNT", "list the root"), ("cat $MNT/mine/status", "read a status"),
                                ("echo kill > $MNT/mine/control", "kill a session"),
                                ("echo \"new evil agent=shell command=id\" > $MNT/control", "make a session"),
                                ("mkdir $MNT/evil", "make a session with mkdir")] {
            let r = try asNobody(command)
            XCTAssertNotEqual(r.status, 0, "nobody could \(what): \(r.out)")
            XCTAssertTrue(r.out.contains("Permission denied"), "\(what): \(r.out)")
        }
        XCTAssertTrue(["working", "idle"].contains(m.state("mine")))
        XCTAssertNil(m.read("evil/status"))
    }

    func testTheStateDirectoryIsTheUsersAlone() throws {
        newShell("private", "sh -c 'echo secret; sleep 300'")
        XCTAssertEqual(m.write("private/control", "send hello\n"), 0)
        XCTAssertEqual(m.write("private/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.m.read("private/summary") != nil })
        var open: [String] = []
        let fm = FileManager.default
        let paths = [m.state] + (fm.enumerator(atPath: m.state)?.allObjects as? [String] ?? []).map { m.state + "/" + $0 }
        XCTAssertGreaterThan(paths.count, 8)
        for path in paths {
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            let type = st.st_mode & S_IFMT
            if type == S_IFSOCK { continue }
            if st.st_mode & 0o077 != 0 { open.append(String(format: "%@ %o", path, st.st_mode & 0o777)) }
        }
        XCTAssertEqual(open, [], "readable or writable by others")
    }

    func testBadNamesAreRefusedBeforeTheyReachAPath() {
        for name in ["..", ".", "a/b", "../escape", ".hidden", "a b", "x$(id)", "x`id`", "x;id", "#{pane_pid}",
                     String(repeating: "n", count: 300)] {
            let q = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            let err = m.write("control", "new \"\(q)\" agent=shell command=true\n")
            XCTAssertTrue([EINVAL, ENAMETOOLONG, ERANGE].contains(err), "\(name): \(String(cString: strerror(err)))")
        }
        XCTAssertEqual(m.write("control", Array("new a\u{0}b agent=shell\n".utf8)), EINVAL)
        XCTAssertEqual(mkdir(m.mnt + "/x;id", 0o755), -1)
        XCTAssertEqual(errno, EINVAL)
        XCTAssertEqual(m.sh("ls -a \(m.state)/sessions").out.split(separator: "\n").sorted(), [".", ".."])
    }

    func testSentTextArrivesLiterallyAndNeverRunsOrExpands() throws {
        let got = m.root + "/got"
        newShell("echo", "sh -c 'cat > \(got)'")
        let marker = m.root + "/pwned"
        let nasty = [
            "$(touch \(marker))", "`touch \(marker)`", "; touch \(marker)", "'quoted' \"double\" \\back",
            "#{pane_pid} #{session_name} #S", "C-c Enter Escape", "%% %s %n", "tab\there", "ünïcødé ✓",
        ]
        for line in nasty {
            XCTAssertEqual(m.write("echo/control", "send \(line)\n"), 0, line)
        }
        XCTAssertTrue(waitUntil(10) {
            ((try? String(contentsOfFile: got, encoding: .utf8)) ?? "").split(separator: "\n").count >= nasty.count
        })
        let lines = ((try? String(contentsOfFile: got, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, nasty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "something ran the text")
        XCTAssertTrue(["working", "idle"].contains(m.state("echo")), "no key name in the text interrupted the agent")
    }

    func testAPlantedSymlinkIsNotFollowedOutOfTheStateDirectory() throws {
        let victim = m.root + "/victim"
        try "untouched\n".write(toFile: victim, atomically: false, encoding: .utf8)
        newShell("planted", "sh -c 'echo one; sleep 300'")
        XCTAssertEqual(m.write("planted/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.m.read("planted/summary") != nil })
        m.crashDaemon()
        let dir = m.state + "/sessions/planted"
        for file in ["events", "log", "summary"] {
            XCTAssertEqual(unlink(dir + "/" + file), 0, file)
            XCTAssertEqual(symlink(victim, dir + "/" + file), 0, file)
        }
        try m.mount()
        XCTAssertEqual(m.write("planted/control", "restart\n"), 0)
        m.waitState("planted", ["working", "idle"])
        XCTAssertEqual(m.write("planted/control", "kill\n"), 0)
        m.waitState("planted", ["killed"])
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "untouched\n", "written through a planted link")
        XCTAssertFalse((m.read("planted/summary") ?? "").contains("untouched"), "read through a planted link")
        XCTAssertFalse((m.read("planted/events") ?? "").contains("untouched"), "read through a planted link")
        let events = m.read("planted/events") ?? ""
        XCTAssertTrue(events.contains(" state killed"), "events are still recorded: \(events)")
        XCTAssertTrue(events.contains(" error ELOOP events was a symbolic link to \(victim); moved aside"), events)
        XCTAssertTrue(events.contains(" error ELOOP log was a symbolic link to \(victim); moved aside"), events)
    }

    func testHugeAndStoppedReadersDoNotStallOthers() throws {
        newShell("big", "sleep 300")
        newShell("other", "sleep 300")
        // A 64 MB terminal log, read whole over and over by eight readers.
        XCTAssertEqual(m.sh("head -c 64000000 /dev/zero | tr '\\0' x >> \(m.state)/sessions/big/log").status, 0)
        var readers: [pid_t] = []
        for i in 0..<8 {
            if let p = spawn(["/bin/sh", "-c", "while :; do cat \(m.mnt)/big/log > /dev/null; done"],
                             stdout: "/dev/null", stderr: m.root + "/reader-\(i).err") { readers.append(p) }
        }
        // Readers that stop halfway: a stopped `tail -f` and a stopped `cat` of a log.
        for cmd in ["tail -f \(m.mnt)/big/events", "cat \(m.mnt)/big/log"] {
            if let p = spawn(["/bin/sh", "-c", "exec \(cmd)"], stdout: "/dev/null", stderr: "/dev/null") {
                usleep(100_000)
                kill(p, SIGSTOP)
                readers.append(p)
            }
        }
        defer {
            for p in readers { kill(p, SIGKILL); var st: Int32 = 0; waitpid(p, &st, 0) }
        }
        // Everyone else is answered all the same (a hang would show as a time out here).
        let done = DispatchSemaphore(value: 0)
        Thread { [m] in
            for n in 0..<50 {
                _ = m!.write("other/control", "budget \(1000 + n)\n")
                _ = m!.read("other/status")
                _ = m!.read("status")
            }
            done.signal()
        }.start()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "other sessions were stalled by the readers")
        XCTAssertEqual(m.status("other", "budget"), "1049")
    }
}
