import Foundation
import XCTest
@testable import HiveCore

/// Claude Code hook payloads, in the shapes Claude Code sends on a hook's stdin.
enum Hook {
    static let base = "/home/ana/src/app"
    static let session = "30ce6fc8-632a-45fd-8429-cec8b657956a"
    static let transcript = "/home/ana/.claude/projects/-home-ana-src-app/30ce6fc8-632a-45fd-8429-cec8b657956a.jsonl"

    /// A payload: the fields every event carries, then `fields`.
    static func payload(_ event: String, _ fields: [String: Any] = [:]) -> [UInt8] {
        var p: [String: Any] = [
            "session_id": session,
            "transcript_path": transcript,
            "cwd": base,
            "permission_mode": "default",
            "hook_event_name": event,
        ]
        for (k, v) in fields { p[k] = v }
        let data = try! JSONSerialization.data(withJSONObject: p, options: [.sortedKeys])
        return Array(data)
    }

    static func report(_ event: String, _ fields: [String: Any] = [:], base: String = Hook.base) -> AgentReport {
        ClaudeHooks.report(payload(event, fields), base: base)
    }

    static func tool(_ event: String, _ name: String, _ input: [String: Any], _ extra: [String: Any] = [:]) -> AgentReport {
        var f = extra
        f["tool_name"] = name
        f["tool_input"] = input
        if event != "PreToolUse" && event != "PermissionRequest" { f["tool_use_id"] = "toolu_01Lwu46fF9D2uK8nsi9UhoQD" }
        return report(event, f)
    }
}

final class ClaudeHooksKindTests: XCTestCase {
    /// One realistic payload per event, and the kind it must give.
    private var cases: [(event: String, fields: [String: Any], kind: EventKind)] { [
        ("SessionStart", ["source": "startup", "model": "claude-sonnet-4-5-20250929"], .agentStart),
        ("UserPromptSubmit", ["prompt": "Can you create a README file in this repo?"], .prompt),
        ("PreToolUse", ["tool_name": "Bash", "tool_input": ["command": "git status"]], .tool),
        ("PermissionRequest", ["tool_name": "Bash", "tool_input": ["command": "rm -rf build"]], .permission),
        ("PostToolUse", ["tool_name": "Read", "tool_input": ["file_path": "/home/ana/src/app/a.swift"],
                         "tool_response": ["type": "text"]], .toolDone),
        ("PostToolUseFailure", ["tool_name": "Bash", "tool_input": ["command": "git log"], "error": "Exit code 128",
                                "is_interrupt": false], .toolFailed),
        ("PermissionDenied", ["tool_name": "Bash", "tool_input": ["command": "touch risky-file"],
                              "reason": "The scripted safety check flags this call."], .toolDenied),
        ("Notification", ["message": "Claude is waiting for your input", "notification_type": "idle_prompt"], .notification),
        ("SubagentStart", ["agent_id": "a05fb78", "agent_type": "builder"], .subagentStart),
        ("SubagentStop", ["agent_id": "a05fb78", "agent_type": "builder", "stop_hook_active": false], .subagentStop),
        ("PreCompact", ["trigger": "auto", "custom_instructions": ""], .compact),
        ("PostCompact", ["trigger": "manual"], .compactDone),
        ("Stop", ["stop_hook_active": false, "last_assistant_message": "Done."], .idle),
        ("StopFailure", ["error_type": "rate_limit", "error_message": "Rate limited"], .stopFailed),
        ("Interrupt", ["source": "user", "reason": "permission_denied", "via": "terminal"], .interrupt),
        ("SessionEnd", ["reason": "logout"], .agentEnd),
    ] }

    func testEveryEventHasItsKind() {
        XCTAssertEqual(cases.map(\.event), ClaudeHooks.events, "one case per event hivefs asks for, in order")
        for c in cases {
            let r = Hook.report(c.event, c.fields)
            XCTAssertEqual(r.kind, c.kind, c.event)
            XCTAssertTrue(r.kind.isAgentReport, c.event)
            XCTAssertEqual(r.agentSession, Hook.session, c.event)
            XCTAssertEqual(r.transcript, Hook.transcript, c.event)
        }
    }

    func testTheKindsAreDistinct() {
        XCTAssertEqual(Set(cases.map(\.kind)).count, cases.count)
    }

