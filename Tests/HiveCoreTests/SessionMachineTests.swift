import XCTest
@testable import HiveCore

/// Drives one session's machine with inputs and a clock of its own, and keeps
/// what it asked for: no process, no mount.
struct MachineHarness {
    var m: SessionMachine
    var now = Instant(wall: t(0), ms: 100_000)
    /// Every event appended so far, in order.
    var log: [Event] = []

    init(agent: any AgentAdapter = ShellAgent(), spec: (inout SessionSpec) -> Void = { _ in },
         settings: MachineSettings = MachineSettings(quietAfterMS: 500)) {
        var s = SessionSpec()
        s.agent = agent.name
        s.command = "sh -c 'sleep 100'"
        spec(&s)
        let created = Event(time: t(0), session: "a", kind: EventKind.created, detail: "agent \(agent.name)", state: .new, spec: s)
        m = SessionMachine(record: SessionRecord(name: "a", spec: s, created: t(0)), adapter: agent, settings: settings)
        _ = feed(.record(created, durable: true))
    }

    /// One input, `ms` after the last.
    @discardableResult
    mutating func feed(_ input: SessionInput, after ms: Int64 = 0) -> [SessionEffect] {
        now = Instant(wall: Timestamp(milliseconds: now.wall.milliseconds + ms), ms: now.ms + ms)
        let effects = m.handle(input, at: now)
        for case .append(let e, _) in effects { log.append(e) }
        return effects
    }

    /// A running session: started, the agent's pid known.
    mutating func started(pid: Int32 = 42) {
        feed(.command(.start, uid: 1))
        feed(.launched(Launched(pid: pid, commandLine: "agent", detail: "", workdir: "/w")))
    }

    var state: SessionState { m.record.state }
    var lastKinds: [EventKind] { log.suffix(3).map(\.kind) }
}

extension Array where Element == SessionEffect {
    var events: [Event] { compactMap { if case .append(let e, _) = $0 { return e } else { return nil } } }
    var refusal: HiveError? { compactMap { if case .refuse(let e) = $0 { return e } else { return nil } }.first }
    var notAppends: [SessionEffect] {
        filter { if case .append = $0 { return false }; if case .checkpoint = $0 { return false }; if case .runOn = $0 { return false }; return $0 != .changed }
    }
}

final class SessionMachineControlTests: XCTestCase {
    func testStartRecordsTheLineThenAsksForALaunch() {
        var h = MachineHarness()
        let fx = h.feed(.command(.start, uid: 7))
        XCTAssertEqual(fx.events.map(\.detail), ["start"])
        XCTAssertEqual(fx.events.first?.uid, 7)
        XCTAssertEqual(fx.notAppends, [.launch])
        XCTAssertEqual(h.state, .new, "the state changes once the agent runs")
    }

