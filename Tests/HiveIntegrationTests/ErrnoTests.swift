import Foundation
import XCTest

/// Bad input: each gets its errno and a readable reason, changes nothing, and never reaches a shell.
final class ErrnoTests: MountedTestCase {
    func testBadNamesAreEINVALAndCreateNothing() {
        for bad in ["..", "a/b", ".x", String(repeating: "a", count: 65), "status", "control", "events", "history", "spool", "-x", "a b"] {
            let err = m.write("control", "new \(QuotedName(bad)) agent=shell command=true\n")
            XCTAssertEqual(err, EINVAL, "name \(bad.debugDescription)")
        }
        XCTAssertEqual(m.sh("ls $MNT").out.split(separator: "\n").sorted(), ["control", "events", "history", "spool", "status", "status.json"])
        XCTAssertEqual(mkdir(m.mnt + "/.x", 0o755) == 0 ? 0 : errno, EINVAL)
        XCTAssertEqual(mkdir(m.mnt + "/" + String(repeating: "b", count: 65), 0o755) == 0 ? 0 : errno, EINVAL)
        XCTAssertEqual(mkdir(m.mnt + "/" + String(repeating: "b", count: 64), 0o755), 0, "64 characters is the limit")
        let control = m.read("control") ?? ""
        XCTAssertTrue(control.contains("error ") && control.contains("EINVAL"), control)
    }

    func testDuplicateNamesAreEEXIST() {
        newShell("dup", "sleep 60")
        XCTAssertEqual(m.write("control", "new dup agent=shell command=true\n"), EEXIST)
        XCTAssertEqual(mkdir(m.mnt + "/dup", 0o755) == 0 ? 0 : errno, EEXIST)
        XCTAssertEqual(m.write("control", "new d1 agent=shell command=true\nnew d1 agent=shell command=true\n"), EEXIST)
        XCTAssertFalse(m.sh("ls $MNT").out.contains("d1"), "a refused write creates nothing")
    }

    func testUnknownVerbsMalformedQuotingAndKeys() {
        newShell("s", "sleep 60")
        XCTAssertEqual(m.write("s/control", "dance\n"), EINVAL)
        XCTAssertEqual(m.write("s/control", "pause now\n"), EINVAL)
        XCTAssertEqual(m.write("s/control", "keys $(reboot)\n"), EINVAL)
        XCTAssertEqual(m.write("s/control", "keys Enter;\n"), EINVAL)
        XCTAssertEqual(m.write("s/control", "\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new q agent=shell command=\"sleep 1\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new q agent=shell nokey=1 command=true\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new q agent=robot command=true\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new q agent=shell\n"), EINVAL, "shell needs a command")
        XCTAssertEqual(m.write("control", "launch q\n"), EINVAL)
        XCTAssertEqual(m.write("s/control", "idle-timeout 99999999999999999999h\n"), ERANGE)
        XCTAssertEqual(m.write("s/control", Array("pause\0\n".utf8)), EINVAL)
        XCTAssertEqual(m.write("s/control", [0xff, 0xfe, 0x0a]), EINVAL)
        let control = m.read("s/control") ?? ""
        XCTAssertTrue(control.contains("EINVAL"), control)
        XCTAssertTrue(control.contains("start") && control.contains("send TEXT"), "reading control shows the usage")
        XCTAssertTrue(["working", "idle"].contains(m.state("s")), "bad writes change nothing")
        XCTAssertTrue((m.read("s/events") ?? "").contains(" error EINVAL unknown command 'dance'"))
    }

    func testOversizedWritesAreE2BIG() {
        newShell("big", "sleep 60")
        let big = "send " + String(repeating: "a", count: 70_000) + "\n"
        XCTAssertEqual(m.write("big/control", big), E2BIG)
        XCTAssertEqual(m.write("control", "new x agent=shell command=\"" + String(repeating: "a", count: 70_000) + "\"\n"), E2BIG)
        XCTAssertEqual(m.sh("head -c 100000 /dev/zero | tr '\\0' a > $MNT/big/control").status, 1)
    }

    func testConflictsAreEBUSYAndEndedSessionsESRCH() {
        newShell("c", "sleep 60")
        XCTAssertEqual(m.write("c/control", "start\n"), EBUSY, "already started")
        XCTAssertEqual(m.write("c/control", "pause\n"), 0)
        XCTAssertEqual(m.write("c/control", "send hello\n"), EBUSY)
        XCTAssertEqual(m.write("c/control", "interrupt\n"), EBUSY)
        XCTAssertEqual(rmdir(m.mnt + "/c") == 0 ? 0 : errno, EBUSY, "a live session cannot be removed")
        XCTAssertEqual(m.write("c/control", "kill\n"), 0)
        XCTAssertEqual(m.write("c/control", "send hello\n"), ESRCH)
        XCTAssertEqual(m.write("c/control", "kill\n"), ESRCH)
        XCTAssertEqual(m.write("c/control", "pause\n"), ESRCH)
        XCTAssertEqual(mkdir(m.mnt + "/n", 0o755), 0)
        XCTAssertEqual(m.write("n/control", "send hi\n"), ESRCH)
    }

    func testReadOnlyFilesRefuseWrites() {
        newShell("ro", "sleep 60")
        for f in ["ro/state", "ro/status", "ro/status.json", "ro/events", "ro/events.jsonl", "ro/log", "ro/screen", "ro/agent", "status", "events"] {
            XCTAssertEqual(m.write(f, "x\n"), EACCES, f)
        }
        for f in ["ro/git", "ro/git.json", "ro/files"] { XCTAssertEqual(m.write(f, "x\n"), EACCES, f) }
        XCTAssertEqual(m.write("ro/control", "budget lots\n"), EINVAL, "a bad budget, said plainly")
    }

    func testSpecFilesRefuseBadValuesWhileNew() {
        XCTAssertEqual(mkdir(m.mnt + "/spec", 0o755), 0)
        XCTAssertEqual(m.write("spec/agent", "robot\n"), EINVAL)
        XCTAssertEqual(m.read("spec/agent"), "claude\n", "the default agent stays")
        XCTAssertEqual(m.write("spec/dir", "relative/path\n"), EINVAL)
        XCTAssertEqual(m.write("spec/worktree", "two words\n"), EINVAL, "not a branch name git accepts")
        XCTAssertEqual(m.write("spec/worktree", "yes\n"), 0)
        XCTAssertEqual(m.read("spec/worktree"), "yes\n")
        XCTAssertEqual(m.write("spec/agent", "shell\n"), 0)
        XCTAssertEqual(m.write("spec/control", "start\n"), EINVAL, "shell without a command")
        XCTAssertEqual(m.state("spec"), "new")
    }
}

/// A name as it goes into a `new` line (quoted when it holds a space).
private func QuotedName(_ s: String) -> String { s.contains(" ") ? "\"\(s)\"" : s }
