import Foundation
import XCTest
@testable import HiveCore

/// What a write to `queue` holds: its prompts, or the refusal of the whole write.
final class PromptQueueParseTests: XCTestCase {
    func testEachLineThatIsNotBlankIsOnePromptAsWritten() {
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(bytes("run the tests\n")) }, ["run the tests"])
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(bytes("a\r\n\n   \n  b  \nc")) }, ["a", "  b  ", "c"],
                       "a trailing CR goes, blank lines are skipped, the rest is kept as written")
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(bytes("\n\n")) }, [])
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(bytes("é ✓ \t tab\n")) }, ["é ✓ \t tab"])
    }

    func testALineOver64KiBIsE2BIGAndTheWholeWriteIsRefused() {
        let most = String(repeating: "x", count: PromptQueue.maxLine)
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(bytes(most + "\n")) }?.first?.utf8.count, 65536)
        let err = assertThrows(.E2BIG) { () throws(HiveError) in try PromptQueue.prompts(bytes("first\n" + most + "y\n")) }
        XCTAssertTrue(err?.reason.contains("65536") == true, err?.reason ?? "")
    }

    func testNULAndInvalidUTF8AreEINVAL() {
        assertThrows(.EINVAL) { () throws(HiveError) in try PromptQueue.prompts([0x61, 0x0A, 0x00, 0x0A]) }
        assertThrows(.EINVAL) { () throws(HiveError) in try PromptQueue.prompts([0x61, 0xFF, 0x0A]) }
    }

    func testTheQueueHoldsAtMost1000Prompts() {
        let pending = (1...999).map { QueuedPrompt(id: $0, text: "p") }
        assertNoThrow { () throws(HiveError) in try PromptQueue.checkRoom(pending: pending, adding: ["x"]) }
        let err = assertThrows(.ENOSPC) { () throws(HiveError) in try PromptQueue.checkRoom(pending: pending, adding: ["x", "y"]) }
        XCTAssertTrue(err?.reason.contains("1000") == true, err?.reason ?? "")
    }

    func testTheQueueHoldsAtMost4MiBPending() {
        let big = String(repeating: "x", count: PromptQueue.maxLine)
        let pending = (1...63).map { QueuedPrompt(id: $0, text: big) }
        assertNoThrow { () throws(HiveError) in try PromptQueue.checkRoom(pending: pending, adding: [big]) }
        let err = assertThrows(.ENOSPC) { () throws(HiveError) in try PromptQueue.checkRoom(pending: pending, adding: [big, "y"]) }
        XCTAssertTrue(err?.reason.contains("4 MiB") == true, err?.reason ?? "")
    }

    func testAControlCharacterInAPromptIsEINVALNamingWhere() {
        for (text, code) in [("ab\rcd\n", "U+000D"), ("ok\n\u{1B}[A\n", "U+001B"), ("x\u{7F}\n", "U+007F"), ("a\u{08}\n", "U+0008")] {
            let err = assertThrows(.EINVAL) { () throws(HiveError) in try PromptQueue.prompts(bytes(text)) }
            XCTAssertTrue(err?.reason.contains(code) == true, err?.reason ?? "")
        }
        let err = assertThrows(.EINVAL) { () throws(HiveError) in try PromptQueue.prompts(bytes("first\nab\rcd\n")) }
        XCTAssertTrue(err?.reason.contains("prompt 2") == true && err?.reason.contains("character 3") == true, err?.reason ?? "")
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(bytes("a\tb\r\n")) }, ["a\tb"], "tab and a line's CR are kept/dropped as before")
    }

    func testQueueClearIsTheOnlyQueueLine() {
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try ControlParser.sessionCommand("queue clear") }, .queueClear)
        assertThrows(.EINVAL) { () throws(HiveError) in try ControlParser.sessionCommand("queue") }
        assertThrows(.EINVAL) { () throws(HiveError) in try ControlParser.sessionCommand("queue add x") }
    }

    func testTheFileShowsOnePromptALine() {
        XCTAssertEqual(PromptQueue.text([]), "")
        XCTAssertEqual(PromptQueue.text([QueuedPrompt(id: 1, text: "a"), QueuedPrompt(id: 2, text: " b ")]), "a\n b \n")
    }
}