    func testARefusedLineIsAnErrorEventAndItsErrno() {
        var h = MachineHarness()
        h.started()
        let fx = h.feed(.command(.start, uid: 7))
        XCTAssertEqual(fx.refusal?.errno, .resourceBusy)
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.error])
        XCTAssertEqual(h.m.record.lastError?.errno, "EBUSY")
        var shell = MachineHarness { $0.command = "" }
        let refused = shell.feed(.command(.start, uid: 1))
        XCTAssertEqual(refused.refusal?.reason, "agent shell needs a command (write it to the command file, or command=… in new)")
        XCTAssertEqual(refused.events.map(\.kind), [EventKind.control, EventKind.error], "the line, then why it was refused")
        XCTAssertFalse(refused.contains(.launch))
    }

    func testLaunchedIsStartingWithWhatTheStartRecords() {
        var h = MachineHarness(agent: ShellAgent()) { $0.prompt = "hello" }
        h.feed(.command(.start, uid: 1))
        var l = Launched(pid: 42, commandLine: "sh -c 'sleep 100'", detail: " (x)", workdir: "/w")
        l.repo = "/r"
        l.head = "abc"
        l.typesPrompt = true
        let fx = h.feed(.launched(l))
        XCTAssertEqual(h.state, .starting)
        XCTAssertEqual(fx.events.first?.detail, "starting pid 42 (x)")
        XCTAssertEqual(h.m.record.pid, 42)
        XCTAssertEqual(h.m.record.commandLine, "sh -c 'sleep 100'")
        XCTAssertEqual(h.m.record.repo, "/r")
        XCTAssertEqual(h.m.record.base, "abc")
        XCTAssertEqual(fx.notAppends, [.watch, .after(ms: 500, .quiet), .type("hello")])
    }

    func testALaunchThatFailsEndsTheRunWithItsSummary() {
        var h = MachineHarness()
        h.feed(.command(.start, uid: 1))
        let fx = h.feed(.launchFailed("bad dir: /nope: No such file or directory"))
        XCTAssertEqual(h.state, .failed)
        XCTAssertEqual(h.m.record.reason, "bad dir: /nope: No such file or directory")
        XCTAssertTrue(fx.contains(.summary))
        XCTAssertTrue(fx.contains { if case .checkpoint = $0 { return true }; return false }, "an end is saved at once")
        XCTAssertTrue(fx.contains(.runOn(from: .new, to: h.m.record)))
    }

    func testPauseFreezesThenRecordsAndResumeReturnsToTheStateItLeft() {
        var h = MachineHarness()
        h.started()
        h.feed(.output)
        XCTAssertEqual(h.state, .working)
        XCTAssertEqual(h.feed(.command(.pause, uid: 1)).notAppends, [.freeze(reason: nil)])
        XCTAssertEqual(h.state, .working, "paused once frozen")
        h.feed(.frozen(reason: nil))
        XCTAssertEqual(h.state, .paused)
        XCTAssertEqual(h.m.record.resumeTo, .working)
        XCTAssertEqual(h.feed(.command(.pause, uid: 1)).notAppends, [], "paused already: nothing to freeze")
        XCTAssertEqual(h.feed(.command(.resume, uid: 1)).notAppends, [.thaw])
        h.feed(.thawed)
        XCTAssertEqual(h.state, .working)
    }

    func testAReportWhilePausedIsWhereResumeReturns() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.frozen(reason: nil))
        XCTAssertEqual(h.m.record.resumeTo, .idle, "paused while starting: idle")
        var r = AgentReport(kind: EventKind.prompt, detail: "go")
        r.wish = .working
        h.feed(.report(r, time: h.now.wall, hookEnd: 10, transcriptFound: nil))
        XCTAssertEqual(h.state, .paused, "a report changes no paused state")
        XCTAssertEqual(h.log.last?.resumeTo, .working)
        h.feed(.thawed)
        XCTAssertEqual(h.state, .working)
    }

    func testKeysTypingAndInterruptAreTheAgentsOwn() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        XCTAssertEqual(h.feed(.command(.interrupt, uid: 1)).notAppends, [.keys(["Escape"])])
        XCTAssertEqual(h.feed(.command(.send("fix it"), uid: 1)).notAppends, [.type("fix it")])
        XCTAssertEqual(h.feed(.command(.keys(["C-c", "y"]), uid: 1)).notAppends, [.keys(["C-c", "y"])])
        h.feed(.frozen(reason: nil))
        XCTAssertEqual(h.feed(.command(.send("x"), uid: 1)).refusal?.errno, .resourceBusy, "resume it first")
    }

    func testKillAndRestart() {
        var h = MachineHarness()
        XCTAssertEqual(h.feed(.command(.restart, uid: 1)).refusal?.errno, .resourceBusy, "not started: use start")
        h.started()
        XCTAssertEqual(h.feed(.command(.restart, uid: 1)).notAppends, [.terminate(reason: "restart"), .launch])
        XCTAssertEqual(h.feed(.command(.kill, uid: 1)).notAppends, [.terminate(reason: "kill")])
        let fx = h.feed(.terminated(reason: "kill"))
        XCTAssertEqual(h.state, .killed)
        XCTAssertEqual(h.m.record.reason, "kill")
        XCTAssertTrue(fx.contains(.summary))
        XCTAssertEqual(h.feed(.command(.kill, uid: 1)).refusal?.errno, .noSuchProcess)
        XCTAssertEqual(h.feed(.command(.restart, uid: 1)).notAppends, [.launch], "ended: started again")
    }

    func testSpecFilesAreWritableOnlyBeforeTheStart() {
        var h = MachineHarness()
        var spec = h.m.record.spec
        spec.prompt = "new prompt"
        let fx = h.feed(.spec(.prompt, spec, uid: 3))
        XCTAssertEqual(fx.events.map(\.detail), ["prompt new prompt"])
        XCTAssertEqual(h.m.record.spec.prompt, "new prompt")
        h.started()
        let late = h.feed(.spec(.prompt, spec, uid: 3))
        XCTAssertEqual(late.refusal?.errno, .permissionDenied)
        XCTAssertTrue(late.events.isEmpty, "a refused spec write records nothing")
    }
}

