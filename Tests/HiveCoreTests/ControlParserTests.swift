import XCTest
@testable import HiveCore

/// The shape of a write: `ControlParser.lines` (DESIGN.md §4).
final class ControlWriteTests: XCTestCase {
    func testOneCommandWithTrailingNewline() {
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ControlParser.lines(bytes("pause\n")) }, ["pause"])
    }

    func testSurroundingWhiteSpaceAndBlankLinesAreIgnored() {
        let got = assertNoThrow { () throws(HiveError) in
            try ControlParser.lines(bytes("\n  pause \t\n\n\tresume\n   \n"))
        }
        XCTAssertEqual(got, ["pause", "resume"])
    }

    func testWithoutTrailingNewline() {
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ControlParser.lines(bytes("kill")) }, ["kill"])
    }

    func testEmptyOrBlankWriteIsEINVAL() {
        for w in ["", "\n", "   \n\t\n", " "] {
            assertThrows(.EINVAL, w.debugDescription) { () throws(HiveError) in try ControlParser.lines(bytes(w)) }
        }
    }

    func testSixtyFourKiBIsAccepted() {
        let line = "send " + String(repeating: "x", count: ControlParser.maxWrite - 6) + "\n"
        XCTAssertEqual(line.utf8.count, 64 * 1024)
        let got = assertNoThrow { () throws(HiveError) in try ControlParser.lines(bytes(line)) }
        XCTAssertEqual(got?.count, 1)
    }

    func testOneByteOverSixtyFourKiBIsE2BIG() {
        let b = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024 + 1)
        let e = assertThrows(.E2BIG) { () throws(HiveError) in try ControlParser.lines(b) }
        XCTAssertEqual(e?.reason.contains("65537"), true, e?.reason ?? "")
    }

    func testE2BIGComesBeforeOtherChecks() {
        // Too long and holding a NUL: the size is reported first.
        var b = [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024 + 10)
        b[3] = 0
        assertThrows(.E2BIG) { () throws(HiveError) in try ControlParser.lines(b) }
    }

    func testNULByteIsEINVAL() {
        assertThrows(.EINVAL) { () throws(HiveError) in try ControlParser.lines([0x70, 0x61, 0x00, 0x0A]) }
        assertThrows(.EINVAL) { () throws(HiveError) in try ControlParser.lines(bytes("send a\u{0}b\n")) }
    }

    func testInvalidUTF8IsEINVAL() {
        let samples: [[UInt8]] = [
            bytes("send ") + [0xFF] + bytes("\n"),
            bytes("send ") + [0xC3] + bytes("\n"),             // truncated two-byte sequence
            bytes("send ") + [0xED, 0xA0, 0x80] + bytes("\n"), // UTF-16 surrogate
            bytes("send ") + [0xC0, 0xAF] + bytes("\n"),       // overlong '/'
        ]
        for b in samples {
            assertThrows(.EINVAL, "\(b)") { () throws(HiveError) in try ControlParser.lines(b) }
        }
    }

    func testValidMultibyteUTF8IsAccepted() {
        let got = assertNoThrow { () throws(HiveError) in try ControlParser.lines(bytes("send héllo wörld 🐝\n")) }
        XCTAssertEqual(got, ["send héllo wörld 🐝"])
    }

    func testCRLFLineEndingsSplitIntoLines() {
        // A write with CRLF line endings (a Windows editor, `printf 'a\r\nb\r\n'`) holds
        // two lines. `split(separator: "\n")` on a String compares Characters, and
        // "\r\n" is one Character, so the write is read as one line.
        let got = assertNoThrow { () throws(HiveError) in try ControlParser.lines(bytes("pause\r\nresume\r\n")) }
        XCTAssertEqual(got, ["pause", "resume"])
        // Worse than a refusal: `send` swallows the lines after it.
        let cmds = try? ControlParser.sessionCommands(bytes("send hi\r\nkill\r\n"))
        XCTAssertEqual(cmds, [.send("hi"), .kill])
    }

    func testSingleLineWithCRLFIsTrimmed() {
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ControlParser.lines(bytes("pause\r\n")) }, ["pause"])
    }
}