/// Delivery, in the machine: one prompt a turn, held while the session cannot take one.
final class SessionMachineQueueTests: XCTestCase {
    private func report(_ kind: EventKind, _ wish: StateWish?, detail: String = "") -> AgentReport {
        var r = AgentReport(kind: kind, detail: detail)
        r.wish = wish
        return r
    }

    private func prompt(_ h: inout MachineHarness, _ text: String) {
        h.feed(.report(report(EventKind.prompt, .working, detail: text), time: h.now.wall, hookEnd: h.m.record.hookOffset + 10,
                       transcriptFound: nil))
    }

    private func turnEnds(_ h: inout MachineHarness) {
        h.feed(.report(.turnEnded("done"), time: h.now.wall, hookEnd: h.m.record.hookOffset + 10, transcriptFound: nil))
    }

    /// A Claude Code session at its prompt.
    private func idleClaude() -> MachineHarness {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        turnEnds(&h)
        h.feed(.quiet, after: 500)
        XCTAssertEqual(h.state, .idle)
        return h
    }

    private func typed(_ fx: [SessionEffect]) -> [String] {
        fx.compactMap {
            switch $0 {
            case .type(let t), .typeQueued(_, let t): return t
            default: return nil
            }
        }
    }
    private func sent(_ h: MachineHarness) -> [String] { h.log.filter { $0.kind == EventKind.queueSent }.map(\.detail) }

    func testAShellAgentGetsOnePromptATurnInOrder() {
        var h = MachineHarness()
        h.started()
        h.feed(.output)
        XCTAssertEqual(h.state, .working)
        let added = h.feed(.enqueue(["a", "b"], uid: 5))
        XCTAssertEqual(added.events.map { "\($0.kind) \($0.key ?? "-") \($0.value ?? "-")" }, ["queue.added 1 a", "queue.added 2 b"])
        XCTAssertEqual(added.events.map(\.uid), [5, 5])
        XCTAssertTrue(added.contains(.append(added.events[1], durable: true)), "the write is on disk once it returns")
        XCTAssertEqual(typed(added), [], "working: held")
        XCTAssertEqual(h.m.record.queue.map(\.text), ["a", "b"])
        // Quiet: idle, and the first prompt goes, recorded before it is typed.
        let first = h.feed(.quiet, after: 500)
        XCTAssertEqual(h.state, .idle)
        XCTAssertEqual(typed(first), ["a"])
        XCTAssertEqual(first.events.last?.kind, EventKind.queueSent)
        XCTAssertEqual(first.events.last?.key, "1")
        let sentAt = first.firstIndex { if case .append(let e, true) = $0 { return e.kind == EventKind.queueSent }; return false }
        let typedAt = first.firstIndex(of: .typeQueued(id: 1, text: "a"))
        XCTAssertNotNil(sentAt)
        XCTAssertLessThan(sentAt ?? 99, typedAt ?? 0, "fsync'd before typing")
        XCTAssertEqual(h.m.record.queue.map(\.text), ["b"])
        XCTAssertEqual(h.m.record.queueFlight?.prompt.text, "a")
        // The agent echoes and works, then rests: the turn is over, the next goes.
        XCTAssertEqual(typed(h.feed(.output, after: 100)), [])
        XCTAssertEqual(typed(h.feed(.quiet, after: 500)), ["b"])
        XCTAssertEqual(typed(h.feed(.output, after: 100)), [])
        XCTAssertEqual(typed(h.feed(.quiet, after: 500)), [])
        XCTAssertEqual(sent(h), ["1 a", "2 b"])
        XCTAssertTrue(h.m.record.queue.isEmpty)
        XCTAssertNil(h.m.record.queueFlight)
    }