final class SessionMachineReportTests: XCTestCase {
    private func report(_ kind: EventKind, _ wish: StateWish?, detail: String = "") -> AgentReport {
        var r = AgentReport(kind: kind, detail: detail)
        r.wish = wish
        return r
    }

    func testReportsMoveTheStateAndCarryWhatTheyTell() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        var r = report(EventKind.tool, .working, detail: "Edit a.swift")
        r.tool = "Edit a.swift"
        r.touch = FileTouch(action: "edit", path: "a.swift")
        r.mayChangeFiles = true
        let fx = h.feed(.report(r, time: h.now.wall, hookEnd: 120, transcriptFound: nil))
        XCTAssertEqual(h.state, .working)
        XCTAssertEqual(h.m.record.tool, "Edit a.swift")
        XCTAssertEqual(h.m.record.hookOffset, 120)
        XCTAssertEqual(h.m.record.files[FileTouch(action: "edit", path: "a.swift")], 1)
        XCTAssertTrue(fx.contains(.gitChanged))
        h.feed(.report(.turnEnded("Done."), time: h.now.wall, hookEnd: 200, transcriptFound: nil))
        XCTAssertEqual(h.state, .idle)
        XCTAssertNil(h.m.record.tool)
        XCTAssertEqual(h.m.record.message, "Done.")
    }

    func testATranscriptTheRuntimeFoundIsRecordedOnce() {
        var h = MachineHarness(agent: CodexAgent())
        h.started()
        var r = AgentReport.turnEnded("ok")
        r.agentSession = "t1"
        h.feed(.report(r, time: h.now.wall, hookEnd: 50, transcriptFound: "/c/rollout-t1.jsonl"))
        XCTAssertEqual(h.m.record.transcript, "/c/rollout-t1.jsonl")
        XCTAssertEqual(h.m.record.agentSession, "t1")
        h.feed(.report(r, time: h.now.wall, hookEnd: 60, transcriptFound: "/c/other.jsonl"))
        XCTAssertEqual(h.m.record.transcript, "/c/rollout-t1.jsonl", "known: not replaced")
    }

    func testAWaitWithoutItsQuestionReadsTheScreenUntilTheQuestionShows() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        let fx = h.feed(.report(report(EventKind.permission, .waiting("permission Bash")), time: h.now.wall, hookEnd: 10, transcriptFound: nil))
        XCTAssertEqual(h.state, .waiting)
        XCTAssertEqual(fx.notAppends, [.after(ms: 300, .questionPoll(triesLeft: 40))])
        XCTAssertEqual(h.feed(.questionPoll(triesLeft: 40)).notAppends, [.capture(.question), .after(ms: 300, .questionPoll(triesLeft: 39))])
        let asked = h.feed(.screen(ScreenMenuTests.bashMenu, .question))
        XCTAssertEqual(asked.events.map(\.kind), [EventKind.permissionAsked])
        XCTAssertEqual(h.m.record.permission?.id, 1)
        XCTAssertEqual(h.m.live.questionSeenMS, h.now.ms)
        XCTAssertEqual(h.feed(.questionPoll(triesLeft: 39)).notAppends, [], "known: the polling stops")
        XCTAssertTrue(h.feed(.screen(ScreenMenuTests.bashMenu, .question)).events.isEmpty, "the same question is not asked twice")
        let gone = h.feed(.screen("❯ ", .question))
        XCTAssertEqual(gone.events.map(\.kind), [EventKind.permissionGone])
        XCTAssertNil(h.m.record.permission)
        XCTAssertEqual(h.m.record.lastPermissionID, 1)
    }

    func testAnswersAreCheckedAgainstTheQuestionThenPressed() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        XCTAssertEqual(h.feed(.command(.approve(nil), uid: 1)).refusal?.errno, .noMessage)
        h.feed(.screen(ScreenMenuTests.bashMenu, .question))
        let seen = h.now.ms
        XCTAssertEqual(h.feed(.command(.answer(id: 2, option: 1), uid: 1)).refusal?.errno, .invalidArgument, "never asked")
        XCTAssertEqual(h.feed(.command(.answer(id: 1, option: 9), uid: 1)).refusal?.errno, .outOfRange)
        let p = try! XCTUnwrap(h.m.record.permission)
        XCTAssertEqual(h.feed(.command(.deny(1), uid: 1)).notAppends, [.answer(p, choice: 3, notBeforeMS: seen + 200)])
        XCTAssertEqual(try h.m.answerKeys(p, choice: 3, screen: ScreenMenuTests.bashMenu), ["Down", "Down", "Down", "Enter"])
        XCTAssertThrowsError(try h.m.answerKeys(p, choice: 3, screen: "❯ ")) { XCTAssertEqual(($0 as? HiveError)?.errno, .staleNFSFileHandle) }
        let fx = h.feed(.answered(p, choice: 3))
        XCTAssertEqual(fx.events.first?.detail, "1 4: No")
        XCTAssertEqual(h.state, .working)
        XCTAssertNil(h.m.record.permission)
        XCTAssertEqual(h.feed(.command(.approve(1), uid: 1)).refusal?.errno, .staleNFSFileHandle, "over")
    }

    func testTokensAndTheAgentsCostChangeTheFilesAndAreSavedSoon() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        let v = h.m.record.version
        var l = TranscriptLedger()
        l.noteAgentTotal(0.5)
        XCTAssertEqual(h.feed(.tokens(l)), [.changed, .saveLedger])
        XCTAssertEqual(h.m.record.version, v + 1)
        XCTAssertEqual(h.feed(.agentCost(0.75)), [.changed], "a save is armed already")
        XCTAssertEqual(h.feed(.agentCost(0.75)), [], "nothing new")
        h.m.ledgerSaved()
        XCTAssertEqual(h.feed(.agentCost(1)), [.changed, .saveLedger])
    }

    func testTheScreenCorrectsAReportThatDidNotCome() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.report(report(EventKind.prompt, .working), time: h.now.wall, hookEnd: 10, transcriptFound: nil))
        let v = h.m.record.version
        XCTAssertTrue(h.feed(.screen("❯ ", .reconcile(version: v - 1))).events.isEmpty, "a report came since: it knows better")
        let fx = h.feed(.screen("╭──╮\n│ > │\n╰──╯", .reconcile(version: v)))
        XCTAssertEqual(fx.events.map(\.detail), ["idle: the screen shows the prompt (no report ended the turn)"])
        XCTAssertEqual(h.state, .idle)
        let refused = h.feed(.screen("Invalid settings: /s/a/claude-settings.json\n", .reconcile(version: h.m.record.version)))
        XCTAssertTrue(refused.events.isEmpty, "idle: the screen is not compared")
        var w = MachineHarness(agent: ClaudeAgent())
        w.started()
        let told = w.feed(.screen("Settings error: /s/a/claude-settings.json\n✻ esc to interrupt", .reconcile(version: w.m.record.version)))
        XCTAssertEqual(told.events.map(\.kind), [EventKind.hooksRefused])
        XCTAssertTrue(w.feed(.screen("Settings error: /s/a/claude-settings.json\n✻ esc to interrupt", .reconcile(version: w.m.record.version))).events
            .allSatisfy { $0.kind != EventKind.hooksRefused }, "told once a start")
        let dialog = w.feed(.screen(ScreenMenuTests.trustDialog, .reconcile(version: w.m.record.version)))
        XCTAssertEqual(dialog.events.map(\.kind), [EventKind.permissionAsked], "the trust dialog is a question")
    }

    func testTurnRunningAndAConversationFoundOnTheMachine() {
        var h = MachineHarness(agent: CodexAgent())
        h.started()
        let v = h.m.record.version
        XCTAssertEqual(h.feed(.turnRunning(version: v)).events.map(\.detail), ["working: the screen shows a turn running"])
        XCTAssertTrue(h.feed(.turnRunning(version: v)).events.isEmpty, "working already, and stale")
        h.feed(.conversation("t9", transcript: "/c/t9.jsonl"))
        XCTAssertEqual(h.m.record.agentSession, "t9")
        XCTAssertTrue(h.feed(.conversation("t9", transcript: "/c/t9.jsonl")).events.isEmpty)
    }
}

