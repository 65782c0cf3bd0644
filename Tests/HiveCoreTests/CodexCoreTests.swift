import Foundation
import XCTest
@testable import HiveCore

/// Codex CLI's notification and rollout, read without a mount.
final class CodexCoreTests: XCTestCase {
    func testTheNotifyOverrideIsATOMLArrayThatSurvivesAwkwardPaths() throws {
        let command = ["/opt/hive fs/hivefs-hook", "/state/sessions/a\"b\\c/hooks.log"]
        let o = CodexNotify.override(command: command)
        XCTAssertTrue(o.hasPrefix("notify=["))
        // TOML basic strings escape as JSON does, so JSON reads it back.
        let array = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(o.dropFirst("notify=".count).utf8)) as? [String])
        XCTAssertEqual(array, command)
    }

    func testATurnCompleteIsIdleWithTheMessageAndThread() {
        let p = #"{"type":"agent-turn-complete","thread-id":"0199a213","turn-id":"3","cwd":"/w","input-messages":["fix it"],"last-assistant-message":"Fixed.\nAll tests pass."}"#
        let r = CodexNotify.report(Array(p.utf8))
        XCTAssertEqual(r.kind, EventKind.idle)
        XCTAssertEqual(r.detail, "Fixed.", "the first line, as for every agent")
        XCTAssertEqual(r.message, "Fixed.\nAll tests pass.")
        XCTAssertEqual(r.agentSession, "0199a213")
        XCTAssertEqual(r.wish?.state, .idle)
        XCTAssertTrue(r.mayChangeFiles)
    }

    func testANullMessageAndOtherTypesAndGarbage() {
        let null = CodexNotify.report(Array(#"{"type":"agent-turn-complete","thread-id":"t","last-assistant-message":null}"#.utf8))
        XCTAssertEqual(null.kind, EventKind.idle)
        XCTAssertEqual(null.detail, "")
        XCTAssertNil(null.message)
        let other = CodexNotify.report(Array(#"{"type":"approval-requested","thread-id":"t"}"#.utf8))
        XCTAssertEqual(other.kind, EventKind.notification)
        XCTAssertNil(other.wish, "an unknown notification changes no state")
        for bad in ["", "not json", "[1]", #"{"thread-id":"t"}"#] {
            XCTAssertEqual(CodexNotify.report(Array(bad.utf8)).kind, EventKind.hookUnreadable, bad)
        }
    }

    /// Codex CLI 0.163 names a new conversation in a thread of its own, whose turn
    /// ends with a notification too, first: not the session's thread, not its turn.
    func testTheTitleThreadsNotificationIsNotTheSessions() {
        let p = #"{"type":"agent-turn-complete","thread-id":"01a2494d-4f77","turn-id":"t","cwd":"/w","client":"codex-tui","input-messages":["Generate a concise, single-line task title of at most 36 characters and under five words where possible. Do not answer the request.\n\nUser prompt:\nPlease [[ask touch made.txt]]"],"last-assistant-message":"{\"title\": \"Touch the file\"}"}"#
        let r = CodexNotify.report(Array(p.utf8))
        XCTAssertEqual(r.kind, EventKind.notification)
        XCTAssertEqual(r.detail, "title: Touch the file")
        XCTAssertNil(r.wish, "the session's turn goes on")
        XCTAssertNil(r.agentSession, "not the conversation's thread")
        // The conversation's own turn has every prompt of the thread so far.
        let main = #"{"type":"agent-turn-complete","thread-id":"01a2494d-4ec8","input-messages":["Generate a concise, single-line task title","second"],"last-assistant-message":"Made it."}"#
        XCTAssertEqual(CodexNotify.report(Array(main.utf8)).agentSession, "01a2494d-4ec8")
    }

    /// Codex's title spins while a turn runs; the running line shows while a tool runs.
    func testATurnRunsWhileTheTitleSpinsOrTheRunningLineShows() {
        let idle = "› Ask Codex to do anything\n\n  gpt-5-codex default · /w · Please\n  ? for shortcuts\n"
        XCTAssertTrue(CodexScreen.busy(title: "⠋ Please | repo", screen: idle), "a streamed answer has no running line")
        XCTAssertFalse(CodexScreen.busy(title: "Please | repo", screen: idle))
        XCTAssertFalse(CodexScreen.busy(title: "[ . ] Action Required | Please | repo", screen: Self.approval))
        let tool = "• Running sleep 5.\n\n• Working (3s • esc to interrupt) · 1 background terminal running · /ps to view\n\n" + idle
        XCTAssertTrue(CodexScreen.busy(title: "", screen: tool))
    }

    /// Codex CLI 0.163's approval screen, as `tmux capture-pane -p` showed it.
    static let approval = """
        • Running touch made.txt.


          Would you like to run the following command?

          Environment: local

          Reason: The script asks to run this outside the sandbox.

          $ touch made.txt


        › 1. Yes, proceed (y)
          2. Yes, and don't ask again for commands that start with `touch made.txt` (p)
          3. No, and tell Codex what to do differently (esc)

          Press enter to confirm or esc to cancel
        """

    static let trust = """
          Folder access
          /tmp/probe/cx/repo

          Trust this folder? Codex can read, edit, and run files here, subject to your permission settings. Folder settings
          can run code automatically, even without a model request. Continue only if you trust these files. Your trust
          decision will be saved.

        › 1. Trust and continue
          2. Quit

          enter continue · esc quit
        """

    func testTheApprovalScreenIsAPermissionForItsCommand() throws {
        let q = try XCTUnwrap(ScreenMenu.menu(Self.approval))
        XCTAssertEqual(q.kind, .tool)
        XCTAssertEqual(q.question, "Would you like to run the following command?")
        XCTAssertEqual(q.subject, "touch made.txt")
        XCTAssertNil(q.tool, "the screen names no tool")
        XCTAssertEqual(q.options.count, 3)
        XCTAssertEqual(q.options.first?.label, "Yes, proceed (y)", "the key hint stays part of the label")
        XCTAssertEqual(q.approve, 0, "yes this once")
        XCTAssertEqual(q.deny, 2)
        XCTAssertEqual(q.permission(id: 1, tool: nil, subject: nil).keys(choosing: 2), ["Down", "Down", "Enter"])
        XCTAssertEqual(ClaudeScreen.classify(Self.approval), .menu, "not busy, for all its 'esc to cancel'")
    }

    func testTheTrustPromptIsTrustWithQuitAsNo() throws {
        let q = try XCTUnwrap(ScreenMenu.menu(Self.trust))
        XCTAssertEqual(q.kind, .trust)
        XCTAssertEqual(q.question, "Trust this folder?")
        XCTAssertEqual(q.options.map(\.label), ["Trust and continue", "Quit"])
        XCTAssertEqual(q.approve, 0)
        XCTAssertEqual(q.deny, 1)
        XCTAssertNil(q.subject)
    }

    func testARolloutsPathNamesItsThread() {
        let id = "01a24961-bdee-73b0-9ac8-06846e81d138"
        XCTAssertEqual(CodexPaths.thread(ofRollout: "/h/.codex/sessions/2026/12/06/rollout-2026-12-06T03-24-32-\(id).jsonl"), id)
        XCTAssertNil(CodexPaths.thread(ofRollout: "/h/.codex/sessions/2026/12/06/rollout-2026-12-06T03-24-32-\(id).json"))
        XCTAssertNil(CodexPaths.thread(ofRollout: "/h/.codex/logs/rollout-2026-12-06T03-24-32-\(id).jsonl"), "not a session")
        XCTAssertNil(CodexPaths.thread(ofRollout: "/h/.codex/sessions/history.jsonl"))
        XCTAssertNil(CodexPaths.thread(ofRollout: "/h/.codex/sessions/rollout-x\(id.dropFirst()).jsonl"))
        XCTAssertTrue(CodexPaths.isRollout("rollout-2026-12-06T03-24-32-\(id).jsonl", of: id))
    }

    private func line(_ type: String, _ payload: [String: Any]) -> String {
        let d = try? JSONSerialization.data(withJSONObject: ["timestamp": "2026-11-26T01:00:00.000Z", "type": type, "payload": payload])
        return String(decoding: d ?? Data(), as: UTF8.self) + "\n"
    }

    private func count(_ input: Int, cached: Int, output: Int) -> String {
        line("event_msg", ["type": "token_count", "info": ["total_token_usage": [
            "input_tokens": input, "cached_input_tokens": cached, "output_tokens": output,
            "reasoning_output_tokens": 10, "total_tokens": input + output]], "rate_limits": NSNull()])
    }

    func testRolloutTotalsAreTakenNotSummedAndReadingAgainChangesNothing() {
        let text = line("session_meta", ["id": "t", "cwd": "/w"]) + line("turn_context", ["model": "gpt-5.1-codex"])
            + line("event_msg", ["type": "token_count", "info": NSNull()])
            + count(1200, cached: 500, output: 100) + count(1200, cached: 500, output: 100)
            + line("event_msg", ["type": "agent_message", "message": "first done"])
            + count(2500, cached: 1000, output: 230) + "{torn\n"
        var ledger = TranscriptLedger()
        let used = ledger.consume(Array(text.utf8)[...], file: "r", format: .codex)
        XCTAssertEqual(used, text.utf8.count)
        XCTAssertEqual(ledger.total, TokenUsage(input: 1500, output: 230, cacheRead: 1000))
        XCTAssertEqual(ledger.model, "gpt-5.1-codex")
        XCTAssertEqual(ledger.lastText, "first done")
        XCTAssertEqual(ledger.skipped, 1)
        let once = ledger
        ledger.consume(Array(text.utf8)[...], file: "r2", format: .codex)
        XCTAssertEqual(ledger.total, once.total, "the same totals read again count nothing more")
        XCTAssertEqual(ledger.cost(.standard).unpriced, ["gpt-5.1-codex"])
    }
}