    func testAPromptAddedWhileIdleGoesAtOnce() {
        var h = idleClaude()
        let fx = h.feed(.enqueue(["run the tests"], uid: 1))
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.queueAdded, EventKind.queueSent])
        XCTAssertEqual(typed(fx), ["run the tests"])
        XCTAssertTrue(h.m.record.queue.isEmpty)
    }

    func testNothingGoesWhileADeliveryIsInFlight() {
        var h = idleClaude()
        XCTAssertEqual(typed(h.feed(.enqueue(["a", "b"], uid: 1))), ["a"])
        XCTAssertEqual(typed(h.feed(.enqueue(["c"], uid: 1))), [], "a is in flight")
        prompt(&h, "a")
        XCTAssertEqual(h.m.record.queueFlight?.begun, true)
        XCTAssertEqual(typed(h.feed(.enqueue(["d"], uid: 1))), [])
        XCTAssertEqual(typed(h.feed(.quiet, after: 5000)), [], "working: a quiet terminal ends no flight")
        turnEnds(&h)
        XCTAssertEqual(sent(h), ["1 a", "2 b"])
        XCTAssertEqual(h.m.record.queue.map(\.text), ["c", "d"])
    }

    func testAPromptThatStartsNoTurnIsOverOnceTheTerminalIsQuiet() {
        var h = idleClaude()
        let fx = h.feed(.enqueue(["/clear", "b"], uid: 1))
        XCTAssertEqual(typed(fx), ["/clear"])
        XCTAssertTrue(fx.contains(.after(ms: 500, .quiet)))
        h.feed(.output, after: 100)
        XCTAssertEqual(typed(h.feed(.quiet, after: 200)), [], "not quiet long enough yet")
        XCTAssertEqual(typed(h.feed(.quiet, after: 500)), ["b"])
        XCTAssertEqual(sent(h), ["1 /clear", "2 b"])
    }

    func testWaitingHoldsTheQueueUntilTheQuestionIsAnswered() throws {
        var h = idleClaude()
        prompt(&h, "go")
        h.feed(.report(report(EventKind.permission, .waiting("permission Bash")), time: h.now.wall, hookEnd: 300, transcriptFound: nil))
        h.feed(.screen(ScreenMenuTests.bashMenu, .question))
        XCTAssertEqual(h.state, .waiting)
        XCTAssertEqual(typed(h.feed(.enqueue(["a"], uid: 1))), [])
        let p = try XCTUnwrap(h.m.record.permission)
        XCTAssertEqual(typed(h.feed(.answered(p, choice: 0))), [])
        XCTAssertEqual(h.state, .working)
        turnEnds(&h)
        XCTAssertEqual(sent(h), ["1 a"])
    }

    func testPausedHoldsTheQueueUntilResumed() {
        var h = idleClaude()
        h.feed(.command(.pause, uid: 1))
        h.feed(.frozen(reason: nil))
        XCTAssertEqual(typed(h.feed(.enqueue(["a"], uid: 1))), [])
        XCTAssertEqual(h.m.record.queue.count, 1)
        XCTAssertEqual(typed(h.feed(.thawed)), ["a"], "back to idle: it goes")
    }

    func testANewSessionHoldsTheQueueUntilItsAgentIsReady() {
        var h = MachineHarness(agent: ClaudeAgent())
        XCTAssertEqual(typed(h.feed(.enqueue(["a"], uid: 1))), [])
        h.feed(.command(.start, uid: 1))
        XCTAssertEqual(typed(h.feed(.launched(Launched(pid: 42, commandLine: "claude", detail: "", workdir: "/w")))), [])
        turnEnds(&h)
        XCTAssertEqual(sent(h), ["1 a"])
    }

    func testAnEndedSessionKeepsItsQueueForItsNextRun() {
        var h = idleClaude()
        h.feed(.command(.kill, uid: 1))
        h.feed(.terminated(reason: "kill"))
        XCTAssertEqual(h.state, .killed)
        XCTAssertEqual(h.feed(.enqueue(["a"], uid: 1)).refusal, nil)
        XCTAssertEqual(h.m.record.queue.count, 1)
        h.feed(.command(.restart, uid: 1))
        h.feed(.launched(Launched(pid: 43, commandLine: "claude", detail: "", workdir: "/w")))
        XCTAssertEqual(sent(h), [])
        turnEnds(&h)
        XCTAssertEqual(sent(h), ["1 a"])
    }

    func testQueueClearDropsWhatIsPending() {
        var h = idleClaude()
        prompt(&h, "go")
        h.feed(.enqueue(["a", "b"], uid: 1))
        let fx = h.feed(.command(.queueClear, uid: 2))
        XCTAssertEqual(fx.events.map { "\($0.kind) \($0.detail)" }, ["control queue clear", "queue.cleared 2 prompts dropped"])
        XCTAssertEqual(fx.events.last?.value, "2")
        XCTAssertTrue(h.m.record.queue.isEmpty)
        turnEnds(&h)
        XCTAssertEqual(sent(h), [])
        // Ids go on from where they were.
        h.feed(.enqueue(["c"], uid: 1))
        XCTAssertEqual(sent(h), ["3 c"])
    }

    func testAWriteBeyondTheCapacityIsENOSPCAndQueuesNothing() {
        var h = MachineHarness()
        h.feed(.enqueue((1...999).map { "p\($0)" }, uid: 1))
        let fx = h.feed(.enqueue(["x", "y"], uid: 1))
        XCTAssertEqual(fx.refusal?.errnoName, "ENOSPC")
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.error])
        XCTAssertEqual(h.m.record.queue.count, 999)
        XCTAssertNil(h.feed(.enqueue(["x"], uid: 1)).refusal)
        XCTAssertEqual(h.m.record.queue.last?.text, "x")
    }

    // MARK: replay and restart

    func testTheLogGivesTheQueueBack() throws {
        var h = idleClaude()
        h.feed(.enqueue(["a", "b", "c"], uid: 1))
        prompt(&h, "a")
        h.feed(.command(.queueClear, uid: 1))
        h.feed(.enqueue(["d", "e"], uid: 1))
        let again = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: ClaudeAgent(), settings: h.m.settings))
        XCTAssertEqual(again.record, h.m.record)
        XCTAssertEqual(again.record.queue.map(\.text), ["d", "e"])
        XCTAssertEqual(again.record.queue.map(\.id), [4, 5])
        XCTAssertEqual(again.record.queueFlight?.prompt.text, "a")
        // And through its checkpoint.
        let saved = try JSONDecoder().decode(SessionRecord.self, from: JSONEncoder().encode(h.m.record))
        XCTAssertEqual(saved, h.m.record)
    }

    func testACheckpointWrittenBeforeTheQueueStillReads() throws {
        let r = try XCTUnwrap(SessionRecord.replay(MachineHarness().log))
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any])
        XCTAssertNil(json["queued"], "an empty queue is not stored")
        json.removeValue(forKey: "queueIDs")
        json.removeValue(forKey: "queueFlight")
        let old = try JSONDecoder().decode(SessionRecord.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old.queue, [])
        XCTAssertEqual(old.queueLastID, 0)
    }

    /// A restarted daemon: the log replayed, hooks.log read, then the agent adopted.
    private func restarted(_ h: MachineHarness, _ agent: any AgentAdapter) throws -> (SessionMachine, [SessionEffect]) {
        var next = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: agent, settings: h.m.settings))
        let fx = next.handle(.adopt(Adoption(pane: true, dead: false, agentPid: 42, restore: false)), at: h.now)
        return (next, fx)
    }

    func testAPromptTheAgentNeverReportedIsDeliveredAgainAfterARestart() throws {
        var h = idleClaude()
        h.feed(.enqueue(["a", "b"], uid: 1))
        let (next, fx) = try restarted(h, ClaudeAgent())
        XCTAssertEqual(typed(fx), ["a"])
        let again = fx.events.last
        XCTAssertEqual(again?.kind, EventKind.queueSent)
        XCTAssertEqual(again?.key, "1")
        XCTAssertEqual(again?.reason, "again")
        XCTAssertTrue(again?.detail.contains("again") == true)
        XCTAssertEqual(next.record.queue.map(\.text), ["b"])
    }

    func testAPromptTheAgentReportedIsNotDeliveredAgain() throws {
        var h = idleClaude()
        h.feed(.enqueue(["a", "b"], uid: 1))
        prompt(&h, "a")
        var (next, fx) = try restarted(h, ClaudeAgent())
        XCTAssertEqual(typed(fx), [], "a's turn still runs")
        let end = next.handle(.report(.turnEnded("done"), time: h.now.wall, hookEnd: 9999, transcriptFound: nil), at: h.now)
        XCTAssertEqual(typed(end), ["b"])
        // Its turn over before the crash: nothing in flight, the next goes at adoption.
        var done = idleClaude()
        done.feed(.enqueue(["a", "b"], uid: 1))
        prompt(&done, "a")
        turnEnds(&done)
        XCTAssertEqual(sent(done), ["1 a", "2 b"])
        prompt(&done, "b")
        turnEnds(&done)
        done.feed(.command(.pause, uid: 1))
        done.feed(.frozen(reason: nil))
        done.feed(.enqueue(["c"], uid: 1))
        var (later, _) = try restarted(done, ClaudeAgent())
        XCTAssertEqual(typed(later.handle(.thawed, at: done.now)), ["c"])
    }

    func testAnAgentThatReportsNoPromptsGetsEachAtMostOnce() throws {
        var h = MachineHarness()
        h.started()
        h.feed(.quiet, after: 500)
        XCTAssertEqual(h.state, .idle)
        h.feed(.enqueue(["a", "b"], uid: 1))
        XCTAssertEqual(sent(h), ["1 a"])
        let (next, fx) = try restarted(h, ShellAgent())
        XCTAssertEqual(typed(fx), ["b"], "a is not typed again: it may have been")
        XCTAssertEqual(next.record.queueFlight?.prompt.text, "b")
    }

    func testNothingIsTypedBeforeTheAgentIsAdopted() throws {
        var h = idleClaude()
        h.feed(.command(.pause, uid: 1))
        h.feed(.frozen(reason: nil))
        h.feed(.enqueue(["a"], uid: 1))
        var next = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: ClaudeAgent(), settings: h.m.settings))
        // hooks.log is read before adoption: a report moving it to idle types nothing yet.
        XCTAssertEqual(typed(next.handle(.thawed, at: h.now)), [])
        XCTAssertEqual(next.record.state, .idle)
        XCTAssertEqual(typed(next.handle(.adopt(Adoption(pane: true, dead: false, agentPid: 42, restore: false)), at: h.now)), ["a"])
    }

    // MARK: a delivery's end, recorded; a typing that cannot be done

    func testAPromptSettledByTheQuietIsOverInTheLogSoARestartDoesNotTypeItAgain() throws {
        var h = idleClaude()
        XCTAssertEqual(typed(h.feed(.enqueue(["/cost"], uid: 1))), ["/cost"])
        let fx = h.feed(.quiet, after: 600)
        let done = fx.events.first { $0.kind == EventKind.queueDone }
        XCTAssertEqual(done?.key, "1")
        XCTAssertTrue(fx.contains(.append(try XCTUnwrap(done), durable: true)), "on disk before anything else")
        XCTAssertNil(h.m.record.queueFlight)
        // A restart replays the log: nothing in flight, nothing typed.
        let (next, again) = try restarted(h, ClaudeAgent())
        XCTAssertEqual(typed(again), [])
        XCTAssertNil(next.record.queueFlight)
        XCTAssertEqual(sent(h), ["1 /cost"])
    }

    func testAPromptWhoseSessionWasKilledBeforeItsTypingIsPutBackFirst() throws {
        var h = idleClaude()
        h.feed(.command(.pause, uid: 1))  // a freeze asked for, not done yet: still idle
        XCTAssertEqual(typed(h.feed(.enqueue(["a", "b"], uid: 1))), ["a"], "recorded as sent; its typing waits its turn")
        h.feed(.frozen(reason: nil))
        // Its turn on the queue comes: the session is paused now.
        let why = try XCTUnwrap(h.m.queueHold(1))
        XCTAssertTrue(why.contains("paused"), why)
        let fx = h.feed(.queueReturned(id: 1, why: why))
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.queueReturned])
        XCTAssertEqual(fx.events.first?.key, "1")
        XCTAssertEqual(h.m.record.queue.map(\.text), ["a", "b"], "pending again, first")
        XCTAssertNil(h.m.record.queueFlight)
        // Replayed, the same.
        let again = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: ClaudeAgent(), settings: h.m.settings))
        XCTAssertEqual(again.record.queue.map(\.text), ["a", "b"])
        // Resumed: a goes (again, with its own id).
        XCTAssertEqual(typed(h.feed(.thawed)), ["a"])
        XCTAssertEqual(h.m.queueHold(1), nil)
    }

    func testNothingIsDeliveredWhileTheAgentIsBeingEnded() throws {
        var h = idleClaude()
        h.feed(.command(.kill, uid: 1))
        XCTAssertEqual(h.state, .idle, "until it is ended")
        XCTAssertEqual(typed(h.feed(.enqueue(["a"], uid: 1))), [], "a kill is under way")
        h.feed(.terminated(reason: "kill"))
        XCTAssertEqual(h.m.record.queue.map(\.text), ["a"])
        XCTAssertEqual(sent(h), [])
    }

    func testATypingThatFindsTheSessionEndedOrBeingEndedIsHeld() {
        var h = idleClaude()
        XCTAssertEqual(typed(h.feed(.enqueue(["a"], uid: 1))), ["a"])
        XCTAssertNil(h.m.queueHold(1))
        XCTAssertNotNil(h.m.queueHold(2), "not the one in flight")
        h.feed(.reap(stateVersion: h.m.record.stateVersion))  // no timeout set: nothing
        h.feed(.command(.kill, uid: 1))
        XCTAssertTrue(h.m.queueHold(1)?.contains("being ended") == true)
        h.feed(.terminated(reason: "kill"))
        XCTAssertTrue(h.m.queueHold(1)?.contains("killed") == true)
    }

    // MARK: landing while a prompt was just typed

    func testLandingVerbsAreBusyWhileAQueuedPromptWasJustTyped() {
        var h = idleClaude()
        h.feed(.enqueue(["a"], uid: 1))
        for c in [SessionCommand.commit("m"), .merge(nil), .push(nil), .pr("t")] {
            let err = assertThrows(.EBUSY) { () throws(HiveError) in try h.m.check([c]) }
            XCTAssertTrue(err?.reason.contains("a queued prompt was just typed") == true, err?.reason ?? "")
        }
        let fx = h.feed(.command(.commit("m"), uid: 1))
        XCTAssertEqual(fx.refusal?.errnoName, "EBUSY")
        XCTAssertFalse(fx.contains { if case .land = $0 { return true } else { return false } }, "nothing landed")
        // Once the agent took it and its turn is over, they go.
        prompt(&h, "a")
        turnEnds(&h)
        assertNoThrow { () throws(HiveError) in try h.m.check([.commit("m")]) }
    }

    func testLandingVerbsAreBusyAfterTypingEarlierInTheSameWrite() {
        let h = idleClaude()
        for first in [SessionCommand.send("go"), .keys(["Enter"])] {
            let err = assertThrows(.EBUSY) { () throws(HiveError) in try h.m.check([first, .commit("m")]) }
            XCTAssertTrue(err?.reason.contains(first.verb) == true, err?.reason ?? "")
        }
        assertNoThrow { () throws(HiveError) in try h.m.check([.commit("m"), .send("go")]) }
        assertNoThrow { () throws(HiveError) in try h.m.check([.commit("m")]) }
    }
}