    func testAnUnknownEventIsKeptAsHook() {
        let r = Hook.report("TeammateIdle", ["teammate": "x"])
        XCTAssertEqual(r.kind, .hook)
        XCTAssertEqual(r.detail, "TeammateIdle")
        XCTAssertNil(r.wish)
        XCTAssertNil(r.touch)
        XCTAssertNil(r.tool)
        XCTAssertFalse(r.clearsTool)
        XCTAssertEqual(r.agentSession, Hook.session, "the session id is read whatever the event")
    }

    func testAnUnknownEventNameIsShownOnOneShortLine() {
        let r = Hook.report("Weird\nEvent")
        XCTAssertEqual(r.kind, .hook)
        XCTAssertEqual(r.detail, "Weird")
        let long = Hook.report(String(repeating: "x", count: 500))
        XCTAssertEqual(long.detail, String(repeating: "x", count: 60) + "…")
    }
}

final class ClaudeHooksDetailTests: XCTestCase {
    func testEditInsideTheBaseIsRelative() {
        let r = Hook.tool("PreToolUse", "Edit", ["file_path": "/home/ana/src/app/Sources/Auth/Login.swift",
                                                 "old_string": "a", "new_string": "b"])
        XCTAssertEqual(r.detail, "Edit Sources/Auth/Login.swift")
        XCTAssertEqual(r.tool, "Edit Sources/Auth/Login.swift")
    }

    func testEditOutsideTheBaseIsAbsolute() {
        XCTAssertEqual(Hook.tool("PreToolUse", "Edit", ["file_path": "/etc/hosts"]).detail, "Edit /etc/hosts")
        // A sibling whose name begins like the base is not inside it.
        XCTAssertEqual(Hook.tool("PreToolUse", "Edit", ["file_path": "/home/ana/src/app2/x.swift"]).detail,
                       "Edit /home/ana/src/app2/x.swift")
        // A relative path is shown as given.
        XCTAssertEqual(Hook.tool("PreToolUse", "Edit", ["file_path": "notes.md"]).detail, "Edit notes.md")
    }

    func testTheBaseWithATrailingSlash() {
        let r = Hook.report("PreToolUse", ["tool_name": "Read", "tool_input": ["file_path": "/home/ana/src/app/a.swift"]],
                            base: "/home/ana/src/app/")
        XCTAssertEqual(r.detail, "Read a.swift")
        XCTAssertEqual(ToolTarget.relative("/home/ana/src/app", base: "/home/ana/src/app"), ".")
        XCTAssertEqual(ToolTarget.relative("/x/y", base: ""), "/x/y", "no base: unchanged")
    }

    func testOtherFileTools() {
        XCTAssertEqual(Hook.tool("PreToolUse", "Write", ["file_path": "/home/ana/src/app/README.md", "content": "# x\n"]).detail,
                       "Write README.md")
        XCTAssertEqual(Hook.tool("PreToolUse", "MultiEdit", ["file_path": "/home/ana/src/app/a.swift", "edits": []]).detail,
                       "MultiEdit a.swift")
        XCTAssertEqual(Hook.tool("PreToolUse", "NotebookEdit", ["notebook_path": "/home/ana/src/app/n.ipynb"]).detail,
                       "NotebookEdit n.ipynb")
    }

    func testBashShowsTheCommandsFirstLine() {
        let r = Hook.tool("PreToolUse", "Bash", [
            "command": "git add docs && git commit -m \"$(cat <<'EOF'\nAdd design document\n\nCo-Authored-By: Claude\nEOF\n)\"",
            "description": "Commit design document",
        ])
        XCTAssertEqual(r.detail, "Bash git add docs && git commit -m \"$(cat <<'EOF'")
        XCTAssertEqual(Hook.tool("PreToolUse", "Bash", ["command": "\n\n  make test  \nmake lint"]).detail, "Bash make test",
                       "leading empty lines and surrounding blanks are skipped")
    }

    func testACommandWithoutTextIsJustTheTool() {
        XCTAssertEqual(Hook.tool("PreToolUse", "Bash", ["command": ""]).detail, "Bash")
        XCTAssertEqual(Hook.tool("PreToolUse", "Bash", [:]).detail, "Bash")
        XCTAssertEqual(Hook.tool("PreToolUse", "mcp__github__create_issue", ["title": "x"]).detail, "mcp__github__create_issue")
    }

