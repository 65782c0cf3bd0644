import Foundation
import XCTest
@testable import HiveCore

/// The kinds of event: their texts are the wire format of `events` and `events.jsonl`,
/// so each known kind keeps its text, and a kind this build does not know is kept as it came.
final class EventKindTests: XCTestCase {
    /// Every kind's text as logs written before the enum hold it, stated apart from
    /// `EventKind.rawValue` on purpose: renaming a text breaks this test, not old logs.
    private let today: [String: EventKind] = [
        "created": .created, "spec": .spec, "control": .control, "state": .state, "error": .error,
        "adopted": .adopted, "removed": .removed, "policy": .policy, "disk": .disk, "warning": .warning,
        "history.pruned": .historyPruned, "host.added": .hostAdded, "host.removed": .hostRemoved, "spool": .spool, "trust": .trust, "fork": .fork,
        "limit": .limit, "usage": .usage,
        "worktree": .worktree, "worktree.removed": .worktreeRemoved, "worktree.kept": .worktreeKept,
        "git.commit": .gitCommit, "git.head": .gitHead, "land": .land,
        "permission.asked": .permissionAsked, "permission.answered": .permissionAnswered,
        "permission.gone": .permissionGone,
        "queue.added": .queueAdded, "queue.sent": .queueSent, "queue.cleared": .queueCleared,
        "queue.done": .queueDone, "queue.returned": .queueReturned,
        "prompt": .prompt, "tool": .tool, "tool.done": .toolDone, "tool.failed": .toolFailed,
        "permission": .permission, "notification": .notification, "idle": .idle, "stop.failed": .stopFailed,
        "subagent.start": .subagentStart, "subagent.stop": .subagentStop, "compact": .compact,
        "compact.done": .compactDone, "tool.denied": .toolDenied, "interrupt": .interrupt,
        "agent.start": .agentStart, "agent.end": .agentEnd, "hook": .hook, "hook.unreadable": .hookUnreadable,
        "screen": .screen, "hooks.refused": .hooksRefused,
    ]

    // MARK: known kinds

    func testEveryKnownKindKeepsTodaysText() {
        XCTAssertEqual(EventKind.allKnown.count, today.count, "allKnown lists each known kind once")
        XCTAssertEqual(Set(EventKind.allKnown).count, EventKind.allKnown.count, "no kind listed twice")
        for (text, kind) in today {
            XCTAssertEqual(kind.rawValue, text)
            XCTAssertEqual(kind.description, text)
            XCTAssertEqual(EventKind(rawValue: text), kind, text)
            XCTAssertTrue(EventKind.allKnown.contains(kind), text)
        }
    }

    func testEveryKnownKindRoundTripsThroughItsText() {
        XCTAssertEqual(Set(EventKind.allKnown.map(\.rawValue)).count, EventKind.allKnown.count, "no two kinds share a text")
        for kind in EventKind.allKnown {
            XCTAssertEqual(EventKind(rawValue: kind.rawValue), kind, kind.rawValue)
            if case .unknown = kind { XCTFail("allKnown holds an unknown kind: \(kind)") }
        }
    }

    func testEveryKnownKindRoundTripsThroughJSONAsAPlainString() throws {
        for kind in EventKind.allKnown {
            let data = try JSONEncoder().encode([kind])
            XCTAssertEqual(String(decoding: data, as: UTF8.self), "[\"\(kind.rawValue)\"]", kind.rawValue)
            XCTAssertEqual(try JSONDecoder().decode([EventKind].self, from: data), [kind], kind.rawValue)
        }
    }

    func testTodaysEventsJSONLLinesReadAsTheirKindAndWriteBackTheSame() throws {
        for (text, kind) in today {
            let line = #"{"time":"2026-11-24T10:00:00.000Z","session":"auth","kind":"\#(text)","detail":"d"}"# + "\n"
            let e = try XCTUnwrap(Event.parse(jsonLine: Data(line.utf8)), text)
            XCTAssertEqual(e.kind, kind, text)
            XCTAssertEqual(e.jsonLine, line, text)
            XCTAssertEqual(e.textLine, "2026-11-24T10:00:00.000Z \(text) d\n", text)
        }
    }

