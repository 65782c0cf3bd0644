import Foundation
import XCTest
@testable import HiveCore

/// Agent events, as the runtime writes them from hook reports.
enum Agent {
    static func event(_ kind: EventKind, at ms: Int64, _ detail: String = "", state: SessionState? = nil, reason: String? = nil,
                      tool: String? = nil, action: String? = nil, path: String? = nil, hook: Int64? = nil,
                      agentSession: String? = nil, model: String? = nil, message: String? = nil,
                      transcript: String? = nil) -> Event {
        var e = Event(time: t(ms), session: "auth", kind: kind, detail: detail, state: state, reason: reason)
        e.tool = tool
        e.action = action
        e.path = path
        e.hook = hook
        e.agentSession = agentSession
        e.model = model
        e.message = message
        e.transcript = transcript
        return e
    }

    /// A session that has started and is working.
    static func started() -> [Event] {
        [Log.created(at: 0), Log.state(.starting, at: 10, pid: 4242, command: "claude"), Log.state(.working, at: 20)]
    }
}

final class AgentEventRecordTests: XCTestCase {
    private func replay(_ events: [Event], file: StaticString = #filePath, line: UInt = #line) throws -> SessionRecord {
        try XCTUnwrap(SessionRecord.replay(Agent.started() + events), file: file, line: line)
    }

    func testAToolStartSetsTheTool() throws {
        let r = try replay([Agent.event(.tool, at: 30, "Edit Sources/a.swift", state: .working, tool: "Edit Sources/a.swift")])
        XCTAssertEqual(r.tool, "Edit Sources/a.swift")
        XCTAssertEqual(r.state, .working)
    }

    func testAToolsEndClearsIt() throws {
        for kind: EventKind in [.toolDone, .toolFailed, .prompt, .idle, .stopFailed, .agentEnd] {
            let r = try replay([Agent.event(.tool, at: 30, tool: "Bash make"), Agent.event(kind, at: 40, "Bash make")])
            XCTAssertNil(r.tool, kind.rawValue)
        }
    }

    func testOtherReportsKeepTheTool() throws {
        for kind: EventKind in [.notification, .subagentStart, .subagentStop, .compact, .hook, .hookUnreadable, .agentStart] {
            let r = try replay([Agent.event(.tool, at: 30, tool: "Task builder: Build"), Agent.event(kind, at: 40)])
            XCTAssertEqual(r.tool, "Task builder: Build", kind.rawValue)
        }
    }

    func testANewToolReplacesTheOld() throws {
        let r = try replay([Agent.event(.tool, at: 30, tool: "Read a"), Agent.event(.tool, at: 31, tool: "Read b")])
        XCTAssertEqual(r.tool, "Read b")
    }

    func testPermissionWaitsWithItsReason() throws {
        let r = try replay([Agent.event(.permission, at: 30, "Bash rm -rf build", state: .waiting,
                                        reason: "permission Bash rm -rf build", tool: "Bash rm -rf build")])
        XCTAssertEqual(r.state, .waiting)
        XCTAssertEqual(r.reason, "permission Bash rm -rf build")
        XCTAssertEqual(r.tool, "Bash rm -rf build")
        XCTAssertEqual(r.stateVersion, 3, "new→starting→working→waiting")
    }

    func testIdleWithItsStateClearsTheTool() throws {
        let r = try replay([
            Agent.event(.permission, at: 30, state: .waiting, reason: "permission Bash rm", tool: "Bash rm"),
            Agent.event(.idle, at: 40, "Done.", state: .idle, message: "Done.\nAll good."),
        ])
        XCTAssertEqual(r.state, .idle)
        XCTAssertNil(r.reason, "the wait is over")
        XCTAssertNil(r.tool)
        XCTAssertEqual(r.message, "Done.\nAll good.")
    }

    func testAFailedStopKeepsItsReason() throws {
        let r = try replay([Agent.event(.stopFailed, at: 30, "rate_limit: x", state: .idle, reason: "rate_limit: x")])
        XCTAssertEqual(r.state, .idle)
        XCTAssertEqual(r.reason, "rate_limit: x")
    }

    func testAgentEventsWithoutAStateLeaveItAlone() throws {
        let r = try replay([Agent.event(.notification, at: 30, "[idle_prompt] Claude is waiting for your input")])
        XCTAssertEqual(r.state, .working)
        XCTAssertEqual(r.stateVersion, 2, "new→starting→working")
        XCTAssertEqual(r.eventCount, 4)
        XCTAssertEqual(r.lastEvent, t(30))
    }

