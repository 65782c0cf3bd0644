import Foundation
import XCTest
@testable import HiveCore

/// Events for one session, as the runtime writes them.
enum Log {
    static func created(_ name: String = "auth", at ms: Int64 = 0, spec: SessionSpec = SessionSpec()) -> Event {
        Event(time: t(ms), session: name, kind: EventKind.created, spec: spec)
    }
    static func state(_ s: SessionState, _ name: String = "auth", at ms: Int64, pid: Int32? = nil, exit: Int32? = nil,
                      reason: String? = nil, command: String? = nil) -> Event {
        Event(time: t(ms), session: name, kind: EventKind.state, detail: s.rawValue, state: s, pid: pid, exit: exit,
              reason: reason, value: command)
    }
    static func control(_ line: String, _ name: String = "auth", at ms: Int64) -> Event {
        Event(time: t(ms), session: name, kind: EventKind.control, detail: line, uid: 1000)
    }
    static func error(_ errno: String, _ reason: String, _ name: String = "auth", at ms: Int64) -> Event {
        Event(time: t(ms), session: name, kind: EventKind.error, detail: reason, reason: reason, errno: errno)
    }
}

final class SessionRecordReplayTests: XCTestCase {
    func testReplayNeedsACreatedEventFirst() {
        XCTAssertNil(SessionRecord.replay([]))
        XCTAssertNil(SessionRecord.replay([Log.state(.working, at: 0)]))
        XCTAssertNil(SessionRecord.replay([Log.control("pause", at: 0), Log.created()]))
    }

    func testCreatedOnlyIsNew() throws {
        var spec = SessionSpec(); spec.prompt = "hello"
        let r = try XCTUnwrap(SessionRecord.replay([Log.created("alpha", at: 5, spec: spec)]))
        XCTAssertEqual(r.name, "alpha")
        XCTAssertEqual(r.state, .new)
        XCTAssertEqual(r.spec.prompt, "hello")
        XCTAssertEqual(r.created, t(5))
        XCTAssertEqual(r.lastEvent, t(5))
        XCTAssertNil(r.started)
        XCTAssertNil(r.ended)
        XCTAssertNil(r.pid)
        XCTAssertNil(r.exitCode)
        XCTAssertNil(r.reason)
        XCTAssertNil(r.commandLine)
        XCTAssertEqual(r.eventCount, 1)
    }

    func testALifeThatExits() throws {
        let events = [
            Log.created(at: 0),
            Log.control("start", at: 100),
            Log.state(.starting, at: 214, pid: 48211, command: "claude --session-id x"),
            Log.state(.working, at: 2_000),
            Log.state(.idle, at: 9_000),
            Log.state(.exited, at: 12_345, exit: 0),
        ]
        let r = try XCTUnwrap(SessionRecord.replay(events))
        XCTAssertEqual(r.state, .exited)
        XCTAssertEqual(r.started, t(214))
        XCTAssertEqual(r.ended, t(12_345))
        XCTAssertEqual(r.exitCode, 0)
        XCTAssertNil(r.reason)
        XCTAssertEqual(r.pid, 48211)
        XCTAssertEqual(r.commandLine, "claude --session-id x")
        XCTAssertEqual(r.lastEvent, t(12_345))
        XCTAssertEqual(r.eventCount, events.count)
        XCTAssertEqual(r.stateVersion, 4, "new→starting→working→idle→exited")
        XCTAssertEqual(r.version, UInt64(events.count))
    }