final class SessionMachineTerminalTests: XCTestCase {
    func testAnAgentThatReportsNothingWorksWhileItPrintsAndIsIdleOnceQuiet() {
        var h = MachineHarness()
        h.started()
        let fx = h.feed(.output, after: 10)
        XCTAssertEqual(h.state, .working)
        XCTAssertTrue(fx.contains(.gitChanged), "anything it prints may change files")
        XCTAssertEqual(h.feed(.quiet, after: 100).notAppends, [.whilePrinting, .after(ms: 400, .quiet)], "not quiet long enough")
        h.feed(.quiet, after: 400)
        XCTAssertEqual(h.state, .idle)
        XCTAssertEqual(h.feed(.output, after: 10).events.map(\.state), [.working])
    }

    func testWhatItPrintsAsItStartsMakesItWorking() {
        var h = MachineHarness()
        h.feed(.command(.start, uid: 1))
        XCTAssertTrue(h.feed(.output, after: 5).events.isEmpty, "not started yet")
        let fx = h.feed(.launched(Launched(pid: 42, commandLine: "agent", detail: "", workdir: "/w")), after: 5)
        XCTAssertEqual(fx.events.map(\.state), [.starting, .working])
        var quiet = MachineHarness()
        quiet.started()
        XCTAssertEqual(quiet.state, .starting, "nothing printed: starting")
    }