    func testScreenEventsCarryAState() throws {
        let r = try replay([Agent.event(.screen, at: 30, "waiting: trust", state: .waiting,
                                        reason: "workspace trust dialog (answer with: keys 1, or attach)")])
        XCTAssertEqual(r.state, .waiting)
        XCTAssertEqual(r.reason, "workspace trust dialog (answer with: keys 1, or attach)")
    }

    func testScreenIdleAfterADismissedPermissionClearsTheTool() throws {
        // Escape on a permission prompt fires no hook; the screen says the agent is idle again.
        // An idle agent runs no tool, so `status` should not go on showing it.
        let r = try replay([
            Agent.event(.permission, at: 30, state: .waiting, reason: "permission Bash rm -rf /", tool: "Bash rm -rf /"),
            Agent.event(.screen, at: 40, "idle: the screen shows the prompt (no report ended the wait)", state: .idle),
        ])
        XCTAssertEqual(r.state, .idle)
        XCTAssertNil(r.reason)
        XCTAssertNil(r.tool, "a stale tool stays in status after the screen says idle")
    }

    func testAQuietTerminalGoingIdleClearsTheToolToo() throws {
        let r = try replay([Agent.event(.tool, at: 30, tool: "Bash make"), Log.state(.idle, at: 40)])
        XCTAssertEqual(r.state, .idle)
        XCTAssertNil(r.tool)
    }

    func testFilesAreCounted() throws {
        let r = try replay([
            Agent.event(.toolDone, at: 30, action: "read", path: "Sources/a.swift"),
            Agent.event(.toolDone, at: 31, action: "read", path: "Sources/a.swift"),
            Agent.event(.toolDone, at: 32, action: "edit", path: "Sources/a.swift"),
            Agent.event(.toolDone, at: 33, action: "create", path: "README.md"),
            Agent.event(.toolDone, at: 34, action: "search", path: "."),
            Agent.event(.toolDone, at: 35, action: "edit"),
            Agent.event(.toolDone, at: 36, path: "orphan"),
        ])
        XCTAssertEqual(r.files, [
            FileTouch(action: "read", path: "Sources/a.swift"): 2,
            FileTouch(action: "edit", path: "Sources/a.swift"): 1,
            FileTouch(action: "create", path: "README.md"): 1,
            FileTouch(action: "search", path: "."): 1,
        ], "an action without a path, or a path without an action, is not a touch")
    }

    func testHookOffsetIsTheLargest() throws {
        let r = try replay([
            Agent.event(.prompt, at: 30, hook: 100),
            Agent.event(.tool, at: 31, hook: 300),
            Agent.event(.toolDone, at: 32, hook: 200),
            Agent.event(.notification, at: 33),
        ])
        XCTAssertEqual(r.hookOffset, 300)
        XCTAssertEqual(try replay([]).hookOffset, 0)
    }

    func testAgentFactsAreKeptUntilReplaced() throws {
        var r = try replay([
            Agent.event(.agentStart, at: 30, state: .idle, agentSession: "4f1c", model: "claude-sonnet-4-5-20250929",
                        transcript: "/home/ana/.claude/projects/-home-ana-src-app/4f1c.jsonl"),
            Agent.event(.idle, at: 40, message: "First answer."),
            Agent.event(.prompt, at: 50, "next", state: .working),
        ])
        XCTAssertEqual(r.agentSession, "4f1c")
        XCTAssertEqual(r.model, "claude-sonnet-4-5-20250929")
        XCTAssertEqual(r.transcript, "/home/ana/.claude/projects/-home-ana-src-app/4f1c.jsonl")
        XCTAssertEqual(r.message, "First answer.", "an event without a message keeps the last one")

        r.apply(Agent.event(.agentStart, at: 60, agentSession: "9a9a", model: "claude-opus-4-5-20251101",
                            message: "Second.", transcript: "/t/9a9a.jsonl"))
        XCTAssertEqual(r.agentSession, "9a9a")
        XCTAssertEqual(r.model, "claude-opus-4-5-20251101")
        XCTAssertEqual(r.message, "Second.")
        XCTAssertEqual(r.transcript, "/t/9a9a.jsonl")
    }

    func testPausedKeepsTheReason() throws {
        var r = try replay([
            Agent.event(.permission, at: 30, state: .waiting, reason: "permission Bash rm", tool: "Bash rm"),
            Log.state(.paused, at: 40),
        ])
        XCTAssertEqual(r.state, .paused)
        XCTAssertEqual(r.reason, "permission Bash rm")
        XCTAssertEqual(r.tool, "Bash rm")
        r.apply(Log.state(.waiting, at: 50, reason: "permission Bash rm"))
        XCTAssertEqual(r.state, .waiting)
        XCTAssertEqual(r.reason, "permission Bash rm")
    }

