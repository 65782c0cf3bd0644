import Foundation
import XCTest
@testable import HiveCore

final class SessionSpecTests: XCTestCase {
    private func set(_ spec: inout SessionSpec, _ key: SpecKey, _ raw: String, home: String = "/home/ana",
                     file: StaticString = #filePath, line: UInt = #line) {
        do { try spec.set(key, raw, home: home, agents: .builtIn) } catch { XCTFail("\(key)=\(raw.debugDescription): \(error)", file: file, line: line) }
    }

    @discardableResult
    private func refuse(_ expected: Err, _ key: SpecKey, _ raw: String, file: StaticString = #filePath, line: UInt = #line) -> HiveError? {
        var spec = SessionSpec()
        let before = spec
        let e = assertThrows(expected, "\(key)=\(raw.debugDescription)", file: file, line: line) { () throws(HiveError) in
            try spec.set(key, raw, home: "/home/ana", agents: .builtIn)
        }
        XCTAssertEqual(spec, before, "a refused value changes nothing", file: file, line: line)
        return e
    }

    func testDefaults() {
        let s = SessionSpec()
        XCTAssertEqual(s.agent, .claude)
        XCTAssertEqual(s.dir, "")
        XCTAssertEqual(s.prompt, "")
        XCTAssertEqual(s.command, "")
        XCTAssertEqual(s.model, "")
        XCTAssertEqual(s.worktree, "no")
        XCTAssertEqual(s.env, [:])
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.checkStartable(agents: .builtIn) })
    }

    func testSpecKeysInListingOrder() {
        XCTAssertEqual(SpecKey.allCases.map(\.rawValue), ["agent", "dir", "prompt", "command", "model", "worktree", "setup", "mode", "trust", "sandbox"])
    }

    func testFileContentAsEchoWritesIt() {
        var s = SessionSpec()
        set(&s, .agent, "shell\n")
        set(&s, .dir, "  /src/app \n")
        set(&s, .model, "opus\n")
        set(&s, .command, "make test\n")
        XCTAssertEqual(s.agent, .shell)
        XCTAssertEqual(s.dir, "/src/app")
        XCTAssertEqual(s.model, "opus")
        XCTAssertEqual(s.command, "make test")
    }

    func testPromptKeepsItsLinesAndSpacesButNotTheLastNewline() {
        var s = SessionSpec()
        set(&s, .prompt, "  Fix the login bug.\n\nThen run the tests.  \n")
        XCTAssertEqual(s.prompt, "  Fix the login bug.\n\nThen run the tests.  ")
    }

    func testOneLineKeysRefuseSeveralLines() {
        for key in [SpecKey.agent, .dir, .command, .model, .worktree] {
            refuse(.EINVAL, key, "a\nb")
            refuse(.EINVAL, key, "/a\rb")
        }
    }

    func testOneLineKeysRefuseCRLFInside() {
        refuse(.EINVAL, .dir, "/tmp/a\r\n/etc")
        refuse(.EINVAL, .model, "opus\r\nx")
    }

    func testNULIsRefused() {
        for key in SpecKey.allCases {
            refuse(.EINVAL, key, "a\u{0}b")
        }
    }

    func testAgentNames() {
        var s = SessionSpec()
        set(&s, .agent, "shell")
        XCTAssertEqual(s.agent, .shell)
        set(&s, .agent, "claude")
        XCTAssertEqual(s.agent, .claude)
        let e = refuse(.EINVAL, .agent, "Claude")
        XCTAssertEqual(e?.reason.contains("claude, codex, gemini, aider, cursor, shell"), true, e?.reason ?? "")
        set(&s, .agent, "codex")
        XCTAssertEqual(s.agent, .codex)
        refuse(.EINVAL, .agent, "")
    }

    func testDir() {
        var s = SessionSpec()
        set(&s, .dir, "~/src/app")
        XCTAssertEqual(s.dir, "/home/ana/src/app")
        set(&s, .dir, "~", home: "/root")
        XCTAssertEqual(s.dir, "/root")
        set(&s, .dir, "/abs/path with space")
        XCTAssertEqual(s.dir, "/abs/path with space")
        set(&s, .dir, "")
        XCTAssertEqual(s.dir, "", "empty means the home directory")
        refuse(.EINVAL, .dir, "relative/path")
        refuse(.EINVAL, .dir, "./here")
        refuse(.EINVAL, .dir, "~bob/src")
    }

    func testCommandIsCheckedAsWords() {
        var s = SessionSpec()
        set(&s, .command, #"bash -lc "make test""#)
        XCTAssertEqual(s.command, #"bash -lc "make test""#, "stored as written")
        refuse(.EINVAL, .command, "echo 'open")
        refuse(.EINVAL, .command, #"echo trailing\"#)
    }

    func testModel() {
        var s = SessionSpec()
        set(&s, .model, "claude-opus-4")
        XCTAssertEqual(s.model, "claude-opus-4")
        refuse(.EINVAL, .model, "two words")
    }

    func testWorktree() {
        var s = SessionSpec()
        set(&s, .worktree, "no")
        XCTAssertEqual(s.worktree, "no")
        set(&s, .worktree, "")
        XCTAssertEqual(s.worktree, "no", "empty is the default")
        set(&s, .worktree, "yes")
        XCTAssertEqual(s.worktree, "yes")
        set(&s, .worktree, "hive/branch")
        XCTAssertEqual(s.worktree, "hive/branch")
        refuse(.EINVAL, .worktree, "hive branch")
    }

    func testValueAndFileText() {
        var s = SessionSpec()
        set(&s, .prompt, "do it")
        set(&s, .dir, "/w")
        XCTAssertEqual(s.value(.agent), "claude")
        XCTAssertEqual(s.value(.prompt), "do it")
        XCTAssertEqual(s.fileText(.prompt), "do it\n")
        XCTAssertEqual(s.fileText(.dir), "/w\n")
        XCTAssertEqual(s.fileText(.worktree), "no\n")
        XCTAssertEqual(s.fileText(.model), "", "an empty value is an empty file, not a blank line")
        XCTAssertEqual(s.fileText(.command), "")
    }

    func testWritingAFileBackGivesTheSameValue() {
        var s = SessionSpec()
        set(&s, .prompt, "line one\nline two")
        var t = SessionSpec()
        set(&t, .prompt, s.fileText(.prompt))
        XCTAssertEqual(t.prompt, s.prompt)
    }

    func testEnv() {
        var s = SessionSpec()
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.setEnv("API_KEY", "a b=c") })
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.setEnv("_x9", "") })
        XCTAssertEqual(s.env, ["API_KEY": "a b=c", "_x9": ""])
        for name in ["", "9A", "A-B", "A B", "É", "A=B"] {
            assertThrows(.EINVAL, name) { () throws(HiveError) in try s.setEnv(name, "v") }
        }
        assertThrows(.EINVAL) { () throws(HiveError) in try s.setEnv("HIVE_SESSION", "other") }
        assertThrows(.EINVAL) { () throws(HiveError) in try s.setEnv("X", "a\nb") }
        assertThrows(.EINVAL) { () throws(HiveError) in try s.setEnv("X", "a\u{0}b") }
        XCTAssertEqual(s.env, ["API_KEY": "a b=c", "_x9": ""], "refused values change nothing")
    }

    func testEnvValueWithCRLFIsRefused() {
        var s = SessionSpec()
        assertThrows(.EINVAL) { () throws(HiveError) in try s.setEnv("X", "a\r\nb") }
    }

    func testShellNeedsACommandToStart() {
        var s = SessionSpec()
        set(&s, .agent, "shell")
        assertThrows(.EINVAL) { () throws(HiveError) in try s.checkStartable(agents: .builtIn) }
        set(&s, .command, "htop")
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.checkStartable(agents: .builtIn) })
    }

    func testShellCommandOfOnlyWhiteSpaceCannotStart() {
        // A spec can also come from a replayed event, not only through `set`.
        var s = SessionSpec()
        s.agent = .shell
        s.command = " \t\n"
        assertThrows(.EINVAL) { () throws(HiveError) in try s.checkStartable(agents: .builtIn) }
        s.agent = .claude
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.checkStartable(agents: .builtIn) }, "claude needs no command")
    }

    func testExpandHome() {
        XCTAssertEqual(SessionSpec.expandHome("~", home: "/h"), "/h")
        XCTAssertEqual(SessionSpec.expandHome("~/a/b", home: "/h"), "/h/a/b")
        XCTAssertEqual(SessionSpec.expandHome("~a", home: "/h"), "~a")
        XCTAssertEqual(SessionSpec.expandHome("/x/~/y", home: "/h"), "/x/~/y")
        XCTAssertEqual(SessionSpec.expandHome("", home: "/h"), "")
    }

    func testCodableRoundTrip() throws {
        var s = SessionSpec()
        set(&s, .agent, "shell")
        set(&s, .command, "npm test")
        set(&s, .prompt, "go\n\"quoted\"")
        set(&s, .dir, "/src")
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.setEnv("A", "1") })
        let data = try JSONEncoder().encode(s)
        XCTAssertEqual(try JSONDecoder().decode(SessionSpec.self, from: data), s)
    }

    func testTrimmingWhitespace() {
        XCTAssertEqual(" \t\r\n a b \n\r\t ".trimmingWhitespace(), "a b")
        XCTAssertEqual("\r\n".trimmingWhitespace(), "")
        XCTAssertEqual("x".trimmingWhitespace(), "x")
        XCTAssertEqual("\u{A0}x".trimmingWhitespace(), "\u{A0}x", "only space, tab, CR and LF")
    }
}