    func testGrepAndGlob() {
        XCTAssertEqual(Hook.tool("PreToolUse", "Grep", ["pattern": "func login", "path": "/home/ana/src/app/Sources"]).detail,
                       "Grep func login in Sources")
        XCTAssertEqual(Hook.tool("PreToolUse", "Grep", ["pattern": "TODO", "path": "/opt/lib"]).detail, "Grep TODO in /opt/lib")
        XCTAssertEqual(Hook.tool("PreToolUse", "Grep", ["pattern": "TODO"]).detail, "Grep TODO")
        XCTAssertEqual(Hook.tool("PreToolUse", "Glob", ["pattern": "**/*.md", "path": "/home/ana/src/app"]).detail,
                       "Glob **/*.md in .")
    }

    func testOtherTools() {
        XCTAssertEqual(Hook.tool("PreToolUse", "WebFetch", ["url": "https://example.com/a", "prompt": "x"]).detail,
                       "WebFetch https://example.com/a")
        XCTAssertEqual(Hook.tool("PreToolUse", "WebSearch", ["query": "swift fuse\nlinux"]).detail, "WebSearch swift fuse")
        XCTAssertEqual(Hook.tool("PreToolUse", "Task", ["subagent_type": "builder", "description": "Build the app",
                                                         "prompt": "long"]).detail,
                       "Task builder: Build the app")
        XCTAssertEqual(Hook.tool("PreToolUse", "TodoWrite", ["todos": [["content": "a"], ["content": "b"], ["content": "c"]]]).detail,
                       "TodoWrite 3 todos")
    }

    func testPromptShowsItsFirstLine() {
        let r = Hook.report("UserPromptSubmit", ["prompt": "Fix the login bug\nIt fails when the password has a space."])
        XCTAssertEqual(r.kind, .prompt)
        XCTAssertEqual(r.detail, "Fix the login bug")
        XCTAssertTrue(r.clearsTool)
        XCTAssertNil(r.tool)
    }

    func testPermissionRequestShowsTheToolAndWhatItAsks() {
        let r = Hook.tool("PermissionRequest", "Bash", [
            "command": "test -d docs && echo \"exists\" || echo \"does not exist\"",
            "description": "Check if docs directory exists",
        ], ["permission_suggestions": [["type": "addRules", "behavior": "allow"]]])
        XCTAssertEqual(r.kind, .permission)
        XCTAssertEqual(r.detail, "Bash test -d docs && echo \"exists\" || echo \"does not exist\"")
        XCTAssertEqual(r.tool, r.detail)
        XCTAssertEqual(r.wish, .waiting("permission Bash test -d docs && echo \"exists\" || echo \"does not exist\""))
    }

    func testToolDoneAndFailed() {
        let done = Hook.tool("PostToolUse", "Bash", ["command": "swift build"], ["tool_response": ["stdout": "ok", "stderr": ""]])
        XCTAssertEqual(done.kind, .toolDone)
        XCTAssertEqual(done.detail, "Bash swift build")
        XCTAssertTrue(done.clearsTool)
        XCTAssertNil(done.tool)
        XCTAssertEqual(done.wish, .working)

        let failed = Hook.tool("PostToolUseFailure", "Bash", ["command": "git log --oneline -10"], [
            "error": "Exit code 128\nfatal: your current branch 'main' does not have any commits yet",
            "is_interrupt": false,
        ])
        XCTAssertEqual(failed.kind, .toolFailed)
        XCTAssertEqual(failed.detail, "Bash git log --oneline -10 — Exit code 128")
        XCTAssertTrue(failed.clearsTool)
        XCTAssertEqual(failed.wish, .working)

        let interrupted = Hook.tool("PostToolUseFailure", "Bash", ["command": "sleep 100"], ["error": "", "is_interrupt": true])
        XCTAssertEqual(interrupted.detail, "Bash sleep 100 (interrupted)")
    }

