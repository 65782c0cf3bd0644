import XCTest
@testable import HiveCore

/// A spool file: which names are taken, its lines, each line's command, and what
/// is written of the file once taken (`SpoolFile`, `SpoolReport`).
final class SpoolFileTests: XCTestCase {
    private let home = "/home/u"

    func testFinishedNamesAreTakenEditorsAndDownloadsTemporariesAreNot() {
        for name in ["tasks.txt", "tasks", "2026-12-07.new", "a~b", "tmp", "4913.txt", "swp"] {
            XCTAssertTrue(SpoolFile.takes(name), name)
        }
        for name in [".tasks.txt.swp", ".tmp-x", "tasks.txt~", "tasks.swp", "tasks.swx", "tasks.tmp", "tasks.part",
                     "tasks.crdownload", "4913", "#tasks.txt#", ".#tasks.txt", ""] {
            XCTAssertFalse(SpoolFile.takes(name), name)
        }
    }

    func testLinesAreNumberedAsAnEditorDoesSkippingBlanksAndComments() {
        let got = SpoolFile.lines(bytes("# tickets\n\nnew a agent=shell\r\n  new b  \n\t# later\nnew c"))
        XCTAssertEqual(got, [SpoolLine(number: 3, text: .success("new a agent=shell")),
                             SpoolLine(number: 4, text: .success("new b")),
                             SpoolLine(number: 6, text: .success("new c"))])
        XCTAssertEqual(SpoolFile.lines(bytes("# only\n\n   \n")), [])
    }

    func testALineThatCannotBeReadFailsAloneAndTheOthersStay() {
        var file = bytes("new a\n")
        file += [0x6E, 0x65, 0x77, 0x20, 0xFF, 0xFE, 0x0A]
        file += bytes("new b\u{0}x\n")
        file += bytes("new " + String(repeating: "x", count: ControlParser.maxWrite) + "\n")
        file += bytes("new c\n")
        let got = SpoolFile.lines(file)
        XCTAssertEqual(got.map(\.number), [1, 2, 3, 4, 5])
        XCTAssertEqual(got[0].text, .success("new a"))
        XCTAssertEqual(got[1].text, .failure(.invalid("the line is not valid UTF-8")))
        guard case .failure(let nul) = got[2].text else { return XCTFail("a NUL byte was read") }
        XCTAssertEqual(nul.errno, .invalidArgument)
        guard case .failure(let long) = got[3].text else { return XCTFail("an overlong line was read") }
        XCTAssertEqual(long.errno, .argListTooLong)
        XCTAssertEqual(got[4].text, .success("new c"))
    }

    func testOnlyNewIsTakenAndItsLineIsParsedAsTheRootControlParsesIt() throws {
        let (name, spec) = try SpoolFile.command("new fix-login agent=shell command=\"make test\"", home: home, agents: .builtIn)
        XCTAssertEqual(name, "fix-login")
        XCTAssertEqual(spec.command, "make test")
        for (line, says) in [("hello world", "unknown command 'hello'"),
                             ("prune-history older-than=1d", "root control"),
                             ("host add box me@box", "root control"),
                             ("new b from=a", "a fork (from=a) is written to the root control or a/control"),
                             ("new bad/name", "session name"),
                             ("new x agent=nope", "nope"),
                             ("new spool", "reserved")] {
            let e = assertThrows(.EINVAL, line) { () throws(HiveError) in _ = try SpoolFile.command(line, home: home, agents: .builtIn) }
            XCTAssertEqual(e?.reason.contains(says), true, "\(line): \(e?.reason ?? "")")
        }
    }

    func testAFileWhoseLinesAllMadeSessionsGoesToDone() {
        let r = SpoolReport(file: "tasks.txt", outcomes: [SpoolOutcome(line: 1, .success("fix-login")),
                                                          SpoolOutcome(line: 3, .success("add-oauth"))])
        XCTAssertTrue(r.succeeded)
        XCTAssertEqual(r.folder, "done")
        XCTAssertEqual(r.made, ["fix-login", "add-oauth"])
        XCTAssertEqual(r.resultText, "1 ok fix-login\n3 ok add-oauth\n")
        XCTAssertEqual(r.eventDetail(movedTo: .success("done/tasks.txt")), "tasks.txt: made fix-login, add-oauth -> done/tasks.txt")
    }

    func testAFileWithAFailedLineGoesToFailedWithEachLinesErrnoAndReason() {
        let r = SpoolReport(file: "tasks.txt", outcomes: [SpoolOutcome(line: 1, .success("fix-login")),
                                                          SpoolOutcome(line: 2, .failure(.exists("session 'a' exists"))),
                                                          SpoolOutcome(line: 4, .failure(.invalid("two\nlines")))])
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(r.folder, "failed")
        XCTAssertEqual(r.resultText, "1 ok fix-login\n2 EEXIST session 'a' exists\n4 EINVAL two\\nlines\n",
                       "one line per outcome, whatever the reason holds")
        XCTAssertEqual(r.eventDetail(movedTo: .success("failed/tasks.txt.1")), "tasks.txt: made fix-login; 2 failed -> failed/tasks.txt.1")
        XCTAssertEqual(r.eventDetail(movedTo: .failure(HiveError(.permissionDenied, "cannot move it"))),
                       "tasks.txt: made fix-login; 2 failed; not moved, left in spool/.taking/: EACCES cannot move it")
    }

    func testAWholeFileFailureIsLineZero() {
        let r = SpoolReport(file: "big", outcomes: [SpoolOutcome(line: 0, .failure(.tooBig("the file holds 2000000 bytes")))])
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(r.resultText, "0 E2BIG the file holds 2000000 bytes\n")
        XCTAssertEqual(r.eventDetail(movedTo: .success("failed/big")), "big: E2BIG the file holds 2000000 bytes -> failed/big")
        XCTAssertFalse(SpoolReport(file: "none", outcomes: []).succeeded, "a file that made nothing is not done")
    }
}

/// A file a daemon stopped while taking: none of its lines is run again.
final class SpoolInterruptedTests: XCTestCase {
    func testEachLineSaysWhetherItsSessionExistsAndLineZeroSaysWhy() {
        let bytes = Array("# tickets\nnew made agent=shell\nnew lost agent=shell\nhello\n".utf8)
        let out = SpoolFile.interrupted(bytes) { $0 == "made" }
        XCTAssertEqual(out.map(\.line), [0, 2, 3, 4])
        XCTAssertTrue(out[0].text.hasPrefix("0 ECANCELED hivefs stopped while taking this file"), out[0].text)
        XCTAssertEqual(out[1].text, "2 ok made")
        XCTAssertTrue(out[2].text.hasPrefix("3 ECANCELED not run again") && out[2].text.contains("no session lost exists"), out[2].text)
        XCTAssertTrue(out[3].text.hasPrefix("4 ECANCELED"), out[3].text)
        XCTAssertEqual(SpoolReport(file: "f", outcomes: out).folder, "failed")
    }

    func testTheSessionALineNames() {
        XCTAssertEqual(SpoolFile.sessionName("new fix-login agent=shell"), "fix-login")
        XCTAssertEqual(SpoolFile.sessionName("new\tx"), "x")
        XCTAssertNil(SpoolFile.sessionName("new"))
        XCTAssertNil(SpoolFile.sessionName("host add x"))
    }
}