    func testOutputMeansNothingForAnAgentThatReportsItsTurns() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        let fx = h.feed(.output, after: 10)
        XCTAssertTrue(fx.events.isEmpty)
        XCTAssertFalse(fx.contains(.gitChanged))
        XCTAssertEqual(h.feed(.quiet, after: 500).notAppends, [.capture(.reconcile(version: h.m.record.version))])
    }

    func testAiderDrawingItsPromptIsNotWorkAndItsQuietScreenIsRead() {
        var h = MachineHarness(agent: AiderAgent())
        h.started()
        h.feed(.report(AiderNotify.report(Array(AiderNotify.payload.utf8), screen: "> "), time: h.now.wall, hookEnd: 10, transcriptFound: nil))
        XCTAssertEqual(h.state, .idle)
        XCTAssertTrue(h.feed(.output, after: 10).events.isEmpty, "drawn just after its report")
        XCTAssertEqual(h.feed(.output, after: 600).events.map(\.state), [.working])
        XCTAssertEqual(h.feed(.quiet, after: 500).notAppends, [.capture(.rest)])
        XCTAssertTrue(h.feed(.screen("Loading…", .rest)).events.isEmpty, "not at its prompt yet")
        h.feed(.screen("Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: ", .rest))
        XCTAssertEqual(h.state, .waiting)
        XCTAssertEqual(h.m.record.permission?.question, "Add file to the chat?")
    }

    func testAQuietIdleAgentThatAsksOnScreenIsLookedAt() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.report(.turnEnded(nil), time: h.now.wall, hookEnd: 10, transcriptFound: nil))
        h.feed(.output, after: 10)
        XCTAssertEqual(h.feed(.quiet, after: 500).notAppends, [.capture(.question)])
    }

    func testAQuietCheckLeftFromTheLastRunCountsFromTheLaunch() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.output, after: 10)
        h.feed(.terminated(reason: "restart"), after: 1000)
        h.feed(.launched(Launched(pid: 43, commandLine: "claude", detail: "", workdir: "/w")), after: 10)
        XCTAssertEqual(h.feed(.quiet, after: 100).notAppends, [.after(ms: 400, .quiet)], "the new run has not been quiet long")
    }
}

