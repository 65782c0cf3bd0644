import Foundation
import XCTest
@testable import HiveCore
import HiveHook

final class ClaudeSettingsTests: XCTestCase {
    private let command = #"'/opt/hive fs/bin/hivefs-hook' '/home/ana/.local/state/hivefs/sessions/auth "x"\y/hooks.log'"#

    private func settings(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let text = ClaudeSettings.json(hookCommand: command)
        XCTAssertTrue(text.hasSuffix("}\n"), file: file, line: line)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, "one line", file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], file: file, line: line)
    }

    func testHooksForExactlyTheEventsRead() throws {
        let top = try settings()
        XCTAssertEqual(Array(top.keys), ["hooks"], "nothing but hooks: the user's other settings stay theirs")
        let hooks = try XCTUnwrap(top["hooks"] as? [String: Any])
        XCTAssertEqual(Set(hooks.keys), Set(ClaudeHooks.events))
        XCTAssertEqual(hooks.count, 16)
    }

    func testEachEventRunsTheCommandOnce() throws {
        let hooks = try XCTUnwrap(try settings()["hooks"] as? [String: Any])
        for event in ClaudeHooks.events {
            let groups = try XCTUnwrap(hooks[event] as? [[String: Any]], event)
            XCTAssertEqual(groups.count, 1, event)
            let group = try XCTUnwrap(groups.first)
            let handlers = try XCTUnwrap(group["hooks"] as? [[String: Any]], event)
            XCTAssertEqual(handlers.count, 1, event)
            let h = try XCTUnwrap(handlers.first)
            XCTAssertEqual(Set(h.keys), ["type", "command", "timeout"], event)
            XCTAssertEqual(h["type"] as? String, "command", event)
            XCTAssertEqual(h["command"] as? String, command, event)
            XCTAssertEqual((h["timeout"] as? NSNumber)?.intValue, 10, event)
            XCTAssertEqual((h["timeout"] as? NSNumber)?.intValue, ClaudeSettings.hookTimeout, event)
        }
    }

    func testMatchersOnlyWhereEventsTakeThem() throws {
        let hooks = try XCTUnwrap(try settings()["hooks"] as? [String: Any])
        var unmatched: [String] = []
        for event in ClaudeHooks.events {
            let group = try XCTUnwrap((hooks[event] as? [[String: Any]])?.first, event)
            if ClaudeHooks.matched.contains(event) {
                XCTAssertEqual(group["matcher"] as? String, "*", event)
                XCTAssertEqual(Set(group.keys), ["matcher", "hooks"], event)
            } else {
                XCTAssertNil(group["matcher"], event)
                XCTAssertEqual(Set(group.keys), ["hooks"], event)
                unmatched.append(event)
            }
        }
        XCTAssertEqual(unmatched, ["UserPromptSubmit", "Stop", "Interrupt"])
        XCTAssertTrue(ClaudeHooks.matched.isSubset(of: Set(ClaudeHooks.events)))
    }

    func testTheEventsInTheOrderTheyFire() throws {
        let text = ClaudeSettings.json(hookCommand: "h")
        var last = text.startIndex
        for event in ClaudeHooks.events {
            let r = try XCTUnwrap(text.range(of: "\"\(event)\":", range: last..<text.endIndex), "\(event) out of order")
            last = r.upperBound
        }
    }
}

final class ClaudeScreenTests: XCTestCase {
    private let trust = """
    ╭──────────────────────────────────────────────────────────────────────╮
    │ Do you trust the files in this folder?                               │
    │                                                                      │
    │ /home/ana/src/app                                                    │
    │                                                                      │
    │ Claude Code may read files in this folder. Reading untrusted files   │
    │ may lead Claude Code to behave in unexpected ways.                   │
    │                                                                      │
    │ ❯ 1. Yes, proceed                                                    │
    │   2. No, exit                                                        │
    ╰──────────────────────────────────────────────────────────────────────╯
       Enter to confirm · Esc to exit
    """

    private let menu = """
    ╭──────────────────────────────────────────────────────────────────────╮
    │ Bash command                                                         │
    │                                                                      │
    │   rm -rf build                                                       │
    │   Remove the build folder                                            │
    │                                                                      │
    │ Do you want to proceed?                                              │
    │ ❯ 1. Yes                                                             │
    │   2. Yes, and don't ask again for rm commands in /home/ana/src/app   │
    │   3. No, and tell Claude what to do differently (esc)                │
    ╰──────────────────────────────────────────────────────────────────────╯
    """

