import Foundation
import XCTest

/// The state directory full (a 4 MiB tmpfs of its own): hooks still
/// return at once and exit 0, nothing recorded is damaged, every `status` says
/// what is wrong, and what happened meanwhile is written once space is back.
final class DiskTroubleTests: MountedTestCase {
    override func prepare(_ m: MountFixture) throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to mount a small file system") }
        try FileManager.default.createDirectory(atPath: m.state, withIntermediateDirectories: true)
        let r = m.sh("mount -t tmpfs -o size=4m,mode=0700 hivefs-test \(m.state)")
        guard r.status == 0 else { throw XCTSkip("cannot mount a tmpfs: \(r.err)") }
        // Runs after the mount's own teardown has stopped the daemon.
        addTeardownBlock { [m] in _ = m.sh("umount -l \(m.state)") }
    }

    private var hook: String { URL(fileURLWithPath: MountFixture.binary).deletingLastPathComponent().path + "/hivefs-hook" }

    /// Runs hivefs-hook with a payload; its exit status, or nil if it did not return within 10 s.
    private func runHook(_ name: String, _ n: Int) -> Int32? {
        let payload = m.root + "/payload"
        try? #"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"seq \#(n)"}}"#
            .write(toFile: payload, atomically: false, encoding: .utf8)
        guard let pid = spawn(["/bin/sh", "-c", "'\(hook)' \(m.state)/sessions/\(name)/hooks.log < \(payload)"],
                              stdout: "/dev/null", stderr: m.root + "/hook.err") else { return nil }
        var st: Int32 = 0
        guard waitUntil(10, { waitpid(pid, &st, WNOHANG) == pid }) else { kill(pid, SIGKILL); return nil }
        return (st >> 8) & 0xff
    }

    private func fill() {
        _ = m.sh("dd if=/dev/zero of=\(m.state)/filler bs=64k 2>/dev/null; sync")
    }

    private func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
    }

    func testAFullStateDirectoryLosesNothingTheDaemonRecordsAndSaysSo() throws {
        newShell("full", "sleep 300")
        XCTAssertEqual(runHook("full", 1), 0)
        XCTAssertTrue(waitUntil(5) { (self.m.read("full/events") ?? "").contains(" tool.done Bash seq 1\n") })
        let before = m.read("full/events") ?? ""
        fill()

        // The agent's hook returns at once with 0, and leaves no half record behind.
        XCTAssertEqual(runHook("full", 2), 0, "the hook never fails the agent")
        let hooks = (try? Data(contentsOf: URL(fileURLWithPath: "\(m.state)/sessions/full/hooks.log"))) ?? Data()
        XCTAssertEqual(hooks.last, UInt8(ascii: "\n"), "hooks.log ends with a whole record")

        // What the daemon records goes on filling the last pages of its files, then
        // is held, and every status says so.
        var sent: [Int] = []
        for n in 1...2000 {
            XCTAssertEqual(m.write("full/control", "budget \(1000 + n)\n"), 0)
            sent.append(1000 + n)
            if n % 20 == 0, m.status("full", "disk")?.hasPrefix("ENOSPC since ") == true { break }
        }
        for n in 1...5 {
            XCTAssertEqual(m.write("full/control", "budget \(5000 + n)\n"), 0)
            sent.append(5000 + n)
        }
        XCTAssertTrue(m.status("full", "disk")?.hasPrefix("ENOSPC since ") == true, m.status("full", "disk") ?? "no disk key")
        XCTAssertEqual(m.status("full", "budget"), "5005", "the view is current while the log waits")
        let during = m.read("full/events") ?? ""
        XCTAssertTrue(during.hasPrefix(before) && during.hasSuffix("\n"), "nothing half-written in the log")

        // Space back: the held events are written, in order, and the session is told.
        XCTAssertEqual(unlink(m.state + "/filler"), 0)
        XCTAssertTrue(waitUntil(10) { self.m.status("full", "disk") == "-" })
        let after = m.read("full/events") ?? ""
        XCTAssertTrue(after.hasPrefix(during), "nothing recorded before is damaged")
        let budgets = after.split(separator: "\n").compactMap { line -> Int? in
            guard let r = line.range(of: " control budget ") else { return nil }
            return Int(line[r.upperBound...])
        }
        XCTAssertEqual(budgets, sent, "every command carried out is recorded, once, in order")
        XCTAssertTrue(after.contains(" disk the state directory takes writes again after ENOSPC since "), String(after.suffix(500)))
        for line in lines("\(m.state)/sessions/full/events.jsonl").dropLast() {
            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8)), "a damaged line: \(line)")
        }
        // And the hooks work again.
        XCTAssertEqual(runHook("full", 3), 0)
        XCTAssertTrue(waitUntil(5) { (self.m.read("full/events") ?? "").contains(" tool.done Bash seq 3\n") })
    }
}
