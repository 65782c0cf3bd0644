import Foundation
import HiveCore
import XCTest

/// Other hosts that break the link's protocol (Tests/Fixtures/hostile-host stands
/// where `ssh HOST hivefs serve --stdio` would, one mode a host): a greeting
/// instead of 9P, a header announcing 4 GiB, another dialect, answers under tags
/// no request has or of the wrong type, an endless stream, a listing that never
/// ends, garbage in the middle of a read, more bytes than a read asked for, an
/// errno no system call returns, names no file can have, sizes and times of
/// 2^64 - 1. For each: the daemon stays up and serves, `@NAME/status` says the
/// link is down and why, reads there fail within seconds, its memory stays
/// small, and the other hosts and the local sessions are unaffected.
final class HostileHostTests: MountedTestCase {
    static let modes = ["good", "garbage", "huge", "version", "tags", "types", "flood", "listing", "late", "errno", "long", "names", "attrs"]
    var script: String { m.root + "/hostile-host" }

    override func prepare(_ m: MountFixture) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("no /usr/bin/python3") }
        // A copy in the test's directory: its path names the processes to end afterwards.
        try FileManager.default.copyItem(atPath: MountFixture.fixture("hostile-host"), toPath: m.root + "/hostile-host")
        let hosts = Self.modes.map { "[hosts.\($0)]\ndestination = \"\($0)\"\nssh = \"/usr/bin/python3 \(m.root)/hostile-host \($0)\"\n" }
        try hosts.joined(separator: "\n").write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
        let script = m.root + "/hostile-host"
        addTeardownBlock { [m] in
            // The daemon ends its links' commands as it stops; any left are ended here, by pid.
            m.tearDown()
            for pid in Self.processes(running: script) { kill(pid, SIGKILL) }
        }
    }

    /// The pids whose command line names `path`.
    static func processes(running path: String) -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let cmd = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            return String(decoding: cmd, as: UTF8.self).contains(path) ? pid : nil
        }
    }

    /// Runs a command line that reads the mount, for at most `seconds`: one still
    /// running then (a request the kernel still waits on, past even SIGKILL) fails
    /// the test, and the daemon is ended so that the kernel lets it go.
    func bounded(_ command: String, seconds: Double = 20, file: StaticString = #filePath, line: UInt = #line) -> MountFixture.Result {
        let out = m.root + "/.bounded-out", err = m.root + "/.bounded-err"
        guard let pid = spawn(["/bin/sh", "-c", command], stdout: out, stderr: err, env: ["MNT=" + m.mnt, "LC_ALL=C"]) else {
            XCTFail("cannot run sh", file: file, line: line)
            return MountFixture.Result(status: 127, out: "", err: "")
        }
        var st: Int32 = 0
        if !waitUntil(seconds, { waitpid(pid, &st, WNOHANG) == pid }) {
            XCTFail("`\(command)` still waits after \(Int(seconds)) s", file: file, line: line)
            m.crashDaemon()
            waitpid(pid, &st, 0)
        }
        let code: Int32 = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
        return MountFixture.Result(status: code, out: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
                                   err: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    /// The daemon's resident memory, in MiB.
    func residentMiB() -> Int {
        guard let pid = m.daemon, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return -1 }
        return (Int(line.split(separator: " ")[1]) ?? 0) / 1024
    }

    func testAHostileFarSideIsCutOffWithTheReasonAndNothingElseIsHurt() throws {
        newShell("here", "sleep 300")
        XCTAssertTrue(waitUntil(15) { self.m.read("@good/s/state") == "idle\n" }, "the good host: " + (m.read("@good/status") ?? "") + m.daemonLog)

        // Each fault named in the host's status, as `cat ~/hive/@NAME/status` shows it.
        let reasons: [(String, [String])] = [
            ("garbage", ["sent what is not 9P2000.L", "its output began \"Welcome to box!", "does a login script there print something?"]),
            ("huge", ["sent what is not 9P2000.L", "a message of 4294967295 bytes, more than the 1048640 agreed", "its output began"]),
            ("version", ["speaks '9P2000', not 9P2000.L"]),
            ("tags", ["answered tag", "which no request has: not a 9P2000.L server"]),
            ("types", ["answered a Twalk with Rclunk: not a 9P2000.L server"]),
            ("flood", ["answered tag 4321, which no request has"]),
            ("listing", ["listing of / never ends"]),
        ]
        for (host, words) in reasons {
            var status = ""
            let said = waitUntil(15) {
                status = self.m.read("@\(host)/status") ?? ""
                return status.hasPrefix("host \(host): link down since ") && words.allSatisfy { status.contains($0) }
            }
            XCTAssertTrue(said, "@\(host)/status: \(status)")
        }
        XCTAssertFalse((m.read("@huge/status") ?? "").contains("login script"), "bytes that are no text are no greeting")

        // A host whose tree was read, and which sends garbage in the middle of a read:
        // the read fails with ENOTCONN within seconds, and the status says why.
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@late").out.contains("s\n") }, m.sh("ls $MNT/@late").err + m.daemonLog)
        var start = Date()
        let late = bounded("cat $MNT/@late/s/state")
        XCTAssertNotEqual(late.status, 0)
        XCTAssertTrue(late.err.contains("Transport endpoint is not connected"), late.err)
        XCTAssertLessThan(Date().timeIntervalSince(start), 9)
        let lateStatus = m.read("@late/status") ?? ""
        XCTAssertTrue(lateStatus.contains("link down since") && lateStatus.contains("late sent what is not 9P2000.L"), lateStatus)
        XCTAssertTrue(m.sh("ls $MNT/@late").out.contains("s\n"), "the names last seen stay listed")

        // An errno no system call returns is EIO here, at once: never a read left waiting.
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@errno").out.contains("s\n") })
        start = Date()
        let errnoRead = bounded("cat $MNT/@errno/s/state")
        XCTAssertTrue(errnoRead.err.contains("Input/output error"), errnoRead.err)
        XCTAssertLessThan(Date().timeIntervalSince(start), 9)

        // A read answered with more than it asked for: refused, the link closed, the fault said.
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@long").out.contains("s\n") })
        let long = bounded("cat $MNT/@long/s/state")
        XCTAssertTrue(long.err.contains("Transport endpoint is not connected"), long.err)
        let longStatus = m.read("@long/status") ?? ""
        XCTAssertTrue(longStatus.contains("link down since") && longStatus.contains("long answered a read of "), longStatus)

        // Names no file can have are left out (and logged); the listing itself works.
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@names").out.contains("s\n") })
        let names = m.sh("ls -a $MNT/@names")
        XCTAssertEqual(names.status, 0, names.err)
        XCTAssertEqual(names.out.split(separator: "\n").map(String.init), [".", "..", "s", "status"])
        XCTAssertTrue(m.daemonLog.contains("which is no name: left out"))

        // Sizes and times past any a stat can hold are clamped, not a crash.
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@attrs").out.contains("s\n") })
        let stat = bounded("stat -c %s $MNT/@attrs/s/state")
        XCTAssertEqual(stat.status, 0, stat.err)
        XCTAssertEqual(stat.out, "\(Int.max)\n")

        // Nothing else is hurt: the daemon, its memory, this host's sessions, the good host.
        XCTAssertTrue(m.daemonRunning)
        let rss = residentMiB()
        XCTAssertGreaterThan(rss, 0)
        XCTAssertLessThan(rss, 200, "the daemon holds \(rss) MiB: something a host sent was kept")
        let root = m.sh("cat $MNT/status")
        XCTAssertEqual(root.status, 0, root.err)
        let lines = root.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        XCTAssertEqual(lines.first { $0.first == "here" }?[1], "idle", root.out)
        for host in ["garbage", "huge", "version"] {
            XCTAssertEqual(lines.first { $0.first == "@" + host }?[1], "down", "the fleet in the root status: " + root.out)
        }
        let json = m.sh("cat $MNT/status.json")
        XCTAssertEqual(json.status, 0, json.err)
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(json.out.utf8)), json.out)
        XCTAssertEqual(m.write("here/control", "pause\n"), 0)
        XCTAssertEqual(m.state("here"), "paused")
        XCTAssertEqual(m.read("@good/s/state"), "idle\n")
        XCTAssertEqual(m.read("@good/status"), "host good\n")
        XCTAssertFalse(m.sh("ls $MNT").out.contains("@x"), "nothing of a host is shown as this host's")
        print("hostile hosts: \(Self.modes.count - 1) faults, each cut off with its reason; the daemon holds \(rss) MiB")
    }
}