    func testSubagentsCompactAndEnd() {
        let start = Hook.report("SubagentStart", ["agent_id": "a05fb78", "agent_type": "builder"])
        XCTAssertEqual(start.detail, "builder a05fb78")
        XCTAssertEqual(start.wish, .working)

        let stop = Hook.report("SubagentStop", [
            "agent_id": "a05fb78", "agent_type": "builder",
            "agent_transcript_path": "/home/ana/.claude/projects/-home-ana-src-app/s/subagents/agent-a05fb78.jsonl",
        ])
        XCTAssertEqual(stop.detail, "builder a05fb78")
        XCTAssertNil(stop.wish)
        XCTAssertEqual(stop.subagentTranscript, "/home/ana/.claude/projects/-home-ana-src-app/s/subagents/agent-a05fb78.jsonl")

        let old = Hook.report("SubagentStop", ["stop_hook_active": false])
        XCTAssertEqual(old.detail, "", "an old payload names no agent")
        XCTAssertNil(old.subagentTranscript)

        let compact = Hook.report("PreCompact", ["trigger": "manual"])
        XCTAssertEqual(compact.detail, "manual")
        XCTAssertNil(compact.wish)

        let end = Hook.report("SessionEnd", ["reason": "prompt_input_exit"])
        XCTAssertEqual(end.detail, "prompt_input_exit")
        XCTAssertTrue(end.clearsTool)
        XCTAssertNil(end.wish)
    }
}

final class ClaudeHooksWishTests: XCTestCase {
    func testPromptAndToolStartMeanWorking() {
        XCTAssertEqual(Hook.report("UserPromptSubmit", ["prompt": "go"]).wish, .working)
        XCTAssertEqual(Hook.tool("PreToolUse", "Read", ["file_path": "/home/ana/src/app/a"]).wish, .working)
    }

    func testPermissionRequestMeansWaiting() {
        let r = Hook.tool("PermissionRequest", "Edit", ["file_path": "/home/ana/src/app/Package.swift"])
        XCTAssertEqual(r.wish, .waiting("permission Edit Package.swift"))
    }

    func testNotificationsThatAskAPersonMeanWaiting() {
        let perm = Hook.report("Notification", ["message": "Claude needs your permission to use Bash",
                                                "notification_type": "permission_prompt"])
        XCTAssertEqual(perm.kind, .notification)
        XCTAssertEqual(perm.detail, "[permission_prompt] Claude needs your permission to use Bash")
        XCTAssertEqual(perm.wish, .asking("Claude needs your permission to use Bash"))

        let ask = Hook.report("Notification", ["message": "Claude has a question\nWhich branch?",
                                               "notification_type": "elicitation_dialog"])
        XCTAssertEqual(ask.wish, .asking("Claude has a question"))

        let blank = Hook.report("Notification", ["message": "", "notification_type": "permission_prompt"])
        XCTAssertEqual(blank.wish, .asking("permission_prompt"), "no message: the type says why")
    }

    func testAnIdlePromptNotificationChangesNothing() {
        let r = Hook.report("Notification", ["message": "Claude is waiting for your input", "notification_type": "idle_prompt"])
        XCTAssertEqual(r.detail, "[idle_prompt] Claude is waiting for your input")
        XCTAssertNil(r.wish)
        let auth = Hook.report("Notification", ["message": "Claude needs your permission (ignored: typed)",
                                                "notification_type": "auth_success"])
        XCTAssertNil(auth.wish, "a known type other than the asking ones never waits, whatever the message")
    }

    func testOldNotificationsWithoutATypeAreReadFromTheMessage() {
        let perm = Hook.report("Notification", ["message": "Claude needs your permission to use Bash"])
        XCTAssertEqual(perm.detail, "Claude needs your permission to use Bash")
        XCTAssertEqual(perm.wish, .asking("Claude needs your permission to use Bash"))
        let approval = Hook.report("Notification", ["message": "Claude needs your approval for the plan"])
        XCTAssertEqual(approval.wish, .asking("Claude needs your approval for the plan"))
        XCTAssertNil(Hook.report("Notification", ["message": "Claude is waiting for your input"]).wish)
    }

    func testStopMeansIdleWithTheLastMessage() {
        let text = "All 42 tests pass.\n\nI changed Login.swift and added a test."
        let r = Hook.report("Stop", ["stop_hook_active": false, "last_assistant_message": text])
        XCTAssertEqual(r.kind, .idle)
        XCTAssertEqual(r.wish, .idle(nil))
        XCTAssertEqual(r.message, text, "the whole message is kept; the detail has its first line")
        XCTAssertEqual(r.detail, "All 42 tests pass.")
        XCTAssertTrue(r.clearsTool)

        let old = Hook.report("Stop", ["stop_hook_active": false])
        XCTAssertEqual(old.wish, .idle(nil))
        XCTAssertNil(old.message)
        XCTAssertEqual(old.detail, "")
    }