    private let spinner = """
    ⏺ I'll run the tests now.

    ⏺ Bash(swift test)
      ⎿  Running…

    ✻ Working… (esc to interrupt)

    ╭──────────────────────────────────────────────────────────────────────╮
    │ >                                                                    │
    ╰──────────────────────────────────────────────────────────────────────╯
      ? for shortcuts
    """

    private let prompt = """
    ⏺ All 42 tests pass. Do you want me to open a pull request?

    ╭──────────────────────────────────────────────────────────────────────╮
    │ > Try "refactor Login.swift"                                         │
    ╰──────────────────────────────────────────────────────────────────────╯
      ? for shortcuts                                      ⧉ In Login.swift
    """

    func testTrustDialog() {
        XCTAssertEqual(ClaudeScreen.classify(trust), .trustDialog)
        XCTAssertEqual(ClaudeScreen.classify("Do you trust the files in this folder?"), .trustDialog)
        XCTAssertEqual(ClaudeScreen.classify("❯ 1. Yes, I trust this folder\n  2. No, exit"), .trustDialog)
        XCTAssertEqual(ScreenReading.trustDialog.reason, "workspace trust dialog (answer with: approve, or attach)")
    }

    func testPermissionMenu() {
        XCTAssertEqual(ClaudeScreen.classify("Do you want to proceed?\n❯ 1. Yes\n  2. No"), .menu)
        XCTAssertEqual(ClaudeScreen.classify(menu), .menu)
        XCTAssertEqual(ClaudeScreen.classify("Do you want to make this edit to Login.swift?\n❯ 1. Yes\n  2. No"), .menu)
        XCTAssertEqual(ScreenReading.menu.reason, "a menu waits for an answer (seen on the screen)")
    }

    func testSpinner() {
        XCTAssertEqual(ClaudeScreen.classify("✻ Working… (esc to interrupt)"), .busy)
        XCTAssertEqual(ClaudeScreen.classify(spinner), .busy)
        XCTAssertEqual(ClaudeScreen.classify("· Pondering… (12s · ↓ 1.2k tokens · esc to interrupt)"), .busy)
        XCTAssertNil(ScreenReading.busy.reason)
    }

    func testPlainPrompt() {
        XCTAssertEqual(ClaudeScreen.classify(prompt), .prompt, "a question in the conversation is not a menu")
        XCTAssertEqual(ClaudeScreen.classify(""), .prompt)
        XCTAssertEqual(ClaudeScreen.classify("╭────╮\n│ >  │\n╰────╯"), .prompt)
        XCTAssertNil(ScreenReading.prompt.reason)
    }
}

final class ClaudeVersionParsingTests: XCTestCase {
    func testParsesWhatClaudeVersionPrints() {
        XCTAssertEqual(ClaudeVersion(parsing: "2.1.80 (Claude Code)\n")?.parts, [2, 1, 80])
        XCTAssertEqual(ClaudeVersion(parsing: "1.0.98 (Claude Code)")?.description, "1.0.98")
        XCTAssertNil(ClaudeVersion(parsing: "Claude Code"))
        XCTAssertNil(ClaudeVersion(parsing: ""))
        XCTAssertNil(ClaudeVersion(parsing: "v2.1 (beta)"), "three numbers, or it is not a version")
    }

    func testOrder() {
        XCTAssertLessThan(ClaudeVersion(1, 0, 98), ClaudeVersion(2, 0, 0))
        XCTAssertLessThan(ClaudeVersion(2, 1, 9), ClaudeVersion(2, 1, 10), "numbers, not text")
        XCTAssertEqual(ClaudeVersion(2, 1, 0), ClaudeVersion(2, 1, 0))
    }