    func testARealLineOfTodaysFormatReadsAsItsKind() throws {
        let line = #"{"time":"2026-11-24T10:00:00.512Z","session":"auth","kind":"git.commit","detail":"4f1c2e9 Fix the login","head":"4f1c2e9"}"#
        let e = try XCTUnwrap(Event.parse(jsonLine: Data(line.utf8)))
        XCTAssertEqual(e.kind, .gitCommit)
        XCTAssertEqual(e.head, "4f1c2e9")
        XCTAssertEqual(e.jsonLine, line + "\n")
        let asked = #"{"time":"2026-11-24T10:00:01.000Z","session":"auth","kind":"permission.asked","detail":"1 tool: Run it?","state":"waiting"}"#
        XCTAssertEqual(Event.parse(jsonLine: Data(asked.utf8))?.kind, .permissionAsked)
        let done = #"{"time":"2026-11-24T10:00:02.000Z","session":"auth","kind":"tool.done","detail":"Read a.swift","action":"read","path":"a.swift","hook":120}"#
        XCTAssertEqual(Event.parse(jsonLine: Data(done.utf8))?.kind, .toolDone)
    }

    // MARK: unknown kinds

    func testAnUnknownKindIsKeptAsItCame() {
        for text in ["review.requested", "", "Tool", "tool.done ", "ünïcode \"quoted\" \\ kind"] {
            let kind = EventKind(rawValue: text)
            XCTAssertEqual(kind, .unknown(text), text)
            XCTAssertEqual(kind.rawValue, text)
            XCTAssertEqual(kind.description, text)
        }
    }

    func testAnUnknownKindSurvivesDecodeAndEncodeByteForByte() throws {
        let lines = [
            #"{"time":"2026-11-24T10:00:00.000Z","session":"auth","kind":"review.requested","detail":"by ana"}"#,
            #"{"time":"2026-11-24T10:00:00.000Z","session":"auth","kind":"ünïcode \"quoted\" \\ kind","detail":"","state":"idle"}"#,
            #"{"time":"2026-11-24T10:00:00.000Z","session":"auth","kind":"","detail":"no kind"}"#,
        ].map { $0 + "\n" }
        for line in lines {
            let e = try XCTUnwrap(Event.parse(jsonLine: Data(line.utf8)), line)
            guard case .unknown = e.kind else { return XCTFail("read as a known kind: \(line)") }
            XCTAssertEqual(Array(e.jsonLine.utf8), Array(line.utf8), "events.jsonl writes it back unchanged")
            let again = try JSONDecoder().decode(Event.self, from: JSONEncoder().encode(e))
            XCTAssertEqual(again, e, "and it survives Codable too (a checkpoint's last error)")
        }
        let plain = Data(#"["review.requested"]"#.utf8)
        let decoded = try JSONDecoder().decode([EventKind].self, from: plain)
        XCTAssertEqual(decoded, [.unknown("review.requested")])
        XCTAssertEqual(try JSONEncoder().encode(decoded), plain)
    }

    func testAnUnknownKindIsShownInTheTextLine() {
        let e = Event(time: t(0), session: "auth", kind: EventKind(rawValue: "review requested"), detail: "by ana")
        XCTAssertEqual(e.textLine, "2026-11-24T10:00:00.000Z review_requested by ana\n")
    }

    func testANonStringKindIsNotAnEvent() {
        let line = #"{"time":"2026-11-24T10:00:00.000Z","session":"auth","kind":7,"detail":""}"#
        XCTAssertNil(Event.parse(jsonLine: Data(line.utf8)))
    }

    // MARK: groups

    func testTheAgentsKindsAreThoseThatWereListedAsSuch() {
        XCTAssertEqual(Set(EventKind.allKnown.filter(\.isAgentReport).map(\.rawValue)), [
            "prompt", "tool", "tool.done", "tool.failed", "permission", "notification", "idle", "stop.failed",
            "subagent.start", "subagent.stop", "compact", "compact.done", "tool.denied", "interrupt",
            "agent.start", "agent.end", "hook", "hook.unreadable", "screen", "hooks.refused",
        ])
        XCTAssertFalse(EventKind.unknown("review.requested").isAgentReport)
    }

    func testTheQuestionsKindsAreThePermissionOnes() {
        XCTAssertEqual(Set(EventKind.allKnown.filter(\.isPermissionQuestion).map(\.rawValue)),
                       ["permission.asked", "permission.answered", "permission.gone"])
        XCTAssertFalse(EventKind.permission.isPermissionQuestion, "the agent's own report is not the question's")
        XCTAssertFalse(EventKind.unknown("permission.later").isPermissionQuestion)
    }
}