    func testStopFailureMeansIdleWithTheError() {
        let r = Hook.report("StopFailure", ["error_type": "rate_limit",
                                            "error_message": "You have hit your usage limit\nResets at 5pm"])
        XCTAssertEqual(r.kind, .stopFailed)
        XCTAssertEqual(r.detail, "rate_limit: You have hit your usage limit")
        XCTAssertEqual(r.wish, .idle("rate_limit: You have hit your usage limit"))
        XCTAssertTrue(r.clearsTool)

        XCTAssertEqual(Hook.report("StopFailure", ["error": "overloaded"]).wish, .idle("overloaded"))
        XCTAssertEqual(Hook.report("StopFailure").wish, .idle("stop failed"), "no details: still a reason")
    }

    func testSessionStartMeansReadyWithTheModel() {
        let r = Hook.report("SessionStart", ["source": "startup", "model": "claude-sonnet-4-5-20250929"])
        XCTAssertEqual(r.wish, .ready)
        XCTAssertEqual(r.model, "claude-sonnet-4-5-20250929")
        XCTAssertEqual(r.detail, "startup claude-sonnet-4-5-20250929 session \(Hook.session)")

        let obj = Hook.report("SessionStart", ["source": "resume", "model": ["id": "claude-opus-4-5-20251101",
                                                                             "display_name": "Opus 4.5"]])
        XCTAssertEqual(obj.model, "claude-opus-4-5-20251101", "a model object gives its id")
        let display = Hook.report("SessionStart", ["model": ["display_name": "Opus 4.5"]])
        XCTAssertEqual(display.model, "Opus 4.5")
        let none = Hook.report("SessionStart", ["source": "clear"])
        XCTAssertNil(none.model)
        XCTAssertEqual(none.wish, .ready)
    }

    /// Claude Code 2.1.337: Escape in a stream or a tool, and a person's No at a menu.
    func testAnInterruptEndsTheTurn() {
        for reason in ["stop", "permission_denied"] {
            let r = Hook.report("Interrupt", ["source": "user", "reason": reason, "via": "terminal"])
            XCTAssertEqual(r.kind, .interrupt)
            XCTAssertEqual(r.detail, reason)
            XCTAssertEqual(r.wish, .idle(nil))
            XCTAssertTrue(r.clearsTool)
        }
    }

    func testAPermissionDeniedByAutoModeNamesTheCallAndWhy() {
        let r = Hook.tool("PermissionDenied", "Bash", ["command": "touch risky-file"],
                          ["reason": "The scripted safety check flags this call.\nMore."])
        XCTAssertEqual(r.kind, .toolDenied)
        XCTAssertEqual(r.detail, "Bash touch risky-file — The scripted safety check flags this call.")
        XCTAssertNil(r.wish, "the turn goes on")
    }

    func testEventsThatDoNotChangeTheState() {
        let cases: [(String, [String: Any])] = [("SubagentStop", [:]), ("PreCompact", ["trigger": "auto"]), ("PostCompact", ["trigger": "manual"]),
                                                ("SessionEnd", ["reason": "other"]), ("SomethingNew", [:])]
        for (event, fields) in cases {
            XCTAssertNil(Hook.report(event, fields).wish, event)
        }
    }
}

final class ClaudeHooksTouchTests: XCTestCase {
    private func touch(_ tool: String, _ input: [String: Any], response: Any = ["ok": true]) -> FileTouch? {
        Hook.tool("PostToolUse", tool, input, ["tool_response": response]).touch
    }

    func testRead() {
        XCTAssertEqual(touch("Read", ["file_path": "/home/ana/src/app/Sources/a.swift"]),
                       FileTouch(action: "read", path: "Sources/a.swift"))
        XCTAssertEqual(touch("Read", ["file_path": "/etc/hosts"]), FileTouch(action: "read", path: "/etc/hosts"))
    }

    func testEdits() {
        XCTAssertEqual(touch("Edit", ["file_path": "/home/ana/src/app/a.swift"]), FileTouch(action: "edit", path: "a.swift"))
        XCTAssertEqual(touch("MultiEdit", ["file_path": "/home/ana/src/app/b.swift", "edits": []]),
                       FileTouch(action: "edit", path: "b.swift"))
        XCTAssertEqual(touch("NotebookEdit", ["notebook_path": "/home/ana/src/app/n.ipynb", "new_source": "x"]),
                       FileTouch(action: "edit", path: "n.ipynb"))
    }