    func testKilledCarriesItsReasonAndExit() throws {
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Log.state(.starting, at: 10, pid: 7),
            Log.state(.working, at: 20),
            Log.state(.killed, at: 30, exit: 143, reason: "kill from uid 1000"),
        ]))
        XCTAssertEqual(r.state, .killed)
        XCTAssertEqual(r.ended, t(30))
        XCTAssertEqual(r.exitCode, 143)
        XCTAssertEqual(r.reason, "kill from uid 1000")
    }

    func testFailedStart() throws {
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Log.state(.failed, at: 10, reason: "command not found: claude"),
        ]))
        XCTAssertEqual(r.state, .failed)
        XCTAssertEqual(r.reason, "command not found: claude")
        XCTAssertEqual(r.ended, t(10))
        XCTAssertNil(r.started)
    }

    func testWaitingReasonIsClearedWhenWorkResumes() throws {
        var r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Log.state(.starting, at: 1, pid: 9),
            Log.state(.waiting, at: 2, reason: "Bash: rm -rf build"),
        ]))
        XCTAssertEqual(r.state, .waiting)
        XCTAssertEqual(r.reason, "Bash: rm -rf build")
        r.apply(Log.state(.working, at: 3))
        XCTAssertEqual(r.state, .working)
        XCTAssertNil(r.reason)
    }

    func testRestartClearsTheEndOfThePreviousRun() throws {
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Log.state(.starting, at: 1, pid: 100, command: "claude"),
            Log.state(.killed, at: 2, exit: 137, reason: "kill"),
            Log.state(.starting, at: 3, pid: 200, command: "claude --resume x"),
            Log.state(.working, at: 4),
        ]))
        XCTAssertEqual(r.state, .working)
        XCTAssertEqual(r.started, t(3))
        XCTAssertNil(r.ended)
        XCTAssertNil(r.exitCode)
        XCTAssertNil(r.reason)
        XCTAssertEqual(r.pid, 200)
        XCTAssertEqual(r.commandLine, "claude --resume x")
    }

    func testALivePidUpdateIsKept() throws {
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Log.state(.starting, at: 1, pid: 100),
            Log.state(.working, at: 2, pid: 101),
        ]))
        XCTAssertEqual(r.pid, 101)
    }

    func testErrorsAreRememberedForControl() throws {
        let err = Log.error("EBUSY", "auth is paused; resume it before send", at: 7)
        let r = try XCTUnwrap(SessionRecord.replay([Log.created(at: 0), err, Log.control("resume", at: 8)]))
        XCTAssertEqual(r.lastError, err)
        XCTAssertEqual(r.state, .new, "an error does not change the state")
    }

    func testSpecEventsReplaceTheSpec() throws {
        var spec = SessionSpec(); spec.prompt = "second"
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Event(time: t(1), session: "auth", kind: EventKind.spec, key: "prompt", value: "second", spec: spec),
        ]))
        XCTAssertEqual(r.spec.prompt, "second")
    }

    func testUnknownKindsCountButChangeNothingElse() throws {
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0),
            Event(time: t(50), session: "auth", kind: .unknown("future.kind"), detail: "Edit x", state: .killed),
        ]))
        XCTAssertEqual(r.state, .new)
        XCTAssertEqual(r.eventCount, 2)
        XCTAssertEqual(r.lastEvent, t(50))
    }

    func testLastEventNeverMovesBack() throws {
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created(at: 0), Log.control("x", at: 900), Log.control("y", at: 100),
        ]))
        XCTAssertEqual(r.lastEvent, t(900))
    }

    func testSameStateTwiceDoesNotBumpStateVersion() throws {
        var r = try XCTUnwrap(SessionRecord.replay([Log.created(at: 0), Log.state(.starting, at: 1)]))
        let sv = r.stateVersion
        let v = r.version
        r.apply(Log.state(.starting, at: 2))
        XCTAssertEqual(r.stateVersion, sv)
        XCTAssertEqual(r.version, v + 1)
    }

    func testReplayingAJSONLLogGivesTheSameRecord() throws {
        let events = [
            Log.created(at: 0),
            Log.state(.starting, at: 214, pid: 48211, command: "claude"),
            Log.state(.waiting, at: 300, reason: "permission: Bash"),
            Log.error("ESRCH", "x", at: 301),
            Log.state(.killed, at: 400, exit: 143, reason: "kill"),
        ]
        let text = events.map(\.jsonLine).joined()
        let back = text.split(separator: "\n").compactMap { Event.parse(jsonLine: Data($0.utf8)) }
        XCTAssertEqual(back.count, events.count)
        XCTAssertEqual(SessionRecord.replay(back), SessionRecord.replay(events))
    }
}


