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
        XCTAssertEqual(r.kind, AgentEventKind.idle)
        XCTAssertEqual(r.detail, "Fixed.", "the first line, as for every agent")
        XCTAssertEqual(r.message, "Fixed.\nAll tests pass.")
        XCTAssertEqual(r.agentSession, "0199a213")
        XCTAssertEqual(r.wish?.state, .idle)
        XCTAssertTrue(r.mayChangeFiles)
    }

    func testANullMessageAndOtherTypesAndGarbage() {
        let null = CodexNotify.report(Array(#"{"type":"agent-turn-complete","thread-id":"t","last-assistant-message":null}"#.utf8))
        XCTAssertEqual(null.kind, AgentEventKind.idle)
        XCTAssertEqual(null.detail, "")
        XCTAssertNil(null.message)
        let other = CodexNotify.report(Array(#"{"type":"approval-requested","thread-id":"t"}"#.utf8))
        XCTAssertEqual(other.kind, AgentEventKind.notification)
        XCTAssertNil(other.wish, "an unknown notification changes no state")
        for bad in ["", "not json", "[1]", #"{"thread-id":"t"}"#] {
            XCTAssertEqual(CodexNotify.report(Array(bad.utf8)).kind, AgentEventKind.unreadable, bad)
        }
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