final class SessionMachineLifecycleTests: XCTestCase {
    func testHowAnAgentEnded() {
        func end(_ f: (inout Ending) -> Void) -> (String, Int32?) {
            var h = MachineHarness()
            h.started()
            var how = Ending()
            f(&how)
            h.feed(.ended(how))
            return (h.log.last?.detail ?? "", h.m.record.exitCode)
        }
        XCTAssertEqual(end { $0.status = 3 }.0, "exited 3")
        XCTAssertEqual(end { $0.signal = 9 }.1, 137)
        XCTAssertEqual(end { $0.signal = 9 }.0, "exited 137 signal 9")
        XCTAssertEqual(end { $0.paneDead = true; $0.paneStatus = 1 }.0, "exited 1", "tmux's dead pane when the launcher wrote nothing")
        XCTAssertEqual(end { _ in }.0, "exited lost")
        XCTAssertEqual(end { $0.launchError = "command not found: agent"; $0.paneStatus = 127 }.0, "failed command not found: agent")
        XCTAssertEqual(end { $0.launchError = "setup failed" }.1, 127)
        XCTAssertEqual(end { $0.paneDead = true }.0, "exited exit status unknown")
    }

    func testAdoptionAtMount() {
        var h = MachineHarness()
        h.started()
        // What the next daemon reads back: the log, replayed.
        var next = try! XCTUnwrap(SessionMachine(replaying: h.log, adapter: ShellAgent(), settings: h.m.settings))
        let fx = next.handle(.adopt(Adoption(pane: true, dead: false, agentPid: 42, restore: false)), at: h.now)
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.adopted])
        XCTAssertEqual(fx.events.map(\.detail), ["pid 42"])
        XCTAssertEqual(fx.notAppends, [.watch, .after(ms: 500, .quiet)])
        XCTAssertEqual(h.feed(.adopt(Adoption(pane: true, dead: true, agentPid: 42, restore: false))).notAppends.last, .finishExit)

        var lost = MachineHarness()
        lost.started()
        lost.feed(.adopt(Adoption(pane: false, dead: false, agentPid: nil, restore: true)))
        XCTAssertEqual(lost.log.suffix(2).map(\.detail), ["exited lost", "restart (restore)"])
        var new = MachineHarness()
        let starting = new.feed(.adopt(Adoption(pane: true, dead: false, agentPid: 50, restore: false)))
        XCTAssertEqual(starting.events.map { $0.kind.rawValue + " " + $0.detail }, ["state starting pid 50", "adopted pid 50"],
                       "the daemon died while launching it: adopted too")
        XCTAssertTrue(MachineHarness().m.record.state == .new)
        var never = MachineHarness()
        XCTAssertTrue(never.feed(.adopt(Adoption(pane: false, dead: false, agentPid: nil, restore: true))).isEmpty, "never started")
    }

    func testSetupDoneRecordsThePid() {
        var h = MachineHarness()
        h.feed(.command(.start, uid: 1))
        h.feed(.launched(Launched(pid: nil, commandLine: "agent", detail: " (setup: make)", workdir: "/w")))
        XCTAssertNil(h.m.record.pid)
        h.feed(.setupDone(pid: 77))
        XCTAssertEqual(h.log.last?.detail, "starting pid 77 (setup done)")
        XCTAssertEqual(h.m.record.pid, 77)
        XCTAssertTrue(h.feed(.setupDone(pid: 78)).isEmpty, "once")
    }

    func testTheRecordIsSavedEveryFewSecondsAndAtTheEnd() {
        var h = MachineHarness()
        h.started()
        func saves(_ fx: [SessionEffect]) -> Int { fx.filter { if case .checkpoint = $0 { return true }; return false }.count }
        XCTAssertEqual(saves(h.feed(.output, after: 6000)), 1)
        XCTAssertEqual(saves(h.feed(.command(.send("x"), uid: 1), after: 100)), 0)
        XCTAssertEqual(saves(h.feed(.terminated(reason: "kill"), after: 100)), 1)
    }
}