final class SessionRecordCheckTests: XCTestCase {
    private func record(_ state: SessionState) -> SessionRecord {
        var r = SessionRecord(name: "auth", spec: SessionSpec(), created: t(0))
        r.state = state
        return r
    }

    private func allows(_ state: SessionState, _ cmds: [SessionCommand], file: StaticString = #filePath, line: UInt = #line) {
        let r = record(state)
        _ = assertNoThrow("\(state) \(cmds)", file: file, line: line) { () throws(HiveError) in try r.check(cmds) }
    }

    @discardableResult
    private func refuses(_ expected: Err, _ state: SessionState, _ cmds: [SessionCommand],
                         file: StaticString = #filePath, line: UInt = #line) -> HiveError? {
        let r = record(state)
        return assertThrows(expected, "\(state) \(cmds)", file: file, line: line) { () throws(HiveError) in try r.check(cmds) }
    }

    private let live: [SessionState] = [.starting, .working, .waiting, .idle, .paused]
    private let ended: [SessionState] = [.exited, .killed, .failed]

    func testEmptyWriteIsFine() {
        for s in SessionState.allCases { allows(s, []) }
    }

    func testStartOnlyFromNew() {
        allows(.new, [.start])
        for s in live + ended {
            let e = refuses(.EBUSY, s, [.start])
            XCTAssertEqual(e?.reason.contains("restart"), true, e?.reason ?? "")
        }
    }

    func testStartTwiceInOneWriteIsEBUSY() {
        refuses(.EBUSY, .new, [.start, .start])
    }

    func testSendInteractKeysNeedALiveUnpausedAgent() {
        let cmds: [SessionCommand] = [.send("x"), .keys(["Enter"]), .interrupt]
        for c in cmds {
            for s in [SessionState.starting, .working, .waiting, .idle] { allows(s, [c]) }
            let e = refuses(.EBUSY, .paused, [c])
            XCTAssertEqual(e?.reason.contains("resume"), true, e?.reason ?? "")
            for s in ended + [.new] { refuses(.ESRCH, s, [c]) }
        }
    }

    func testSendToAnEndedSessionIsESRCH() {
        let e = refuses(.ESRCH, .exited, [.send("hello")])
        XCTAssertEqual(e?.reason.contains("auth"), true, e?.reason ?? "")
    }

    func testPauseThenSendInOneWriteIsEBUSY() {
        refuses(.EBUSY, .idle, [.pause, .send("x")])
        refuses(.EBUSY, .working, [.pause, .keys(["y"])])
    }

    func testPauseResumeSendIsFine() {
        allows(.idle, [.pause, .resume, .send("x")])
        allows(.paused, [.resume, .send("x")])
    }

    func testPauseAndResumeAreIdempotentOnLiveSessions() {
        for s in live {
            allows(s, [.pause, .pause])
            allows(s, [.resume, .resume])
        }
    }

    func testPauseAndResumeNeedALiveSession() {
        for s in ended + [.new] {
            refuses(.ESRCH, s, [.pause])
            refuses(.ESRCH, s, [.resume])
        }
    }

    func testKill() {
        for s in live { allows(s, [.kill]) }
        refuses(.ESRCH, .new, [.kill])
        for s in ended { refuses(.ESRCH, s, [.kill]) }
    }

    func testNothingButRestartAfterKillInOneWrite() {
        refuses(.ESRCH, .working, [.kill, .send("x")])
        refuses(.ESRCH, .working, [.kill, .kill])
        allows(.working, [.kill, .restart, .send("x")])
    }

    func testStartThenSendInOneWrite() {
        allows(.new, [.start, .send("go"), .keys(["Enter"])])
    }

    func testRestart() {
        for s in live + ended { allows(s, [.restart]) }
        let e = refuses(.EBUSY, .new, [.restart])
        XCTAssertEqual(e?.reason.contains("start"), true, e?.reason ?? "")
    }