/// Session `control` verbs.
final class SessionCommandTests: XCTestCase {
    private func parse(_ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> SessionCommand? {
        assertNoThrow(line, file: file, line: lineNo) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
    }

    @discardableResult
    private func refuse(_ expected: Err, _ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> HiveError? {
        assertThrows(expected, line, file: file, line: lineNo) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
    }

    func testVerbsWithoutArguments() {
        XCTAssertEqual(parse("start"), .start)
        XCTAssertEqual(parse("pause"), .pause)
        XCTAssertEqual(parse("resume"), .resume)
        XCTAssertEqual(parse("interrupt"), .interrupt)
        XCTAssertEqual(parse("kill"), .kill)
        XCTAssertEqual(parse("restart"), .restart)
    }

    func testVerbNamesMatchWhatWasWritten() {
        for v in ["start", "pause", "resume", "interrupt", "kill", "restart"] {
            XCTAssertEqual(parse(v)?.verb, v)
        }
        XCTAssertEqual(parse("send hi")?.verb, "send")
        XCTAssertEqual(parse("keys Enter")?.verb, "keys")
        XCTAssertEqual(parse("idle-timeout 30m")?.verb, "idle-timeout")
        XCTAssertEqual(parse("budget 100")?.verb, "budget")
    }

    func testVerbsWithoutArgumentsRefuseArguments() {
        for line in ["start now", "pause 5", "resume all", "interrupt please", "kill -9", "restart x"] {
            refuse(.EINVAL, line)
        }
    }

    func testUnknownVerbIsEINVALAndNamesIt() {
        let e = refuse(.EINVAL, "frobnicate now")
        XCTAssertEqual(e?.reason.contains("frobnicate"), true, e?.reason ?? "")
    }

    func testVerbsAreCaseSensitive() {
        for line in ["PAUSE", "Pause", "Send hi"] {
            refuse(.EINVAL, line)
        }
    }

    func testNewIsRefusedInASessionControl() {
        let e = refuse(.EINVAL, "new foo")
        XCTAssertEqual(e?.reason.contains("root"), true, e?.reason ?? "")
    }

    func testSendKeepsTheTextLiterally() {
        let text = #"$(rm -rf ~); echo "hi" 'there' | cat && `id` > /tmp/x \n *"#
        XCTAssertEqual(parse("send " + text), .send(text))
    }

    func testSendKeepsInnerSpacingButNotSurroundingSpace() {
        XCTAssertEqual(parse("send   two  spaces\tand tab  "), .send("two  spaces\tand tab"))
        XCTAssertEqual(parse("send\tTab separated"), .send("Tab separated"))
    }

    func testSendWithoutTextIsEINVAL() {
        for line in ["send", "send   ", "send\t"] {
            assertThrows(.EINVAL, line.debugDescription) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
        }
    }

    func testSendThroughAWholeWrite() {
        let got = assertNoThrow { () throws(HiveError) in
            try ControlParser.sessionCommands(bytes("send Use the existing TokenStore; don't \"rewrite\" it\n"))
        }
        XCTAssertEqual(got, [.send("Use the existing TokenStore; don't \"rewrite\" it")])
    }

    func testKeys() {
        XCTAssertEqual(parse("keys Enter"), .keys(["Enter"]))
        XCTAssertEqual(parse("keys  Down   Down\tEnter "), .keys(["Down", "Down", "Enter"]))
        XCTAssertEqual(parse("keys C-c y Escape M-x F5"), .keys(["C-c", "y", "Escape", "M-x", "F5"]))
    }

    func testKeysRefusesAnythingThatIsNotAKeyName() {
        for line in ["keys $(rm)", "keys Enter;", "keys foo", "keys Enter foo", "keys 'Enter'", "keys \"y\"", "keys hello world"] {
            let e = refuse(.EINVAL, line)
            XCTAssertEqual(e?.reason.contains("key name"), true, e?.reason ?? "")
        }
    }

    func testKeysNeedsAName() {
        refuse(.EINVAL, "keys")
        refuse(.EINVAL, "keys   ")
    }

    func testKeysTakesAtMost256Names() {
        let ok = "keys " + Array(repeating: "y", count: 256).joined(separator: " ")
        XCTAssertEqual(parse(ok), .keys(Array(repeating: "y", count: 256)))
        let tooMany = "keys " + Array(repeating: "y", count: 257).joined(separator: " ")
        refuse(.ERANGE, tooMany)
    }

    func testIdleTimeout() {
        XCTAssertEqual(parse("idle-timeout 30m"), .idleTimeout(1800))
        XCTAssertEqual(parse("idle-timeout 2h"), .idleTimeout(7200))
        XCTAssertEqual(parse("idle-timeout 90"), .idleTimeout(90))
        XCTAssertEqual(parse("idle-timeout off"), .idleTimeout(nil))
    }

    func testIdleTimeoutErrors() {
        refuse(.EINVAL, "idle-timeout")
        refuse(.EINVAL, "idle-timeout soon")
        refuse(.EINVAL, "idle-timeout OFF")
        refuse(.ERANGE, "idle-timeout 0")
        refuse(.ERANGE, "idle-timeout 400d")
    }

    func testBudget() {
        XCTAssertEqual(parse("budget 500000"), .budget(.tokens(500_000)))
        XCTAssertEqual(parse("budget off"), .budget(nil))
        XCTAssertEqual(parse("budget usd=2.50"), .budget(.usd(2.5)))
        refuse(.EINVAL, "budget usd=")
        refuse(.EINVAL, "budget usd=cheap")
        refuse(.EINVAL, "budget usd=-1")
        refuse(.EINVAL, "budget usd=nan")
        refuse(.ERANGE, "budget usd=0")
        refuse(.ERANGE, "budget usd=99999999")
    }

    func testBudgetErrors() {
        refuse(.EINVAL, "budget")
        refuse(.EINVAL, "budget lots")
        refuse(.EINVAL, "budget 10k")
        refuse(.EINVAL, "budget 1.5")
        refuse(.ERANGE, "budget 0")
        refuse(.ERANGE, "budget -5")
    }

    func testBudgetBeyondInt64IsERANGE() {
        // DESIGN.md §4: ERANGE is "a number out of range". `Int64(rest)` fails on
        // overflow and the parser reports EINVAL, unlike Durations, which says ERANGE.
        refuse(.ERANGE, "budget 99999999999999999999")
    }

    func testSeveralLinesParseInOrder() {
        let got = assertNoThrow { () throws(HiveError) in
            try ControlParser.sessionCommands(bytes("pause\nsend hello there\nkeys Enter\nresume\n"))
        }
        XCTAssertEqual(got, [.pause, .send("hello there"), .keys(["Enter"]), .resume])
    }

    func testOneBadLineRefusesTheWholeWrite() {
        let e = assertThrows(.EINVAL) { () throws(HiveError) in
            try ControlParser.sessionCommands(bytes("pause\nsend hi\nexplode\n"))
        }
        XCTAssertEqual(e?.reason.contains("explode"), true, e?.reason ?? "")
        assertThrows(.ERANGE) { () throws(HiveError) in
            try ControlParser.sessionCommands(bytes("pause\nbudget 0\n"))
        }
    }

    func testUnknownVerbWithControlCharactersIsShownEscaped() {
        let e = refuse(.EINVAL, "bad\u{1B}[2J")
        XCTAssertEqual(e?.reason.contains("\u{1B}"), false, "escape sequences must not reach a terminal")
        XCTAssertEqual(e?.reason.contains("\\x1b"), true, e?.reason ?? "")
    }
}

/// Root `control`: `new NAME [KEY=VALUE ...]`.
final class RootCommandTests: XCTestCase {
    let home = "/home/ana"

    private func new(_ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> (String, SessionSpec)? {
        guard let cmd = assertNoThrow(line, file: file, line: lineNo, { [home] () throws(HiveError) in
            try ControlParser.rootCommand(line, home: home, agents: .builtIn)
        }) else { return nil }
        switch cmd {
        case .new(let name, let spec): return (name, spec)
        case .pruneHistory, .hostAdd, .hostRemove, .fork:
            XCTFail("\(line) is not a new", file: file, line: lineNo)
            return nil
        }
    }

    func testNewFromIsAForkWhoseWordsAreCheckedForForm() {
        XCTAssertEqual(try? ControlParser.rootCommand("new b from=a prompt=\"try again\" model=opus", home: home, agents: .builtIn),
                       .fork(name: "b", parent: "a", settings: ["prompt=try again", "model=opus"]))
        refuse(.EINVAL, "new b from=../a")
        refuse(.EINVAL, "new b from=a agent=codex")
        refuse(.EINVAL, "new b from=a dir=/tmp")
        refuse(.EINVAL, "new b from=a worktree=no")
        refuse(.EINVAL, "new b from=a model=x model=y")
        XCTAssertEqual(try? ControlParser.sessionCommand("fork b worktree=try/b"), .fork(name: "b", settings: ["worktree=try/b"]))
        XCTAssertThrowsError(try ControlParser.sessionCommand("fork"))
        XCTAssertThrowsError(try ControlParser.sessionCommand("fork a/b"))
        XCTAssertThrowsError(try ControlParser.sessionCommand("fork b agent=claude"))
    }

    func testHostAddAndRemove() {
        XCTAssertEqual(try? ControlParser.rootCommand("host add box me@build-box", home: home, agents: .builtIn),
                       .hostAdd(name: "box", destination: "me@build-box"))
        XCTAssertEqual(try? ControlParser.rootCommand("host remove box", home: home, agents: .builtIn), .hostRemove(name: "box"))
        refuse(.EINVAL, "host")
        refuse(.EINVAL, "host add box")
        refuse(.EINVAL, "host add box a b")
        refuse(.EINVAL, "host add ../x me@box")
        refuse(.EINVAL, "host add box -oProxyCommand=sh")
        refuse(.EINVAL, "host add .box me@box")
        refuse(.EINVAL, "host remove")
        refuse(.EINVAL, "host move box")
    }

    func testPruneHistory() {
        XCTAssertEqual(try? ControlParser.rootCommand("prune-history older-than=30d", home: home, agents: .builtIn), .pruneHistory(olderThan: 30 * 86400))
        refuse(.EINVAL, "prune-history")
        refuse(.EINVAL, "prune-history 30d")
        refuse(.ERANGE, "prune-history older-than=0")
        refuse(.EINVAL, "prune-history older-than=30d extra")
    }

    @discardableResult
    private func refuse(_ expected: Err, _ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> HiveError? {
        assertThrows(expected, line, file: file, line: lineNo) { [home] () throws(HiveError) in
            try ControlParser.rootCommand(line, home: home, agents: .builtIn)
        }
    }

    func testNameAloneGivesTheDefaultSpec() {
        let got = new("new auth-feature")
        XCTAssertEqual(got?.0, "auth-feature")
        XCTAssertEqual(got?.1, SessionSpec())
        XCTAssertEqual(got?.1.agent, .claude)
        XCTAssertEqual(got?.1.worktree, "no")
    }

    func testEveryKey() {
        let got = new(#"new auth agent=claude dir=/src/app prompt="Add OAuth" model=opus worktree=no command="claude --verbose""#)
        XCTAssertEqual(got?.0, "auth")
        XCTAssertEqual(got?.1.agent, .claude)
        XCTAssertEqual(got?.1.dir, "/src/app")
        XCTAssertEqual(got?.1.prompt, "Add OAuth")
        XCTAssertEqual(got?.1.model, "opus")
        XCTAssertEqual(got?.1.worktree, "no")
        XCTAssertEqual(got?.1.command, "claude --verbose")
    }

    func testQuotedValueWithEscapedQuotes() {
        XCTAssertEqual(new(#"new a prompt="Add OAuth \"now\"""#)?.1.prompt, #"Add OAuth "now""#)
    }

    func testQuotedValueWithEscapedBackslash() {
        XCTAssertEqual(new(#"new a prompt="C:\\temp and \d""#)?.1.prompt, #"C:\temp and \d"#)
    }

    func testQuotedValueIsNotExpanded() {
        XCTAssertEqual(new(#"new a prompt="$(rm -rf ~); echo `id` | sh""#)?.1.prompt, "$(rm -rf ~); echo `id` | sh")
    }

    func testEmptyQuotedValue() {
        XCTAssertEqual(new(#"new a prompt="""#)?.1.prompt, "")
    }

    func testTildeInDirIsTheHomeParameter() {
        XCTAssertEqual(new("new a dir=~/src/app")?.1.dir, "/home/ana/src/app")
        XCTAssertEqual(new("new a dir=~")?.1.dir, "/home/ana")
        let other = assertNoThrow { () throws(HiveError) in try ControlParser.rootCommand("new a dir=~/x", home: "/Users/bo", agents: .builtIn) }
        XCTAssertEqual(other, .new(name: "a", spec: { var s = SessionSpec(); s.dir = "/Users/bo/x"; return s }()))
    }

    func testTildeOnlyExpandsAtTheStartOfDir() {
        XCTAssertEqual(new("new a dir=/srv/~/x")?.1.dir, "/srv/~/x")
        XCTAssertEqual(new("new a prompt=~/x")?.1.prompt, "~/x")
    }

    func testRelativeDirIsEINVAL() {
        refuse(.EINVAL, "new a dir=src/app")
        refuse(.EINVAL, "new a dir=~ana/src")
    }

    func testEnvKeys() {
        let spec = new(#"new a env.API_URL=http://x:1/y env.MODE="two words" env._X1="""#)?.1
        XCTAssertEqual(spec?.env, ["API_URL": "http://x:1/y", "MODE": "two words", "_X1": ""])
    }

    func testEnvValueMayHoldEquals() {
        XCTAssertEqual(new("new a env.OPTS=a=b=c")?.1.env["OPTS"], "a=b=c")
    }

    func testBadEnvNames() {
        for line in ["new a env.=x", "new a env.1X=y", "new a env.A-B=y", "new a env.A.B=y", "new a env.HIVE_SESSION=x"] {
            refuse(.EINVAL, line)
        }
    }

    func testUnknownKeyIsEINVALAndListsTheKeys() {
        let e = refuse(.EINVAL, "new a colour=blue")
        XCTAssertEqual(e?.reason.contains("colour"), true, e?.reason ?? "")
        XCTAssertEqual(e?.reason.contains("prompt"), true, e?.reason ?? "")
    }

    func testKeysAreCaseSensitive() {
        refuse(.EINVAL, "new a Agent=claude")
    }

    func testWordWithoutEqualsIsEINVAL() {
        refuse(.EINVAL, "new a claude")
        refuse(.EINVAL, "new a b")
    }

    func testKeyGivenTwiceIsEINVAL() {
        refuse(.EINVAL, "new a prompt=x prompt=y")
        refuse(.EINVAL, "new a env.X=1 env.X=2")
    }

    func testUnterminatedQuoteIsEINVAL() {
        let e = refuse(.EINVAL, #"new a prompt="Add OAuth"#)
        XCTAssertEqual(e?.reason.contains("quote"), true, e?.reason ?? "")
        refuse(.EINVAL, #"new a prompt="ends in backslash\"#)
    }

    func testBadNamesAreEINVAL() {
        for name in ["..", "a/b", ".x", String(repeating: "n", count: 65), "status", "control", "events", "history", "spool", #""a b""#] {
            refuse(.EINVAL, "new \(name) agent=claude")
        }
    }

    func testSixtyFourCharacterNameIsAccepted() {
        let name = String(repeating: "n", count: 64)
        XCTAssertEqual(new("new \(name)")?.0, name)
    }

    func testMissingNameIsEINVAL() {
        refuse(.EINVAL, "new")
        refuse(.EINVAL, "new   ")
    }

    func testOtherVerbsAreEINVAL() {
        for line in ["start", "pause", "rm a", "New a", "create a"] {
            refuse(.EINVAL, line)
        }
    }

    func testShellAgentNeedsACommand() {
        let e = refuse(.EINVAL, "new a agent=shell")
        XCTAssertEqual(e?.reason.contains("command"), true, e?.reason ?? "")
        refuse(.EINVAL, #"new a agent=shell command="   ""#)
        let ok = new(#"new a agent=shell command="bash -lc 'make test'""#)
        XCTAssertEqual(ok?.1.agent, .shell)
        XCTAssertEqual(ok?.1.command, "bash -lc 'make test'")
    }

    func testCommandMustSplitIntoWords() {
        refuse(.EINVAL, #"new a agent=shell command="echo 'unterminated""#)
    }

    func testUnknownAgentIsEINVAL() {
        let e = refuse(.EINVAL, "new a agent=hal9000")
        XCTAssertEqual(e?.reason.contains("hal9000"), true, e?.reason ?? "")
    }

    func testWorktreeTakesYesNoOrABranchGitAccepts() {
        refuse(.EINVAL, "new a worktree=\"my branch\"")
        refuse(.EINVAL, "new a worktree=a..b")
        refuse(.EINVAL, "new a setup=true")  // setup needs a worktree
        let got = assertNoThrow { () throws(HiveError) in
            try ControlParser.rootCommands(bytes("new a worktree=yes setup=\"make deps\"\nnew b worktree=feature/x\n"), home: "/h", agents: .builtIn)
        }
        var sa = SessionSpec(); sa.worktree = "yes"; sa.setup = "make deps"
        var sb = SessionSpec(); sb.worktree = "feature/x"
        XCTAssertEqual(got, [.new(name: "a", spec: sa), .new(name: "b", spec: sb)])
    }

    func testModelMustBeOneWord() {
        refuse(.EINVAL, #"new a model="opus 4""#)
    }

    func testWholeWriteOfSeveralSessions() {
        let got = assertNoThrow { () throws(HiveError) in
            try ControlParser.rootCommands(bytes("new a prompt=\"one\"\nnew b dir=~/b\n"), home: "/h", agents: .builtIn)
        }
        var sa = SessionSpec(); sa.prompt = "one"
        var sb = SessionSpec(); sb.dir = "/h/b"
        XCTAssertEqual(got, [.new(name: "a", spec: sa), .new(name: "b", spec: sb)])
    }

    func testDuplicateNameInOneWriteIsEEXIST() {
        let e = assertThrows(.EEXIST) { () throws(HiveError) in
            try ControlParser.rootCommands(bytes("new a\nnew b\nnew a prompt=x\n"), home: "/h", agents: .builtIn)
        }
        XCTAssertEqual(e?.reason.contains("'a'"), true, e?.reason ?? "")
    }

    func testOneBadLineRefusesTheWholeRootWrite() {
        assertThrows(.EINVAL) { () throws(HiveError) in
            try ControlParser.rootCommands(bytes("new a\nnew b worktree=a..b\n"), home: "/h", agents: .builtIn)
        }
        assertThrows(.EINVAL) { () throws(HiveError) in
            try ControlParser.rootCommands(bytes("new a\nnew ..\n"), home: "/h", agents: .builtIn)
        }
    }

    func testRootWriteLimitsApply() {
        assertThrows(.E2BIG) { () throws(HiveError) in
            try ControlParser.rootCommands([UInt8](repeating: 0x20, count: 64 * 1024 + 1), home: "/h", agents: .builtIn)
        }
        assertThrows(.EINVAL) { () throws(HiveError) in
            try ControlParser.rootCommands(bytes("new a prompt=\"x\u{0}\"\n"), home: "/h", agents: .builtIn)
        }
    }

    func testQuoteBuildsLinesThatParseBack() {
        let prompt = "Fix \"the\" bug in C:\\src\\app\tnow"
        let line = "new a prompt=" + QuotedWords.quote(prompt) + " env.X=" + QuotedWords.quote("")
        let got = new(line)
        XCTAssertEqual(got?.1.prompt, prompt)
        XCTAssertEqual(got?.1.env, ["X": ""])
    }
}
