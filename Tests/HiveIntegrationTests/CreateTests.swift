import Foundation
import XCTest

/// Creating sessions: mkdir + spec files + start, the root `new` line, the CLI.
final class CreateTests: MountedTestCase {
    func testMkdirSpecFilesAndStart() {
        XCTAssertEqual(m.sh("mkdir $MNT/made").status, 0)
        XCTAssertEqual(m.state("made"), "new")
        XCTAssertEqual(m.sh("stat -c %a $MNT/made/agent").out.trimmingCharacters(in: .whitespacesAndNewlines), "600")
        XCTAssertEqual(m.sh("echo shell > $MNT/made/agent && echo \(m.root) > $MNT/made/dir && echo 'sh -c \"echo made-ran; sleep 60\"' > $MNT/made/command").status, 0)
        XCTAssertEqual(m.read("made/agent"), "shell\n")
        XCTAssertEqual(m.read("made/dir"), m.root + "\n")
        XCTAssertEqual(m.sh("echo start > $MNT/made/control").status, 0)
        m.waitState("made", ["working", "idle"])
        XCTAssertTrue(waitUntil(5) { (self.m.read("made/log") ?? "").contains("made-ran") })
        XCTAssertEqual(m.status("made", "command"), "sh -c 'echo made-ran; sleep 60'")
        // Spec files are read-only once started.
        XCTAssertEqual(m.write("made/agent", "claude\n"), EACCES)
        XCTAssertEqual(m.read("made/agent"), "shell\n")
        let events = m.read("made/events") ?? ""
        XCTAssertTrue(events.contains(" created "), events)
        XCTAssertTrue(events.contains(" spec agent shell"), events)
        XCTAssertTrue(events.contains(" control start"), events)
    }

    func testNewLineWithQuotesEnvAndHome() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        newShell("env1", "sh -c 'echo \"sess=$HIVE_SESSION foo=$FOO dir=$(pwd)\"; sleep 60'",
                 extra: "env.FOO=\"bar baz\"")
        XCTAssertTrue(waitUntil(5) { (self.m.read("env1/log") ?? "").contains("sess=env1 foo=bar baz dir=\(self.m.root)") },
                      m.read("env1/log") ?? "")
        XCTAssertEqual(m.write("control", "new tilde agent=shell dir=~ command=\"sleep 30\" prompt=\"say \\\"hi\\\"\"\n"), 0)
        XCTAssertEqual(m.read("tilde/dir"), home + "\n")
        XCTAssertEqual(m.read("tilde/prompt"), "say \"hi\"\n")
    }

    func testThreeSessionsTwoWaysAndTheCommandLine() {
        newShell("one", "sleep 60")
        XCTAssertEqual(m.sh("mkdir $MNT/two && echo shell > $MNT/two/agent && echo 'sleep 60' > $MNT/two/command && echo start > $MNT/two/control").status, 0)
        let cli = m.sh("cd \(m.root) && '\(MountFixture.binary)' new three --mount $MNT -- sh -c 'echo from-cli; sleep 60'")
        XCTAssertEqual(cli.status, 0, cli.err)
        for n in ["one", "two", "three"] { m.waitState(n, ["working", "idle"]) }
        XCTAssertEqual(m.read("three/dir"), m.root + "\n")
        XCTAssertTrue(waitUntil(5) { (self.m.read("three/log") ?? "").contains("from-cli") })
        let status = m.sh("'\(MountFixture.binary)' status --mount $MNT")
        XCTAssertEqual(status.out.split(separator: "\n").count, 4, status.out)
        // A refused line: the errno and the mount's reason, exit 64.
        let again = m.sh("cd \(m.root) && '\(MountFixture.binary)' new three --mount $MNT -- true")
        XCTAssertEqual(again.status, 64)
        XCTAssertEqual(again.err, "hivefs: EEXIST session 'three' exists\n")
        let nowhere = m.sh("'\(MountFixture.binary)' new four --mount \(m.root)/nothing -- true")
        XCTAssertEqual(nowhere.status, 64)
        XCTAssertEqual(nowhere.err, "hivefs: ENOENT \(m.root)/nothing/control: No such file or directory (is hivefs mounted?)\n")
    }

    func testCommandIsAnArgumentVectorNotShellText() {
        let marker = m.root + "/pwned"
        newShell("lit", "printf '%s\\n' '$(touch \(marker))' ';' '|' && sleep 60", wait: false)
        // printf gets the literal words; '&&' and 'sleep' are arguments too, so it exits.
        XCTAssertTrue(waitUntil(5) { (self.m.read("lit/log") ?? "").contains("$(touch \(marker))") }, m.read("lit/log") ?? "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }

    func testADirectoryNameIsNeverExpandedByTmux() throws {
        let marker = m.root + "/expanded"
        let dir = m.root + "/odd #(touch \(marker)) #S;"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let q = dir.replacingOccurrences(of: "\"", with: "\\\"")
        XCTAssertEqual(m.write("control", "new oddir agent=shell dir=\"\(q)\" command=\"sh -c 'pwd; sleep 60'\"\n"), 0)
        m.waitState("oddir", ["working", "idle"])
        XCTAssertTrue(waitUntil(5) { (self.m.read("oddir/log") ?? "").contains(dir) }, m.read("oddir/log") ?? "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
    }
}
