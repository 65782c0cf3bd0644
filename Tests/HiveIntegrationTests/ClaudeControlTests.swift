import Foundation
import XCTest

/// Steering a Claude Code session, and the reports hooks never send: an interrupt
/// fires no Stop, Escape on a permission prompt fires nothing. The state must still
/// come right, from the screen.
final class ClaudeControlTests: ClaudeTestCase {
    func testInterruptEndsATurnThatNeverSendsStop() {
        newClaude("intr", turns: [[["say": "starting"], ["sleep": 60], ["say": "never said"]]])
        waitReport("intr", "prompt")
        m.waitState("intr", ["working"])
        XCTAssertEqual(m.write("intr/control", "interrupt\n"), 0)
        m.waitState("intr", ["idle"])
        XCTAssertFalse(reported("intr").contains { $0.hasPrefix("idle") }, "no Stop hook came: \(reported("intr"))")
        XCTAssertTrue(reported("intr").contains { $0.hasPrefix("screen idle") }, "\(reported("intr"))")
        // The next prompt is a normal turn again.
        XCTAssertEqual(m.write("intr/control", "send Carry on\n"), 0)
        waitReport("intr", "prompt Carry on")
        waitReport("intr", "idle")
        m.waitState("intr", ["idle"])
    }

    func testAnAgentThatCrashesMidTurnIsExitedWithItsCode() {
        newClaude("crash", turns: [[["tools": [["name": "Bash", "input": ["command": "make"], "seconds": 0.3]]], ["crash": 3]]])
        m.waitState("crash", ["exited"])
        XCTAssertEqual(m.status("crash", "exit"), "3")
        XCTAssertEqual(m.status("crash", "tool"), "-")
        let r = reported("crash")
        XCTAssertEqual(Array(r.suffix(2)), ["tool Bash make", "tool.done Bash make"], "every report before the crash: \(r)")
        XCTAssertFalse(r.contains { $0.hasPrefix("idle") || $0.hasPrefix("agent.end") }, "a crash sends no Stop or SessionEnd")
        let states = statesFromReports("crash")
        XCTAssertEqual(states.last, "exited", "\(states)")
    }

    func testEscapeOnAPermissionPromptIsNotLeftWaiting() {
        newClaude("esc", turns: [[["tools": [["name": "Bash", "input": ["command": "make deploy"], "permission": "ask"]]]]])
        m.waitState("esc", ["waiting"])
        XCTAssertEqual(m.write("esc/control", "keys Escape\n"), 0)
        m.waitState("esc", ["idle"])
        XCTAssertEqual(m.status("esc", "reason"), "-")
        XCTAssertEqual(m.status("esc", "tool"), "-")
    }