    func testTheEndClearsTheTool() throws {
        let r = try replay([Agent.event(.tool, at: 30, tool: "Bash sleep 100"), Log.state(.killed, at: 40, exit: 143, reason: "kill")])
        XCTAssertNil(r.tool)
        XCTAssertEqual(r.state, .killed)
    }

    func testFilesRenderer() throws {
        let r = try replay([
            Agent.event(.toolDone, at: 30, action: "read", path: "Sources/b.swift"),
            Agent.event(.toolDone, at: 31, action: "edit", path: "Sources/b.swift"),
            Agent.event(.toolDone, at: 32, action: "edit", path: "Sources/b.swift"),
            Agent.event(.toolDone, at: 33, action: "create", path: "README.md"),
            Agent.event(.toolDone, at: 34, action: "search", path: "."),
            Agent.event(.toolDone, at: 35, action: "read", path: "/etc/hosts"),
            Agent.event(.toolDone, at: 36, action: "write", path: "docs/odd\nname.md"),
            Agent.event(.toolDone, at: 37, action: "read", path: "Sources/a b.swift"),
        ])
        XCTAssertEqual(FilesRenderer.text(r), """
        search 1 .
        read 1 /etc/hosts
        create 1 README.md
        read 1 Sources/a b.swift
        edit 2 Sources/b.swift
        read 1 Sources/b.swift
        write 1 docs/odd\\nname.md

        """)
        XCTAssertEqual(lines(of: FilesRenderer.text(r)).count, 7, "a path with a newline stays on its line")
    }

    func testFilesRendererOfNoFiles() throws {
        XCTAssertEqual(FilesRenderer.text(try replay([])), "")
    }

    func testEventJSONLineWithTheAgentFieldsRoundTrips() throws {
        let e = Agent.event(.permission, at: 512, "Bash rm -rf \"build\"", state: .waiting, reason: "permission Bash rm",
                            tool: "Bash rm -rf \"build\"", action: "edit", path: "Sources/Ü ber\ta.swift", hook: 9_876_543_210,
                            agentSession: "30ce6fc8-632a-45fd-8429-cec8b657956a", model: "claude-opus-4-5-20251101",
                            message: "Done.\n\nAll \"good\" \\ 🐝", transcript: "/home/ana/.claude/projects/-x/30ce.jsonl")
        let line = e.jsonLine
        XCTAssertTrue(line.hasSuffix("}\n"))
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1)
        XCTAssertEqual(Event.parse(jsonLine: Data(line.utf8)), e)

        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(obj["agent_session"] as? String, "30ce6fc8-632a-45fd-8429-cec8b657956a")
        XCTAssertNil(obj["agentSession"])
        XCTAssertEqual((obj["hook"] as? NSNumber)?.int64Value, 9_876_543_210)
        XCTAssertEqual(obj["tool"] as? String, "Bash rm -rf \"build\"")
        XCTAssertEqual(obj["action"] as? String, "edit")
        XCTAssertEqual(obj["path"] as? String, "Sources/Ü ber\ta.swift")
        XCTAssertEqual(obj["model"] as? String, "claude-opus-4-5-20251101")
        XCTAssertEqual(obj["message"] as? String, "Done.\n\nAll \"good\" \\ 🐝")
        XCTAssertEqual(obj["transcript"] as? String, "/home/ana/.claude/projects/-x/30ce.jsonl")
    }

    func testReplayingAgentEventsFromJSONLGivesTheSameRecord() throws {
        let events = Agent.started() + [
            Agent.event(.agentStart, at: 30, agentSession: "4f1c", model: "m", transcript: "/t.jsonl"),
            Agent.event(.tool, at: 31, state: .working, tool: "Edit a.swift", hook: 100),
            Agent.event(.toolDone, at: 32, action: "edit", path: "a.swift", hook: 200),
            Agent.event(.idle, at: 33, state: .idle, hook: 300, message: "ok"),
        ]
        let back = events.map(\.jsonLine).joined().split(separator: "\n").compactMap { Event.parse(jsonLine: Data($0.utf8)) }
        XCTAssertEqual(back, events)
        XCTAssertEqual(SessionRecord.replay(back), SessionRecord.replay(events))
    }
}
