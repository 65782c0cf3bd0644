import Foundation
import XCTest

/// The root `spool/`: a symbolic link to the state directory's spool folder, where
/// a file of `new` lines written by `cp`, `mv` or an editor becomes sessions and
/// then moves to `done/` or `failed/` with a `.result`.
final class SpoolTests: MountedTestCase {
    /// The real folder the mount's `spool` points at.
    private var spool: String { m.state + "/spool" }

    /// A `new` line for a shell session that stays up.
    private func line(_ name: String) -> String {
        "new \(name) agent=shell dir=\(m.root) command=\"sleep 300\""
    }

    /// Writes a file outside the spool (in the test's folder, the same file system).
    private func writeAside(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = m.root + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func text(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    /// Waits for a file of the spool's to appear (`done/tasks.txt.result`).
    @discardableResult
    private func waitFor(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let ok = waitUntil(20) { FileManager.default.fileExists(atPath: self.spool + "/" + path) }
        if !ok {
            XCTFail("no \(path) in the spool: \(m.sh("ls -laR \(spool)").out)\nroot events:\n\(m.read("events") ?? "")",
                    file: file, line: line)
        }
        return ok
    }

    /// The names in a folder of the spool, but `.taking` (where files are claimed, always there).
    private func ls(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool + "/" + folder)) ?? []).filter { $0 != ".taking" }.sorted()
    }

    func testTheMountShowsSpoolAsALinkToTheStateDirectorysSpool() {
        let long = m.sh("ls -l $MNT").out.split(separator: "\n").first { $0.hasSuffix(" -> " + spool) }
        XCTAssertNotNil(long, m.sh("ls -l $MNT").out)
        XCTAssertEqual(long?.first, "l", "a symbolic link: \(long ?? "")")
        XCTAssertEqual(m.sh("readlink $MNT/spool").out, spool + "\n")
        XCTAssertEqual(m.sh("ls $MNT/spool/").out, "done\nfailed\n")
        XCTAssertEqual(m.sh("stat -L -c %a $MNT/spool").out, "700\n", "the spool is the user's only, as the state directory")
        XCTAssertNotEqual(m.sh("rm $MNT/spool").status, 0)
        XCTAssertEqual(m.sh("readlink $MNT/spool").out, spool + "\n", "the link stays")
        XCTAssertEqual(m.write("control", "new spool agent=shell command=true\n"), EINVAL, "no session takes its name")
        XCTAssertEqual(m.read("control")?.contains("reserved"), true)
    }

    func testCopiedInTwoGoodLinesMakeTwoSessionsAndTheFileGoesToDone() throws {
        let file = try writeAside("tasks.txt", Array("# two tickets\n\(line("fix-login"))\n\n\(line("add-oauth"))\n".utf8))
        let r = m.sh("cp '\(file)' $MNT/spool/")
        XCTAssertEqual(r.status, 0, r.err)
        waitFor("done/tasks.txt")
        m.waitState("fix-login", ["working", "idle"])
        m.waitState("add-oauth", ["working", "idle"])
        XCTAssertEqual(text(spool + "/done/tasks.txt.result"), "2 ok fix-login\n4 ok add-oauth\n")
        XCTAssertEqual(text(spool + "/done/tasks.txt"), text(file), "moved whole")
        XCTAssertEqual(ls(""), ["done", "failed"], "nothing left in the spool")
        XCTAssertEqual(ls("failed"), [])
        XCTAssertTrue((m.read("events") ?? "").contains(" spool tasks.txt: made fix-login, add-oauth -> done/tasks.txt"),
                      m.read("events") ?? "")
        XCTAssertTrue((m.read("fix-login/events") ?? "").contains("from spool tasks.txt"), m.read("fix-login/events") ?? "")
        XCTAssertEqual(m.status("fix-login", "dir"), m.root)

        // The same name again: the first is never overwritten.
        let again = m.sh("sed 's/fix-login/fix-logout/; s/add-oauth/add-saml/' '\(file)' > $MNT/spool/tasks.txt")
        XCTAssertEqual(again.status, 0, again.err)
        waitFor("done/tasks.txt.1.result")
        XCTAssertEqual(text(spool + "/done/tasks.txt.result"), "2 ok fix-login\n4 ok add-oauth\n")
        XCTAssertEqual(text(spool + "/done/tasks.txt.1.result"), "2 ok fix-logout\n4 ok add-saml\n")
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool + "/done/tasks.txt.1"))
        m.waitState("add-saml", ["working", "idle"])
    }

    func testAFileRenamedInFromTheSameFileSystemIsTaken() throws {
        let file = try writeAside("ticket-42", Array((line("ticket-42") + "\n").utf8))
        let r = m.sh("mv '\(file)' $MNT/spool/ticket-42")
        XCTAssertEqual(r.status, 0, r.err)
        waitFor("done/ticket-42.result")
        XCTAssertEqual(text(spool + "/done/ticket-42.result"), "1 ok ticket-42\n")
        m.waitState("ticket-42", ["working", "idle"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file))
    }

    /// An editor's save, done with the calls an editor makes (vim is not among the
    /// packages the tests install): its swap file, its backup, vim's write probe,
    /// then a temporary file written whole and renamed into place.
    func testAnEditorsTemporaryFilesAreNotTakenOnlyTheFileItSaves() throws {
        for (temp, name) in [(".tasks.txt.swp", "from-swp"), ("tasks.txt~", "from-backup"), ("4913", "from-probe"),
                             ("#tasks.txt#", "from-autosave"), ("tasks.txt.part", "from-part")] {
            try Data((line(name) + "\n").utf8).write(to: URL(fileURLWithPath: spool + "/" + temp))
        }
        try Data((line("saved") + "\n").utf8).write(to: URL(fileURLWithPath: spool + "/.tmp-x"))
        XCTAssertEqual(rename(spool + "/.tmp-x", spool + "/tasks.txt"), 0)
        waitFor("done/tasks.txt.result")
        XCTAssertEqual(text(spool + "/done/tasks.txt.result"), "1 ok saved\n")
        m.waitState("saved", ["working", "idle"])
        // Files are taken in the order they land: those before tasks.txt were passed over.
        XCTAssertEqual(ls(""), ["#tasks.txt#", ".tasks.txt.swp", "4913", "done", "failed", "tasks.txt.part", "tasks.txt~"])
        for name in ["from-swp", "from-backup", "from-probe", "from-autosave", "from-part"] {
            XCTAssertNil(m.read(name + "/state"), "\(name) was made from a temporary file")
        }
        XCTAssertEqual(ls("done"), ["tasks.txt", "tasks.txt.result"])
    }

    func testGarbageLinesFailAloneWithTheirErrnoAndTheGoodOneRuns() throws {
        var bytes = Array((line("good") + "\nhello world\nnew bad/name\nnew x agent=nope\n").utf8)
        bytes += Array("new ".utf8) + [0xFF, 0xFE, 0x80] + Array("\n".utf8)
        let file = try writeAside("mixed.txt", bytes)
        XCTAssertEqual(m.sh("cp '\(file)' $MNT/spool/").status, 0)
        waitFor("failed/mixed.txt.result")
        m.waitState("good", ["working", "idle"])
        let result = (text(spool + "/failed/mixed.txt.result") ?? "").split(separator: "\n").map(String.init)
        XCTAssertEqual(result.count, 5, result.joined(separator: "\n"))
        XCTAssertEqual(result.first, "1 ok good")
        XCTAssertTrue(result[1].hasPrefix("2 EINVAL unknown command 'hello'"), result[1])
        XCTAssertTrue(result[2].hasPrefix("3 EINVAL session name 'bad/name'"), result[2])
        XCTAssertTrue(result[3].hasPrefix("4 EINVAL ") && result[3].contains("nope"), result[3])
        XCTAssertEqual(result[4], "5 EINVAL the line is not valid UTF-8")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: spool + "/failed/mixed.txt")), Data(bytes), "nothing lost")
        XCTAssertEqual(ls("done"), [])
        XCTAssertEqual(m.sh("ls $MNT").out.split(separator: "\n").sorted(),
                       ["control", "events", "good", "history", "spool", "status", "status.json"], "only the good line made a session")
        XCTAssertTrue((m.read("events") ?? "").contains(" spool mixed.txt: made good; 4 failed -> failed/mixed.txt"),
                      m.read("events") ?? "")
    }

    func testAFileOfNothingButCommentsOrTooLargeFailsWholeAndAnEmptyOneWaits() throws {
        // An empty file (touch, or a writer not done) is left until it has content.
        XCTAssertEqual(m.sh("touch $MNT/spool/later").status, 0)
        XCTAssertEqual(m.sh("printf '# nothing yet\\n\\n' > $MNT/spool/comments").status, 0)
        waitFor("failed/comments.result")
        XCTAssertEqual(text(spool + "/failed/comments.result"),
                       "0 EINVAL the file holds no new line, only blank lines and comments\n")

        let big = [UInt8](repeating: UInt8(ascii: "#"), count: (1 << 20) + 1)
        let file = try writeAside("big", big)
        XCTAssertEqual(m.sh("cp '\(file)' $MNT/spool/big").status, 0)
        waitFor("failed/big.result")
        XCTAssertEqual(text(spool + "/failed/big.result"), "0 E2BIG the file holds 1048577 bytes; a spool file holds at most 1048576\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: spool + "/failed/big")).count, big.count, "moved whole")
        XCTAssertTrue((m.read("events") ?? "").contains(" spool big: E2BIG the file holds 1048577 bytes"), m.read("events") ?? "")

        XCTAssertEqual(ls(""), ["done", "failed", "later"], "the empty file waits")
        XCTAssertEqual(m.sh("echo '\(line("at-last"))' >> $MNT/spool/later").status, 0)
        waitFor("done/later.result")
        m.waitState("at-last", ["working", "idle"])
    }

    func testAFileThatCannotBeMovedStaysWhereItIsAndTheEventSaysWhy() throws {
        // failed/ is gone and an (empty, so never taken) file stands in its place.
        XCTAssertEqual(m.sh("rmdir '\(spool)/failed' && touch '\(spool)/failed'").status, 0)
        let bytes = Array("\(line("made-anyway"))\nhello\n".utf8)
        let file = try writeAside("stuck.txt", bytes)
        XCTAssertEqual(m.sh("cp '\(file)' $MNT/spool/").status, 0)
        XCTAssertTrue(waitUntil(20) { (self.m.read("events") ?? "").contains(" spool stuck.txt:") }, m.read("events") ?? "")
        let events = m.read("events") ?? ""
        XCTAssertTrue(events.contains(" spool stuck.txt: made made-anyway; 1 failed; not moved, left in spool/.taking/: ENOTDIR "), events)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: spool + "/.taking/stuck.txt")), Data(bytes), "left whole where it was claimed")
        XCTAssertEqual(ls(""), ["done", "failed"], "no .result left anywhere")
        XCTAssertEqual(ls(".taking"), ["stuck.txt"])
        XCTAssertEqual(ls("done"), [])
        m.waitState("made-anyway", ["working", "idle"])

        // Once failed/ is back, a file is moved there again: the folder is made if it is missing.
        XCTAssertEqual(m.sh("rm '\(spool)/failed'").status, 0)
        XCTAssertEqual(m.sh("echo hello > $MNT/spool/again").status, 0)
        waitFor("failed/again.result")
        XCTAssertEqual(text(spool + "/failed/again.result")?.hasPrefix("1 EINVAL unknown command 'hello'"), true)
    }

    func testAFileWrittenWhileTheDaemonIsDownIsTakenAtStart() throws {
        guard let pid = m.daemon else { return XCTFail("no daemon") }
        kill(pid, SIGTERM)
        XCTAssertTrue(waitUntil(10) { !self.m.daemonRunning }, "the daemon stops")
        try Data((line("overnight") + "\n").utf8).write(to: URL(fileURLWithPath: spool + "/b-second"))
        try Data((line("early") + "\n").utf8).write(to: URL(fileURLWithPath: spool + "/a-first"))
        // What is not a regular file is never taken, nor followed (taken first, by name).
        try Data((line("linked") + "\n").utf8).write(to: URL(fileURLWithPath: m.root + "/elsewhere"))
        XCTAssertEqual(m.sh("cd '\(spool)' && ln -s '\(m.root)/elsewhere' 0-link && mkdir 0-dir && mkfifo 0-fifo").status, 0)
        try m.mount()
        waitFor("done/b-second.result")
        waitFor("done/a-first.result")
        XCTAssertEqual(ls(""), ["0-dir", "0-fifo", "0-link", "done", "failed"])
        XCTAssertEqual(ls("done"), ["a-first", "a-first.result", "b-second", "b-second.result"])
        XCTAssertNil(m.read("linked/state"), "a symbolic link is not followed")
        XCTAssertEqual(text(m.root + "/elsewhere"), line("linked") + "\n")
        m.waitState("overnight", ["working", "idle"])
        m.waitState("early", ["working", "idle"])
        let events = m.read("events") ?? ""
        let first = events.range(of: " spool a-first:"), second = events.range(of: " spool b-second:")
        XCTAssertNotNil(first, events)
        XCTAssertNotNil(second, events)
        if let first, let second { XCTAssertLessThan(first.lowerBound, second.lowerBound, "taken in name order") }
    }

    func testASessionNameThatExistsFailsItsLineAndLeavesTheSessionAlone() throws {
        newShell("dup", "sleep 300")
        m.waitState("dup", ["idle"])
        let pid = m.pid("dup")
        let eventsBefore = m.read("dup/events") ?? ""
        let file = try writeAside("dup.txt", Array("\(line("dup"))\n\(line("fresh"))\n\(line("fresh"))\n".utf8))
        XCTAssertEqual(m.sh("cp '\(file)' $MNT/spool/").status, 0)
        waitFor("failed/dup.txt.result")
        XCTAssertEqual(text(spool + "/failed/dup.txt.result"),
                       "1 EEXIST session 'dup' exists\n2 ok fresh\n3 EEXIST session 'fresh' exists\n")
        XCTAssertEqual(m.pid("dup"), pid, "the session that was there runs on")
        XCTAssertEqual(m.read("dup/events"), eventsBefore, "and nothing was recorded of it")
        m.waitState("fresh", ["working", "idle"])
        XCTAssertEqual(ls("done"), [])
    }

    func testAFileLeftClaimedByAStoppedDaemonGoesToFailedAndNoLineRunsAgain() throws {
        newShell("was-made", "sleep 300")
        m.waitState("was-made", ["idle"])
        guard let pid = m.daemon else { return XCTFail("no daemon") }
        kill(pid, SIGTERM)
        XCTAssertTrue(waitUntil(10) { !self.m.daemonRunning }, "the daemon stops")
        // As a daemon leaves a file it was taking: claimed, the first line's session made.
        let bytes = Array("\(line("was-made"))\n\(line("never-made"))\nhello\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: spool + "/.taking/crashed.txt"))
        try m.mount()
        waitFor("failed/crashed.txt.result")
        let result = text(spool + "/failed/crashed.txt.result") ?? ""
        let lines = result.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, result)
        XCTAssertTrue(lines.first?.hasPrefix("0 ECANCELED hivefs stopped while taking this file") == true, result)
        XCTAssertEqual(lines.dropFirst().first, "1 ok was-made")
        XCTAssertTrue(lines.dropFirst(2).first?.hasPrefix("2 ECANCELED not run again") == true, result)
        XCTAssertTrue(lines.last?.hasPrefix("3 ECANCELED") == true, result)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: spool + "/failed/crashed.txt")), Data(bytes), "moved whole")
        XCTAssertEqual(ls(".taking"), [])
        XCTAssertNil(m.read("never-made/state"), "its line was not run again")
        XCTAssertTrue((m.read("events") ?? "").contains(" spool crashed.txt: made was-made; 3 failed -> failed/crashed.txt"), m.read("events") ?? "")
    }

    func testAFileStillOpenForWritingAtStartIsTakenOnlyOnceClosed() throws {
        guard let pid = m.daemon else { return XCTFail("no daemon") }
        kill(pid, SIGTERM)
        XCTAssertTrue(waitUntil(10) { !self.m.daemonRunning }, "the daemon stops")
        // A writer that has written one line and goes on writing the next.
        let open = spool + "/a-open"
        let fifo = m.root + "/go"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "exec 3>'\(open)'; echo '\(line("first-half"))' >&3; read x < '\(fifo)'; echo '\(line("second-half"))' >&3"]
        try writer.run()
        XCTAssertTrue(waitUntil(10) { (self.text(open) ?? "").contains("first-half") })
        try Data((line("closed") + "\n").utf8).write(to: URL(fileURLWithPath: spool + "/b-closed"))
        try m.mount()
        // Taken in name order: once b-closed is, a-open was looked at and left.
        waitFor("done/b-closed.result")
        XCTAssertEqual(ls(""), ["a-open", "done", "failed"], "a file still being written is not taken")
        XCTAssertNil(m.read("first-half/state"))
        // Its writer finishes: taken whole at its close.
        XCTAssertEqual(m.sh("echo go > '\(fifo)'").status, 0)
        writer.waitUntilExit()
        waitFor("done/a-open.result")
        XCTAssertEqual(text(spool + "/done/a-open.result"), "1 ok first-half\n2 ok second-half\n")
        XCTAssertTrue(m.daemonRunning)
    }
}