final class SessionMachinePolicyTests: XCTestCase {
    func testTheIdleTimeoutEndsASessionIdleSinceItWasArmed() {
        var h = MachineHarness()
        h.started()
        let armed = h.feed(.command(.idleTimeout(2), uid: 1))
        XCTAssertEqual(h.m.record.idleTimeout, 2)
        XCTAssertTrue(armed.notAppends.isEmpty, "starting: not idle, nothing armed")
        h.feed(.quiet, after: 600)
        XCTAssertEqual(h.state, .idle)
        let v = h.m.record.stateVersion
        XCTAssertTrue(h.feed(.reap(stateVersion: v - 1), after: 2000).isEmpty, "armed for a state since left")
        XCTAssertEqual(h.feed(.command(.idleTimeout(10), uid: 1)).notAppends, [.after(ms: 8000, .reap(stateVersion: v))])
        XCTAssertEqual(h.feed(.reap(stateVersion: v), after: 10).notAppends, [.after(ms: 7990, .reap(stateVersion: v))], "longer now: not due")
        let fired = h.feed(.reap(stateVersion: v), after: 8000)
        XCTAssertEqual(fired.events.map(\.detail), ["idle-timeout fired: idle for 10s"])
        XCTAssertEqual(fired.notAppends, [.terminate(reason: "idle-timeout")])
    }

    func testTheDefaultIdleTimeoutArmsOnIdleAndWaiting() {
        var s = MachineSettings(quietAfterMS: 500, defaultIdleTimeout: 60)
        s.budgetKills = false
        var h = MachineHarness(settings: s)
        h.started()
        XCTAssertTrue(h.feed(.quiet, after: 600).notAppends.contains(.after(ms: 60_000, .reap(stateVersion: h.m.record.stateVersion))))
    }