    func testEachVersionGetsTheEventsItKnows() {
        XCTAssertEqual(ClaudeHooks.events(for: nil), ClaudeHooks.events, "unknown: everything")
        XCTAssertEqual(ClaudeHooks.events(for: ClaudeVersion(9, 0, 0)), ClaudeHooks.events)
        XCTAssertEqual(ClaudeHooks.events(for: ClaudeVersion(1, 0, 30)), [], "before hooks existed")
        XCTAssertEqual(Set(ClaudeHooks.events(for: ClaudeVersion(1, 0, 70))),
                       ["PreToolUse", "PostToolUse", "Notification", "Stop", "SubagentStop", "PreCompact",
                        "UserPromptSubmit", "SessionStart"])
        XCTAssertFalse(ClaudeHooks.events(for: ClaudeVersion(2, 1, 77)).contains("StopFailure"))
        XCTAssertTrue(ClaudeHooks.events(for: ClaudeVersion(2, 1, 78)).contains("StopFailure"))
        XCTAssertEqual(Set(ClaudeHooks.since.keys), Set(ClaudeHooks.events), "every event has its version")
    }

    func testTheSettingsNameOnlyTheEventsGiven() throws {
        let json = ClaudeSettings.json(hookCommand: "h", events: ["Stop"])
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual((o["hooks"] as? [String: Any]).map { Array($0.keys) }, ["Stop"])
    }
}

final class ClaudeScreenSettingsTests: XCTestCase {
    func testARefusedSettingsFileIsFoundWithTheFileItNames() {
        let screen = """
            Claude Code v1.0.70
             ⚠ Found invalid settings files. They will be ignored.
               /s/sessions/a/claude-settings.json: hooks StopFailure: Invalid key in record
            ╭──────╮
            """
        XCTAssertEqual(ClaudeScreen.refusedSettings(screen), "/s/sessions/a/claude-settings.json: hooks StopFailure: Invalid key in record")
        XCTAssertEqual(ClaudeScreen.refusedSettings("Settings Error\n\n hooks\n  └ X: Invalid key in record"), "Settings Error")
        XCTAssertNil(ClaudeScreen.refusedSettings("│ > fix the settings loader │"))
    }
}

/// Claude Code's status line: hivefs's command in front of the user's own.
final class ClaudeStatusLineTests: XCTestCase {
    func testTheStatusLineIsWrittenWithItsPadding() throws {
        let text = ClaudeSettings.json(hookCommand: "hook", events: ["Stop"],
                                       statusLine: .init(command: "hook --status s.json hooks.log 'mine'", padding: 2))
        let top = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let line = try XCTUnwrap(top["statusLine"] as? [String: Any])
        XCTAssertEqual(line["type"] as? String, "command")
        XCTAssertEqual(line["command"] as? String, "hook --status s.json hooks.log 'mine'")
        XCTAssertEqual(line["padding"] as? Int, 2)
    }

    func testTheUsersOwnStatusLineIsTakenFromTheFileThatWins() {
        func b(_ s: String) -> [UInt8] { Array(s.utf8) }
        let local = b(#"{"statusLine": {"type": "command", "command": "echo local"}}"#)
        let user = b(#"{"statusLine": {"type": "command", "command": "~/bin/line.sh", "padding": 0}, "model": "x"}"#)
        XCTAssertEqual(ClaudeSettings.StatusLine.user(in: [nil, b("{}"), user]), .init(command: "~/bin/line.sh", padding: 0))
        XCTAssertEqual(ClaudeSettings.StatusLine.user(in: [local, nil, user])?.command, "echo local")
        XCTAssertNil(ClaudeSettings.StatusLine.user(in: [nil, b("not json"), nil]))
        XCTAssertNil(ClaudeSettings.StatusLine.user(in: [b(#"{"statusLine": {"type": "static"}}"#), user]),
                     "a status line that is no command is the user's choice: none is run")
    }

    func testTheSnapshotsCostAndTheRecordHivefsHookWrites() {
        let snapshot = #"{"session_id":"s","cost":{"total_cost_usd":0.0595840,"total_duration_ms":1},"model":{"id":"m"}}"#
        XCTAssertEqual(ClaudeSettings.statusCost(Array(snapshot.utf8)), 0.059584)
        XCTAssertNil(ClaudeSettings.statusCost(Array(#"{"cost":{}}"#.utf8)))
        XCTAssertNil(ClaudeSettings.statusCost(Array("{".utf8)))
        XCTAssertEqual(ClaudeSettings.statusRecord, HookWriter.statusRecord, "the daemon knows the record hivefs-hook writes")
    }
}
