import Foundation
import XCTest
@testable import HiveCore

/// The `worktree` and `setup` keys of a session's spec.
final class SessionSpecWorktreeTests: XCTestCase {
    private func set(_ spec: inout SessionSpec, _ key: SpecKey, _ raw: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        do { try spec.set(key, raw, home: "/home/ana", agents: .builtIn) } catch { XCTFail("\(key)=\(raw.debugDescription): \(error)", file: file, line: line) }
    }

    @discardableResult
    private func refuse(_ key: SpecKey, _ raw: String, on start: SessionSpec = SessionSpec(),
                        file: StaticString = #filePath, line: UInt = #line) -> HiveError? {
        var spec = start
        let e = assertThrows(.EINVAL, "\(key)=\(raw.debugDescription)", file: file, line: line) { () throws(HiveError) in
            try spec.set(key, raw, home: "/home/ana", agents: .builtIn)
        }
        XCTAssertEqual(spec, start, "a refused value changes nothing", file: file, line: line)
        return e
    }

    // MARK: worktree

    func testWorktreeValues() {
        var s = SessionSpec()
        set(&s, .worktree, "yes")
        XCTAssertEqual(s.worktree, "yes")
        XCTAssertTrue(s.wantsWorktree)
        set(&s, .worktree, "no")
        XCTAssertEqual(s.worktree, "no")
        XCTAssertFalse(s.wantsWorktree)
        set(&s, .worktree, "feature/x")
        XCTAssertEqual(s.worktree, "feature/x")
        XCTAssertTrue(s.wantsWorktree)
    }

    func testEmptyWorktreeIsNo() {
        var s = SessionSpec()
        set(&s, .worktree, "yes")
        set(&s, .worktree, "")
        XCTAssertEqual(s.worktree, "no")
        set(&s, .worktree, "yes")
        set(&s, .worktree, "\n")
        XCTAssertEqual(s.worktree, "no", "an emptied file (echo > worktree) is no")
        XCTAssertFalse(s.wantsWorktree)
    }

    func testWorktreeAsEchoWritesIt() {
        var s = SessionSpec()
        set(&s, .worktree, "feature/x\n")
        XCTAssertEqual(s.worktree, "feature/x")
        set(&s, .worktree, "  yes \n")
        XCTAssertEqual(s.worktree, "yes")
    }

    func testWorktreeRefusesABadBranchName() {
        let e = refuse(.worktree, "bad name")
        XCTAssertEqual(e?.reason.contains("bad name"), true, e?.reason ?? "")
        var yes = SessionSpec()
        set(&yes, .worktree, "yes")
        refuse(.worktree, "a..b", on: yes)
        refuse(.worktree, "-x", on: yes)
    }

    func testWorktreeBranch() {
        var s = SessionSpec()
        XCTAssertNil(s.worktreeBranch(session: "auth"))
        set(&s, .worktree, "no")
        XCTAssertNil(s.worktreeBranch(session: "auth"))
        set(&s, .worktree, "yes")
        XCTAssertEqual(s.worktreeBranch(session: "auth"), "hive/auth")
        XCTAssertEqual(s.worktreeBranch(session: "fix-42"), "hive/fix-42")
        set(&s, .worktree, "feature/x")
        XCTAssertEqual(s.worktreeBranch(session: "auth"), "feature/x")
    }

    // MARK: setup

    func testSetupAcceptsACommandLine() {
        var s = SessionSpec()
        set(&s, .setup, "npm ci\n")
        XCTAssertEqual(s.setup, "npm ci")
        set(&s, .setup, "sh -c 'npm ci && cp ../.env .env'")
        XCTAssertEqual(s.setup, "sh -c 'npm ci && cp ../.env .env'")
        set(&s, .setup, "sh -c 'make deps'")
        XCTAssertEqual(s.value(.setup), "sh -c 'make deps'")
        XCTAssertEqual(s.fileText(.setup), "sh -c 'make deps'\n")
        set(&s, .setup, "")
        XCTAssertEqual(s.setup, "")
        XCTAssertEqual(s.fileText(.setup), "")
    }