    func testRestartResumesTheSameConversationWithTheSameHooks() throws {
        newClaude("res", turns: [[["say": "first"]], [["say": "second"]]])
        waitReport("res", "idle")
        let id = try XCTUnwrap(m.status("res", "agent.session"))
        XCTAssertNotNil(UUID(uuidString: id), id)
        XCTAssertEqual(m.write("res/control", "restart\n"), 0)
        waitReport("res", "agent.start", count: 2)
        XCTAssertEqual(m.status("res", "agent.session"), id)
        let starts = (try String(contentsOfFile: m.root + "/res.argv.jsonl", encoding: .utf8)).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["argv"] as? [String]
        }
        XCTAssertEqual(starts.count, 2)
        let settings = m.state + "/sessions/res/claude-settings.json"
        XCTAssertEqual(starts.first, ["--session-id", id, "--settings", settings, "Fix the bug"])
        XCTAssertEqual(starts.last, ["--resume", id, "--settings", settings])
        XCTAssertTrue(reported("res").contains("agent.start resume claude-sonnet-4-5-20250929 session \(id)"), "\(reported("res"))")
        // The resumed agent still reports: a prompt goes through its hooks.
        XCTAssertEqual(m.write("res/control", "send again\n"), 0)
        waitReport("res", "prompt again")
        waitReport("res", "idle", count: 2)
    }

    func testASessionLostWhileHivefsWasDownResumesItsConversation() throws {
        newClaude("lost", turns: [[["say": "before"]], [["say": "after"]]])
        waitReport("lost", "idle before")
        let id = try XCTUnwrap(m.status("lost", "agent.session"))
        m.crashDaemon()
        m.sh("tmux -L \(m.socket) kill-server")
        XCTAssertNoThrow(try m.mount())
        m.waitState("lost", ["exited"])
        XCTAssertEqual(m.status("lost", "reason"), "lost")
        XCTAssertEqual(m.write("lost/control", "restart\n"), 0)
        waitReport("lost", "agent.start", count: 2)
        XCTAssertEqual(m.status("lost", "agent.session"), id)
        XCTAssertTrue(reported("lost").contains("agent.start resume claude-sonnet-4-5-20250929 session \(id)"), "\(reported("lost"))")
    }

    func testTheUsersOwnHooksStayInForce() throws {
        let mine = m.root + "/mine.log"
        let settings = ["hooks": ["Stop": [["hooks": [["type": "command", "command": "echo stop-seen >> '\(mine)'"]]]]]]
        try JSONSerialization.data(withJSONObject: settings).write(to: URL(fileURLWithPath: home + "/.claude/settings.json"))
        newClaude("own", turns: [[["say": "hi"]]])
        waitReport("own", "idle")
        XCTAssertTrue(waitUntil(5) { (try? String(contentsOfFile: mine, encoding: .utf8)) == "stop-seen\n" })
        // hivefs's hook printed nothing (Claude Code would add it to the conversation) and exited 0.
        // The fake logs a hook run when it ends; the runs of one event end in any order.
        func ours() -> [[String: Any]] {
            ((try? String(contentsOfFile: m.root + "/own.hooklog.jsonl", encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }.filter { ($0["command"] as? String)?.contains("hooks.log") == true }
        }
        XCTAssertTrue(waitUntil(5) { Set(ours().compactMap { $0["event"] as? String }) == ["SessionStart", "UserPromptSubmit", "Stop"] },
                      "\(ours())")
        let ours = ours()
        XCTAssertTrue(ours.allSatisfy { ($0["exit"] as? Int) == 0 && ($0["stdout"] as? String) == "" }, "\(ours)")
    }

    func testReportsWrittenWhileTheDaemonIsDownArriveOnceAfterIt() {
        newClaude("down", turns: [[["say": "one", "usage": ["input_tokens": 5, "output_tokens": 50]]],
                                  [["tools": [["name": "Read", "input": ["file_path": work + "/src/a.swift"]]]],
                                   ["say": "two", "usage": ["input_tokens": 6, "output_tokens": 60]]]])
        waitReport("down", "idle")
        let before = reported("down")
        m.crashDaemon()
        // Typed straight into its terminal while hivefs is gone; the agent's hooks still record.
        m.sh("tmux -L \(m.socket) send-keys -t =down: -l 'while you were out'; sleep 0.2; tmux -L \(m.socket) send-keys -t =down: Enter")
        XCTAssertTrue(waitUntil(10) {
            ((try? String(contentsOfFile: self.hooksLog("down"), encoding: .utf8)) ?? "").components(separatedBy: "\"Stop\"").count == 3
        }, "the second turn's Stop is on disk")
        XCTAssertNoThrow(try m.mount())
        waitReport("down", "idle", count: 2)
        let after = reported("down")
        XCTAssertEqual(Array(after.prefix(before.count)), before, "nothing recorded before is changed")
        XCTAssertEqual(Array(after.dropFirst(before.count)), [
            "prompt while you were out", "tool Read src/a.swift", "tool.done Read src/a.swift", "idle two",
        ])
        XCTAssertEqual(m.read("down/files"), "read 1 src/a.swift\n")
        let t = truth("down")
        XCTAssertTrue(waitUntil(5) { self.m.status("down", "tokens.output") == t["output"].map(String.init) },
                      "\(m.status("down", "tokens.output") ?? "-") vs \(t)")
        XCTAssertEqual(m.status("down", "tokens.input"), t["input"].map(String.init))
        // And once more: a restart with nothing new changes nothing.
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertTrue(waitUntil(3) { self.m.status("down", "tokens.output") == t["output"].map(String.init) },
                      "\(m.status("down", "tokens.output") ?? "-") vs \(t)")
        usleep(500_000)
        XCTAssertEqual(reported("down"), after)
        XCTAssertEqual(m.status("down", "tokens.output"), t["output"].map(String.init), "counted once, not twice")
        XCTAssertEqual(m.status("down", "tokens.input"), t["input"].map(String.init))
    }
}

/// Claude Code skips a settings file that names a hook event it does not know, so
/// hivefs asks each version only for the events it has.
final class ClaudeVersionTests: ClaudeTestCase {
    func testAnOlderClaudeCodeGetsOnlyTheEventsItKnows() throws {
        newClaude("old", turns: [[["tools": [["name": "Read", "input": ["file_path": work + "/src/a.swift"]]]], ["say": "fine"]]],
                  extra: ["env.FAKE_CLAUDE_VERSION=1.0.70"])
        waitReport("old", "idle fine")
        let settings = try Data(contentsOf: URL(fileURLWithPath: m.state + "/sessions/old/claude-settings.json"))
        let hooks = try XCTUnwrap((try JSONSerialization.jsonObject(with: settings) as? [String: Any])?["hooks"] as? [String: Any])
        XCTAssertEqual(Set(hooks.keys), ["PreToolUse", "PostToolUse", "Notification", "Stop", "SubagentStop",
                                         "PreCompact", "UserPromptSubmit", "SessionStart"])
        XCTAssertEqual(reported("old"), [
            "agent.start startup claude-sonnet-4-5-20250929 session \(m.status("old", "agent.session") ?? "?")",
            "prompt Fix the bug", "tool Read src/a.swift", "tool.done Read src/a.swift", "idle fine",
        ])
        XCTAssertTrue((m.read("old/events") ?? "").contains("(claude 1.0.70)"), "the version is recorded at start")
        XCTAssertFalse((m.read("old/screen") ?? "").contains("Invalid key"), m.read("old/screen") ?? "")
    }

    func testARefusedSettingsFileIsReported() {
        // A wrapper that does not say its version: hivefs asks for every event, which this
        // older Claude Code refuses, whole.
        newClaude("refused", turns: [[["say": "unheard"]]],
                  extra: ["command=\"sh -c 'exec claude \\\"$@\\\"' claude\"", "env.FAKE_CLAUDE_VERSION=1.0.70"])
        waitReport("refused", "hooks.refused")
        let line = reported("refused").first { $0.hasPrefix("hooks.refused") } ?? ""
        XCTAssertTrue(line.contains("claude-settings.json") && line.contains("Invalid key in record"), line)
        XCTAssertTrue((m.read("refused/events") ?? "").contains("(claude version unknown)"))
        XCTAssertEqual(reported("refused").filter { $0.hasPrefix("hooks.refused") }.count, 1, "told once")
    }
}

/// The `mode` spec key: each agent's own permission modes, checked when the session is made.
final class ClaudeModeTests: ClaudeTestCase {
    func testAModeIsPassedOnAndAWrongOneIsRefusedWithTheReason() {
        newClaude("planned", turns: [[["say": "planned"]]], extra: ["mode=plan"])
        waitReport("planned", "idle planned")
        let argv = m.jsonLines(m.root + "/planned.argv.jsonl").compactMap { $0["argv"] as? [String] }.first ?? []
        XCTAssertTrue(argv.joined(separator: " ").contains("--permission-mode plan"), "\(argv)")
        XCTAssertEqual(m.read("planned/mode"), "plan\n")
        XCTAssertEqual(m.write("control", "new bad agent=claude mode=yolo\n"), EINVAL)
        XCTAssertTrue((m.read("control") ?? "").contains("EINVAL mode 'yolo' is not one claude has; it has: default,"), m.read("control") ?? "")
        XCTAssertEqual(m.write("control", "new sh agent=shell command=true mode=auto\n"), EINVAL)
        // Claude Code exits at once when root asks for bypassPermissions outside a sandbox.
        let bypass = m.write("control", "new by agent=claude dir=\(work) mode=bypassPermissions\n")
        XCTAssertEqual(bypass, getuid() == 0 ? EPERM : 0, m.read("control") ?? "")
        if getuid() == 0 {
            XCTAssertEqual(m.write("control", "new by2 agent=claude dir=\(work) mode=bypassPermissions env.IS_SANDBOX=1\n"), 0)
        }
    }
}

/// Claude Code holds back every hook until its workspace-trust dialog is answered.
final class ClaudeTrustTests: ClaudeTestCase {
    override var trusted: Bool { false }

    func testTheTrustDialogShowsAsWaitingUntilAnswered() {
        newClaude("trust", turns: [[["say": "trusted now"]]])
        m.waitState("trust", ["waiting"])
        XCTAssertEqual(m.status("trust", "reason"), "workspace trust dialog (approve 1, deny 1, answer 1 N; see permission)")
        XCTAssertEqual(m.read("trust/permission"), """
            id 1
            kind trust
            question Do you trust the files in this folder?
            option 1 Yes, proceed
            option 2 No, exit
            approve 1
            deny 2

            """)
        XCTAssertEqual((try? String(contentsOfFile: hooksLog("trust"), encoding: .utf8)) ?? "", "", "no hook has fired")
        XCTAssertEqual(m.write("trust/control", "approve 2\n"), EINVAL, "no question 2 has been asked")
        XCTAssertEqual(m.write("trust/control", "answer 1 3\n"), ERANGE, "it has two options")
        XCTAssertEqual(m.write("trust/control", "approve 1\n"), 0)
        XCTAssertEqual(m.write("trust/control", "approve 1\n"), ESTALE, "answered: a second answer presses nothing")
        waitReport("trust", "idle trusted now")
        m.waitState("trust", ["idle"])
    }

    /// Claude Code 2.1.337's dialog: no numbers, the focus on "No, exit"; approve moves to Yes.
    func testTheTrustDialogOf2_1_337IsApprovedWithDownAndEnter() {
        newClaude("t337", turns: [[["say": "trusted at last"]]], extra: ["env.FAKE_CLAUDE_VERSION=2.1.337"])
        m.waitState("t337", ["waiting"])
        XCTAssertEqual(m.read("t337/permission"), """
            id 1
            kind trust
            question Quick safety check: Is this a project you created or one you trust?
            option 1 No, exit
            option 2 Yes, I trust this folder
            approve 2
            deny 1

            """)
        XCTAssertEqual(m.write("t337/control", "keys 1\n"), 0, "a digit does nothing in this release")
        XCTAssertEqual(m.write("t337/control", "approve 1\n"), 0)
        waitReport("t337", "idle trusted at last")
    }
}

/// A budget pauses a session once its tokens pass it.
final class ClaudeBudgetTests: ClaudeTestCase {
    func testABudgetPausesTheSessionAtTheRightCount() throws {
        newClaude("spend", turns: [[
            ["say": "first", "usage": ["input_tokens": 10, "output_tokens": 140]],
            ["sleep": 2],
            ["say": "second", "usage": ["input_tokens": 10, "output_tokens": 90]],
            ["sleep": 30],
        ]])
        XCTAssertTrue(waitUntil(10) { self.m.status("spend", "tokens.output") == "140" }, m.read("spend/status") ?? "")
        XCTAssertEqual(m.write("spend/control", "budget 200\n"), 0)
        XCTAssertEqual(m.status("spend", "budget"), "200")
        XCTAssertEqual(m.status("spend", "budget.left"), "50")
        XCTAssertEqual(m.state("spend"), "working", "under budget, it works on")
        m.waitState("spend", ["paused"], timeout: 10)
        XCTAssertEqual(m.status("spend", "reason"), "budget: 250 tokens of 200")
        XCTAssertEqual(m.status("spend", "budget.left"), "0")
        XCTAssertTrue((m.read("spend/events") ?? "").contains(" policy budget spent: 250 tokens of 200\n"), m.read("spend/events") ?? "")
        let pid = try XCTUnwrap(m.pid("spend"))
        XCTAssertTrue(processTree(pid).keys.allSatisfy(frozen), "a true freeze: \(processTree(pid)) \(m.read("spend/events") ?? "") \(m.read("spend/status") ?? "")")
        // Resumed, it is not paused again for the same budget.
        XCTAssertEqual(m.write("spend/control", "resume\n"), 0)
        usleep(500_000)
        XCTAssertEqual(m.state("spend"), "working")
        XCTAssertEqual(m.write("spend/control", "budget usd=junk\n"), EINVAL)
    }
}

/// A budget that kills (`budget-action = "kill"`): the agent's own report (its
/// transcript's tokens, read with its hooks) ends the session. The machine decides
/// it where reports are read; the end and its summary are carried out elsewhere, so
/// the session goes on taking reports and writes.
final class ClaudeBudgetKillTests: ClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        try "budget-action = \"kill\"\n".write(toFile: m.root + "/none.toml", atomically: true, encoding: .utf8)
    }

    func testAReportEndsTheSessionAndItsReportsAreStillRead() throws {
        newClaude("spend", turns: [[
            ["say": "first", "usage": ["input_tokens": 10, "output_tokens": 140]],
            ["sleep": 2],
            ["say": "second", "usage": ["input_tokens": 10, "output_tokens": 90]],
            ["sleep": 30],
        ], [
            ["say": "again", "usage": ["input_tokens": 5, "output_tokens": 5]],
        ]])
        XCTAssertTrue(waitUntil(10) { self.m.status("spend", "tokens.output") == "140" }, m.read("spend/status") ?? "")
        XCTAssertEqual(m.write("spend/control", "budget 200\n"), 0)
        m.waitState("spend", ["killed"], timeout: 10)
        XCTAssertEqual(m.status("spend", "reason"), "budget: 250 tokens of 200")
        XCTAssertTrue(waitUntil(5) { (self.m.read("spend/summary") ?? "").contains("killed") }, m.read("spend/summary") ?? "-")
        // The session is not stuck: a restart runs, and its reports become events again.
        XCTAssertEqual(m.write("spend/control", "restart\n"), 0)
        XCTAssertTrue(waitUntil(10) { (self.m.read("spend/events") ?? "").components(separatedBy: " agent.start ").count == 3 },
                      m.read("spend/events") ?? "")
        m.waitState("spend", ["idle"])
        XCTAssertEqual(m.write("spend/control", "send once more\n"), 0)
        XCTAssertTrue(waitUntil(10) { (self.m.read("spend/events") ?? "").contains(" prompt once more\n") }, m.read("spend/events") ?? "")
        XCTAssertEqual(m.write("spend/control", "kill\n"), 0)
        m.waitState("spend", ["killed"])
    }
}