    func testPoliciesAreForNewAndRunningSessions() {
        allows(.working, [.idleTimeout(1800)])
        allows(.new, [.idleTimeout(nil)])
        allows(.paused, [.idleTimeout(60)])
        refuses(.ESRCH, .exited, [.idleTimeout(60)])
        allows(.idle, [.budget(.tokens(1000))])
        allows(.new, [.budget(nil), .budget(.usd(2))])
        refuses(.ESRCH, .killed, [.budget(.tokens(5))])
    }

    func testAnyBadLineRefusesTheWholeWrite() {
        refuses(.ESRCH, .idle, [.send("a"), .idleTimeout(60), .kill, .budget(.tokens(5))])
        refuses(.ESRCH, .idle, [.send("a"), .kill, .resume])
    }

    func testCheckDoesNotChangeTheRecord() {
        let r = record(.idle)
        let before = r
        _ = assertNoThrow { () throws(HiveError) in try r.check([.pause, .kill]) }
        XCTAssertEqual(r, before)
        XCTAssertEqual(r.state, .idle)
    }

    func testCheckWorksOnParsedWrites() {
        let r = record(.idle)
        let cmds = assertNoThrow { () throws(HiveError) in try ControlParser.sessionCommands(bytes("pause\nsend x\n")) } ?? []
        XCTAssertEqual(cmds.count, 2)
        assertThrows(.EBUSY) { () throws(HiveError) in try r.check(cmds) }
    }
}

final class SessionStateTests: XCTestCase {
    func testLiveAndEnded() {
        XCTAssertEqual(SessionState.allCases.filter(\.isLive), [.starting, .working, .waiting, .idle, .paused])
        XCTAssertEqual(SessionState.allCases.filter(\.isEnded), [.exited, .killed, .failed])
        XCTAssertFalse(SessionState.new.isLive)
        XCTAssertFalse(SessionState.new.isEnded)
    }

    func testWordsAreTheDesignsWords() {
        XCTAssertEqual(SessionState.allCases.map(\.rawValue),
                       ["new", "starting", "working", "waiting", "idle", "paused", "exited", "killed", "failed"])
    }
}

/// The questions an agent asks, folded from `permission.*` events.
final class SessionRecordPermissionTests: XCTestCase {
    private func asked(_ id: Int, at ms: Int64) -> Event {
        var e = Event(time: t(ms), session: "auth", kind: EventKind.permissionAsked, detail: "\(id) tool", state: .waiting)
        e.permission = Permission(id: id, kind: .tool, tool: "Bash", subject: "ls", question: "Do you want to proceed?",
                                  options: [.init(label: "Yes"), .init(label: "No")], focus: 0, style: .menu, approve: 0, deny: 1)
        return e
    }

    func testAQuestionIsKeptWhileTheSessionWaitsAndItsIdIsNeverReused() throws {
        var r = try XCTUnwrap(SessionRecord.replay([Log.created(), Log.state(.working, at: 1), asked(1, at: 2)]))
        XCTAssertEqual(r.state, .waiting)
        XCTAssertEqual(r.permission?.id, 1)
        var answered = Event(time: t(3), session: "auth", kind: EventKind.permissionAnswered, detail: "1 1: Yes", state: .working)
        answered.permission = r.permission
        r.apply(answered)
        XCTAssertNil(r.permission)
        XCTAssertEqual(r.state, .working)
        XCTAssertEqual(r.lastPermissionID, 1, "the next question is 2")
        r.apply(asked(2, at: 4))
        r.apply(Log.state(.idle, at: 5))
        XCTAssertNil(r.permission, "a question is asked only while the session waits")
        XCTAssertEqual(r.lastPermissionID, 2)
    }

    func testACheckpointWrittenBeforeQuestionsStillReads() throws {
        let r = try XCTUnwrap(SessionRecord.replay([Log.created(), Log.state(.working, at: 1)]))
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: try JSONEncoder().encode(r)) as? [String: Any])
        XCTAssertNil(object["lastPermissionID"])
        object["permission"] = nil
        XCTAssertEqual(try JSONDecoder().decode(SessionRecord.self, from: try JSONSerialization.data(withJSONObject: object)), r)
    }
}