    func testSetupRefusesAnUnterminatedQuote() {
        refuse(.setup, "sh -c 'make deps")
        refuse(.setup, "echo \"hi")
    }

    func testSetupIsOneLine() {
        refuse(.setup, "make\nmake test")
    }

    // MARK: start

    func testSetupWithoutAWorktreeCannotStart() {
        var s = SessionSpec()
        set(&s, .setup, "npm ci")
        assertThrows(.EINVAL) { () throws(HiveError) in try s.checkStartable(agents: .builtIn) }
        set(&s, .worktree, "no")
        assertThrows(.EINVAL) { () throws(HiveError) in try s.checkStartable(agents: .builtIn) }
    }

    func testSetupWithAWorktreeCanStart() {
        for wt in ["yes", "feature/x"] {
            var s = SessionSpec()
            set(&s, .setup, "npm ci")
            set(&s, .worktree, wt)
            XCTAssertNotNil(assertNoThrow(wt) { () throws(HiveError) in try s.checkStartable(agents: .builtIn) })
        }
    }

    func testAWorktreeWithoutSetupCanStart() {
        var s = SessionSpec()
        set(&s, .worktree, "yes")
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try s.checkStartable(agents: .builtIn) })
    }

    // MARK: the event log

    func testASpecFromAnOlderReleaseDecodesWithoutSetup() throws {
        let old = #"{"agent":"shell","dir":"/src/app","prompt":"hi","command":"make test","model":"","worktree":"yes","env":{"A":"1"}}"#
        let s = try JSONDecoder().decode(SessionSpec.self, from: Data(old.utf8))
        XCTAssertEqual(s.setup, "")
        XCTAssertEqual(s.agent, .shell)
        XCTAssertEqual(s.dir, "/src/app")
        XCTAssertEqual(s.prompt, "hi")
        XCTAssertEqual(s.command, "make test")
        XCTAssertEqual(s.model, "")
        XCTAssertEqual(s.worktree, "yes")
        XCTAssertEqual(s.env, ["A": "1"])
    }

    func testASpecWithSetupDecodes() throws {
        let now = #"{"agent":"claude","dir":"","prompt":"","command":"","model":"","worktree":"yes","setup":"npm ci","env":{}}"#
        let s = try JSONDecoder().decode(SessionSpec.self, from: Data(now.utf8))
        XCTAssertEqual(s.setup, "npm ci")
        XCTAssertEqual(s.worktree, "yes")
    }

    func testAnOlderSpecStillNeedsItsOtherKeys() {
        let broken = #"{"agent":"claude","dir":"","prompt":"","command":"","model":"","env":{}}"#
        XCTAssertThrowsError(try JSONDecoder().decode(SessionSpec.self, from: Data(broken.utf8)),
                             "only setup may be absent")
    }

    func testSpecJSONIncludesSetup() throws {
        var s = SessionSpec()
        set(&s, .worktree, "feature/x")
        set(&s, .setup, "npm ci")
        let text = SessionSpec.json(s)
        XCTAssertTrue(text.contains(#""setup":"npm ci""#), text)
        XCTAssertTrue(text.contains(#""worktree":"feature/x","setup":"npm ci""#), "setup follows worktree: \(text)")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(obj["setup"] as? String, "npm ci")
        XCTAssertEqual(obj["worktree"] as? String, "feature/x")
        XCTAssertTrue(SessionSpec.json(SessionSpec()).contains(#""setup":"""#), "an empty setup is written too")
    }

    func testSpecJSONRoundTrips() throws {
        var s = SessionSpec()
        set(&s, .agent, "shell")
        set(&s, .command, "make")
        set(&s, .worktree, "yes")
        set(&s, .setup, "sh -c 'make deps'")
        try s.setEnv("A", "1")
        let back = try JSONDecoder().decode(SessionSpec.self, from: Data(SessionSpec.json(s).utf8))
        XCTAssertEqual(back, s)
    }
}