    func testWriteCreatesOrWrites() {
        XCTAssertEqual(touch("Write", ["file_path": "/home/ana/src/app/NEW.md", "content": "x"],
                             response: ["type": "create", "filePath": "/home/ana/src/app/NEW.md"]),
                       FileTouch(action: "create", path: "NEW.md"))
        XCTAssertEqual(touch("Write", ["file_path": "/home/ana/src/app/OLD.md", "content": "x"],
                             response: ["type": "update", "filePath": "/home/ana/src/app/OLD.md"]),
                       FileTouch(action: "write", path: "OLD.md"))
        XCTAssertEqual(touch("Write", ["file_path": "/home/ana/src/app/X.md"], response: "Wrote file"),
                       FileTouch(action: "write", path: "X.md"), "a response without a type: written")
    }

    func testSearches() {
        XCTAssertEqual(touch("Grep", ["pattern": "TODO", "path": "/home/ana/src/app/Sources"]),
                       FileTouch(action: "search", path: "Sources"))
        XCTAssertEqual(touch("Glob", ["pattern": "*.md", "path": "/home/ana/src/app"]), FileTouch(action: "search", path: "."))
        XCTAssertNil(touch("Grep", ["pattern": "TODO"]), "a search without a path names no file")
    }

    func testToolsThatTouchNoFile() {
        XCTAssertNil(touch("Bash", ["command": "cat /home/ana/src/app/a.swift"], response: ["stdout": "x"]))
        XCTAssertNil(touch("WebFetch", ["url": "https://example.com"]))
        XCTAssertNil(touch("Read", [:]), "no path: no touch")
        XCTAssertNil(touch("Edit", ["file_path": ""]))
    }

    func testOnlyAFinishedToolTouches() {
        XCTAssertNil(Hook.tool("PreToolUse", "Edit", ["file_path": "/home/ana/src/app/a.swift"]).touch)
        XCTAssertNil(Hook.tool("PostToolUseFailure", "Edit", ["file_path": "/home/ana/src/app/a.swift"],
                               ["error": "String not found"]).touch)
    }
}

final class ClaudeHooksBadInputTests: XCTestCase {
    private func assertUnreadable(_ payload: [UInt8], _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        let r = ClaudeHooks.report(payload, base: Hook.base)
        XCTAssertEqual(r.kind, .hookUnreadable, file: file, line: line)
        XCTAssertEqual(r.detail, "\(reason) (\(payload.count) bytes kept in hooks.log)", file: file, line: line)
        XCTAssertNil(r.wish, file: file, line: line)
        XCTAssertNil(r.touch, file: file, line: line)
        XCTAssertNil(r.tool, file: file, line: line)
        XCTAssertFalse(r.clearsTool, file: file, line: line)
        XCTAssertNil(r.agentSession, file: file, line: line)
    }

    func testEmpty() {
        assertUnreadable([], "empty payload")
    }

    func testNotJSON() {
        assertUnreadable(bytes("hello, hook"), "not JSON")
        assertUnreadable(bytes("{\"hook_event_name\":\"Stop\",\"session_id\":\"abc"), "not JSON")
        assertUnreadable(bytes("{\"hook_event_name\":\"Stop\"} trailing"), "not JSON")
    }

    func testTruncatedPayload() {
        let whole = Hook.payload("PreToolUse", ["tool_name": "Bash", "tool_input": ["command": "make"]])
        assertUnreadable(Array(whole.prefix(whole.count / 2)), "not JSON")
    }

    func testBinary() {
        assertUnreadable([0x80, 0x81, 0xC3, 0x28, 0x00, 0x01, 0xFE, 0x7B], "not UTF-8 text")
        var random = SystemRandomNumberGenerator()
        var junk = (0..<4096).map { _ in UInt8.random(in: 0x80...0xBF, using: &random) }
        junk[0] = 0xC0
        assertUnreadable(junk, "not UTF-8 text")
    }

    func testNotAnObject() {
        assertUnreadable(bytes("[{\"hook_event_name\":\"Stop\"}]"), "not a JSON object")
        assertUnreadable(bytes("\"Stop\""), "not a JSON object")
        assertUnreadable(bytes("42"), "not a JSON object")
        assertUnreadable(bytes("null"), "not a JSON object")
    }