    func testASpentBudgetPausesOnceOrKills() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.report(.turnEnded(nil), time: h.now.wall, hookEnd: 1, transcriptFound: nil))
        h.feed(.record({ var e = Event(time: h.now.wall, session: "a", kind: EventKind.state, detail: "x"); e.transcript = "/t.jsonl"; return e }(), durable: false))
        h.feed(.command(.budget(.tokens(100)), uid: 1))
        var l = TranscriptLedger()
        _ = l.consume(ArraySlice(Array(#"{"type":"assistant","requestId":"r1","message":{"id":"m1","model":"claude-x","usage":{"input_tokens":90,"output_tokens":20}}}"#.utf8) + [0x0A]), file: "/t.jsonl")
        let fx = h.feed(.tokens(l))
        XCTAssertEqual(fx.events.map(\.detail), ["budget spent: 110 tokens of 100"])
        XCTAssertEqual(fx.notAppends.last, .freeze(reason: "budget: 110 tokens of 100"))
        XCTAssertTrue(h.m.record.budgetSpent)
        l.noteAgentTotal(1)
        XCTAssertFalse(h.feed(.tokens(l)).contains { if case .freeze = $0 { return true }; return false }, "once per budget set")

        var k = MachineHarness(agent: ClaudeAgent(), settings: { var s = MachineSettings(quietAfterMS: 500); s.budgetKills = true; return s }())
        k.started()
        k.feed(.record({ var e = Event(time: k.now.wall, session: "a", kind: EventKind.state, detail: "x"); e.transcript = "/t.jsonl"; return e }(), durable: false))
        k.feed(.command(.budget(.tokens(100)), uid: 1))
        XCTAssertEqual(k.feed(.tokens(l)).notAppends.last, .terminate(reason: "budget: 110 tokens of 100"))
    }
}

final class SessionMachineReplayTests: XCTestCase {
    /// The log a machine wrote gives the same record back, paused state and all.
    func testTheLogGivesTheRecordBack() throws {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.report({ var r = AgentReport(kind: EventKind.prompt, detail: "go"); r.wish = .working; return r }(),
                       time: h.now.wall, hookEnd: 10, transcriptFound: nil))
        h.feed(.screen(ScreenMenuTests.bashMenu, .question))
        h.feed(.command(.pause, uid: 1))
        h.feed(.frozen(reason: nil))
        h.feed(.command(.budget(.usd(5)), uid: 1))
        let again = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: ClaudeAgent(), settings: h.m.settings))
        XCTAssertEqual(again.record, h.m.record)
        XCTAssertEqual(again.record.resumeTo, .waiting)
        var resumed = again
        _ = resumed.handle(.thawed, at: h.now)
        XCTAssertEqual(resumed.record.state, .waiting, "a restarted daemon resumes to the state it was paused in")
        XCTAssertNil(resumed.record.permission, "read from the screen again, as a new question")
        XCTAssertEqual(resumed.record.lastPermissionID, 1)
        XCTAssertNil(SessionMachine(replaying: Array(h.log.dropFirst()), adapter: ClaudeAgent(), settings: h.m.settings))
    }

    /// Events written before `resume_to` existed read the same, and resume as they did.
    func testAnOldLogWithoutResumeToReadsAsBefore() throws {
        let line = #"{"time":"2026-11-01T10:00:00.000Z","session":"a","kind":"state","detail":"paused","state":"paused"}"#
        let e = try XCTUnwrap(Event.parse(jsonLine: Data(line.utf8)))
        XCTAssertNil(e.resumeTo)
        var withIt = e
        withIt.resumeTo = .working
        XCTAssertTrue(withIt.jsonLine.contains(#""resume_to":"working""#))
        XCTAssertEqual(Event.parse(jsonLine: Data(withIt.jsonLine.utf8))?.resumeTo, .working)
    }
}

/// The inputs the other tests reach only on the way.
final class SessionMachineEdgeTests: XCTestCase {
    func testAnEffectThatFailedIsAnErrorEventAndTheWritesRefusal() {
        var h = MachineHarness()
        h.started()
        let fx = h.feed(.refused(HiveError(.notPermitted, "cannot freeze 42"), uid: 9))
        XCTAssertEqual(fx.events.map(\.detail), ["EPERM cannot freeze 42"])
        XCTAssertEqual(fx.events.first?.uid, 9)
        XCTAssertEqual(fx.refusal?.errno, .notPermitted)
        XCTAssertEqual(h.state, .starting, "nothing else changes")
    }

    func testTheQuestionWatchGivesUpAndThawingARunningSessionDoesNothing() {
        var h = MachineHarness(agent: ClaudeAgent())
        h.started()
        h.feed(.report({ var r = AgentReport(kind: EventKind.permission); r.wish = .waiting("permission Bash"); return r }(),
                       time: h.now.wall, hookEnd: 5, transcriptFound: nil))
        XCTAssertTrue(h.feed(.questionPoll(triesLeft: 0)).isEmpty, "no tries left")
        XCTAssertFalse(h.m.live.questionWatch, "a later wait watches again")
        XCTAssertTrue(h.feed(.thawed).isEmpty, "not paused")
        XCTAssertTrue(h.feed(.frozen(reason: "budget: 1 tokens of 1")).events.map(\.reason) == ["budget: 1 tokens of 1"])
    }
}
