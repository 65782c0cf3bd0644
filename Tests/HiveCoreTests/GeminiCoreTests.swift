import Foundation
import XCTest
@testable import HiveCore

/// Gemini CLI's hook payloads, settings and chat record, read without a mount.
final class GeminiCoreTests: XCTestCase {
    private func report(_ json: String) -> AgentReport { GeminiHooks.report(Array(json.utf8), base: "/w") }

    func testTheHookEventsBecomeTheSameKindsAsEveryAgents() {
        let start = report(#"{"hook_event_name":"SessionStart","source":"startup","session_id":"s1","transcript_path":"/g/chats/session-x.jsonl"}"#)
        XCTAssertEqual(start.kind, EventKind.agentStart)
        XCTAssertEqual(start.agentSession, "s1")
        XCTAssertEqual(start.transcript, "/g/chats/session-x.jsonl")
        XCTAssertEqual(report(#"{"hook_event_name":"BeforeAgent","prompt":"Fix it\nnow"}"#).detail, "Fix it")
        let tool = report(#"{"hook_event_name":"BeforeTool","tool_name":"replace","tool_input":{"file_path":"/w/src/a.ts"}}"#)
        XCTAssertEqual(tool.kind, EventKind.tool)
        XCTAssertEqual(tool.tool, "replace src/a.ts")
        let done = report(#"{"hook_event_name":"AfterTool","tool_name":"replace","tool_input":{"file_path":"/w/src/a.ts"},"tool_response":{"llmContent":"ok"}}"#)
        XCTAssertEqual(done.kind, EventKind.toolDone)
        XCTAssertEqual(done.touch, FileTouch(action: "edit", path: "src/a.ts"))
        XCTAssertTrue(done.mayChangeFiles)
        let failed = report(#"{"hook_event_name":"AfterTool","tool_name":"run_shell_command","tool_input":{"command":"make"},"tool_response":{"error":"exit 2"}}"#)
        XCTAssertEqual(failed.kind, EventKind.toolFailed)
        XCTAssertEqual(failed.detail, "run_shell_command make — exit 2")
        let ask = report(#"{"hook_event_name":"Notification","notification_type":"ToolPermission","message":"Allow write_file?"}"#)
        XCTAssertEqual(ask.wish?.state, .waiting)
        let end = report(#"{"hook_event_name":"AfterAgent","prompt":"p","prompt_response":"Done.\nMore."}"#)
        XCTAssertEqual(end.kind, EventKind.idle)
        XCTAssertEqual(end.message, "Done.\nMore.")
        XCTAssertEqual(report("nope").kind, EventKind.hookUnreadable)
        XCTAssertEqual(report(#"{"session_id":"s"}"#).kind, EventKind.hookUnreadable)
    }

    func testTheSettingsKeepTheMachinesOwnAndAddHivefsHooks() throws {
        let base: [String: Any] = ["general": ["vimMode": true], "hooksConfig": ["enabled": false, "notifications": true],
                                   "hooks": ["AfterAgent": [["hooks": [["type": "command", "command": "mine"]]]]]]
        let text = GeminiHooks.settings(hookCommand: "'/bin/hivefs-hook' '/s/hooks.log'", base: base)
        let s = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual((s["general"] as? [String: Any])?["vimMode"] as? Bool, true)
        XCTAssertEqual((s["hooksConfig"] as? [String: Any])?["enabled"] as? Bool, true, "hooks must run")
        XCTAssertEqual((s["hooksConfig"] as? [String: Any])?["notifications"] as? Bool, true)
        let hooks = try XCTUnwrap(s["hooks"] as? [String: [[String: Any]]])
        XCTAssertEqual(Set(hooks.keys), Set(GeminiHooks.events))
        XCTAssertEqual(hooks["AfterAgent"]?.count, 2, "the machine's hook stays beside hivefs's")
        let handler = try XCTUnwrap((hooks["BeforeTool"]?.first?["hooks"] as? [[String: Any]])?.first)
        XCTAssertEqual(handler["command"] as? String, "'/bin/hivefs-hook' '/s/hooks.log'")
        XCTAssertEqual(handler["timeout"] as? Int, 10_000)
    }

    func testChatRecordTokensCountEachMessageOnce() {
        func msg(_ id: String, _ type: String, output: Int) -> String {
            let d = try? JSONSerialization.data(withJSONObject: ["id": id, "type": type, "content": "hi", "model": "gemini-2.5-pro",
                "tokens": ["input": 2000, "output": output, "cached": 800, "thoughts": 50, "tool": 0, "total": 2050 + output]])
            return String(decoding: d ?? Data(), as: UTF8.self) + "\n"
        }
        let text = #"{"sessionId":"s","projectHash":"p","startTime":"t"}"# + "\n" + msg("u1", "user", output: 0)
            + msg("a1", "gemini", output: 40) + msg("a1", "gemini", output: 150) + #"{"$rewindTo":"u1"}"# + "\n"
            + msg("a2", "gemini", output: 10) + "garbage\n"
        var ledger = TranscriptLedger()
        ledger.consume(Array(text.utf8)[...], file: "c", format: .gemini)
        XCTAssertEqual(ledger.total, TokenUsage(input: 2400, output: 260, cacheRead: 1600))
        XCTAssertEqual(ledger.model, "gemini-2.5-pro")
        XCTAssertEqual(ledger.skipped, 1)
        XCTAssertEqual(ledger.cost(.standard).unpriced, ["gemini-2.5-pro"])
    }
}