    func testNoEventName() {
        assertUnreadable(bytes("{\"session_id\":\"abc\",\"prompt\":\"hi\"}"), "no hook_event_name")
        assertUnreadable(bytes("{\"hook_event_name\":\"\"}"), "no hook_event_name")
        assertUnreadable(bytes("{\"hook_event_name\":42}"), "no hook_event_name")
    }
}

final class ClaudeHooksOneLineTests: XCTestCase {
    func testAMegabytePromptGivesAShortDetail() {
        let prompt = String(repeating: "refactor the parser ", count: 52_429)  // just over 1 MB
        XCTAssertGreaterThan(prompt.utf8.count, 1_000_000)
        let r = Hook.report("UserPromptSubmit", ["prompt": prompt])
        XCTAssertEqual(r.kind, .prompt)
        XCTAssertLessThanOrEqual(r.detail.count, 201)
        XCTAssertGreaterThanOrEqual(r.detail.count, 190, "shortened, not emptied")
        XCTAssertTrue(r.detail.hasPrefix("refactor the parser refactor"), String(r.detail.prefix(40)))
        XCTAssertTrue(r.detail.hasSuffix("…"))
    }

    func testAMegabyteCommandGivesAShortDetail() {
        let r = Hook.tool("PreToolUse", "Bash", ["command": "echo " + String(repeating: "x", count: 1_000_000)])
        XCTAssertLessThanOrEqual(r.detail.count, 5 + 201)
        XCTAssertTrue(r.detail.hasPrefix("Bash echo xxx"))
    }

    func testNewlinesInACommandNeverReachTheDetail() {
        for command in ["echo a\necho b", "\necho a", "echo a\n", "for i in 1 2; do\n  echo $i\ndone",
                        "printf 'x\\n'\n\n\necho y", "a\tb\u{1B}[31m\nc"] {
            for event in ["PreToolUse", "PermissionRequest", "PostToolUse", "PostToolUseFailure"] {
                let r = Hook.tool(event, "Bash", ["command": command], ["error": "Exit code 1\nline two"])
                XCTAssertFalse(r.detail.unicodeScalars.contains { $0 == "\n" || $0 == "\r" },
                               "\(event) \(command.debugDescription): \(r.detail.debugDescription)")
                XCTAssertTrue(r.detail.hasPrefix("Bash "), r.detail)
            }
        }
        XCTAssertEqual(Hook.tool("PreToolUse", "Bash", ["command": "a\tb\u{1B}[31m\nc"]).detail, "Bash a\tb\u{1B}[31m",
                       "other control characters are kept: the files that show a detail escape them")
        XCTAssertEqual(Hook.tool("PreToolUse", "Bash", ["command": "echo a\recho b"]).detail, "Bash echo a",
                       "a lone carriage return ends a line too")
    }

    func testACRLFCommandShowsOnlyItsFirstLine() {
        // "\r\n" is one Character in Swift: splitting Characters on "\n" alone would not see it.
        XCTAssertEqual(Hook.tool("PreToolUse", "Bash", ["command": "echo a\r\necho b"]).detail, "Bash echo a")
        XCTAssertEqual(Hook.report("UserPromptSubmit", ["prompt": "first line\r\nsecond line"]).detail, "first line")
    }

    func testAFilePathWithANewlineIsKeptAndEscapedWhereShown() {
        // A path is shown whole, not cut at a newline: the detail keeps it raw, and the
        // events file escapes it, so its line stays one line.
        let edit = Hook.tool("PreToolUse", "Edit", ["file_path": "/home/ana/src/app/odd\nname.swift"])
        XCTAssertEqual(edit.detail, "Edit odd\nname.swift")
        let e = Event(time: t(0), session: "auth", kind: edit.kind, detail: edit.detail)
        XCTAssertEqual(e.textLine, "2026-11-24T10:00:00.000Z tool Edit odd\\nname.swift\n")
        let grep = Hook.tool("PreToolUse", "Grep", ["pattern": "x", "path": "/home/ana/src/app/odd\ndir"])
        XCTAssertEqual(grep.detail, "Grep x in odd\ndir")
    }

    func testMessagesAreOneLineInTheDetail() {
        let stop = Hook.report("Stop", ["last_assistant_message": "\n\nDone.\nMore."])
        XCTAssertEqual(stop.detail, "Done.")
        let note = Hook.report("Notification", ["message": "Claude needs your permission\nto use Bash"])
        XCTAssertEqual(note.detail, "Claude needs your permission")
        XCTAssertEqual(note.wish, .asking("Claude needs your permission"))
    }
}
