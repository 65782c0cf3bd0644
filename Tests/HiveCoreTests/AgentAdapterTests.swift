import XCTest
@testable import HiveCore

/// Each built-in agent's adapter: its command line new and resumed, its keys, how
/// its prompt reaches it. No process runs.
final class AgentAdapterTests: XCTestCase {
    private let report = ["/opt/hivefs-hook", "/s/a/hooks.log"]

    private func spec(_ agent: AgentName, prompt: String = "", model: String = "", command: String = "", mode: String = "") -> SessionSpec {
        var s = SessionSpec()
        s.agent = agent
        s.prompt = prompt
        s.model = model
        s.command = command
        s.mode = mode
        return s
    }

    private func argv(_ agent: AgentName, _ s: SessionSpec, _ launch: AgentLaunch) throws -> [String] {
        try XCTUnwrap(AgentCatalog.builtIn.adapter(agent)).argv(s, launch)
    }

    func testClaudeStartsAConversationHivefsNamesAndResumesIt() throws {
        var l = AgentLaunch(reportCommand: report, conversation: "c1", settingsFile: "/s/a/claude-settings.json")
        XCTAssertEqual(try argv(.claude, spec(.claude, prompt: "-fix it", model: "opus", mode: "plan"), l),
                       ["claude", "--session-id", "c1", "--settings", "/s/a/claude-settings.json", "--permission-mode", "plan",
                        "--model", "opus", "--", "-fix it"])
        l.resume = true
        XCTAssertEqual(try argv(.claude, spec(.claude, prompt: "fix it", command: "/opt/claude --verbose"), l),
                       ["/opt/claude", "--verbose", "--resume", "c1", "--settings", "/s/a/claude-settings.json"],
                       "a resumed conversation had its prompt")
    }

    func testCodexNotifiesHivefsAndResumesItsThread() throws {
        var l = AgentLaunch(reportCommand: report)
        XCTAssertEqual(try argv(.codex, spec(.codex, prompt: "go", mode: "never"), l),
                       ["codex", "-c", #"notify=["/opt/hivefs-hook","/s/a/hooks.log"]"#, "--ask-for-approval", "never", "go"])
        l.conversation = "t1"
        l.resume = true
        XCTAssertEqual(Array(try argv(.codex, spec(.codex, prompt: "go"), l).suffix(2)), ["resume", "t1"])
    }

    func testGeminiAiderCursorAndShell() throws {
        var l = AgentLaunch(reportCommand: report, conversation: "g1", resume: true)
        XCTAssertEqual(try argv(.gemini, spec(.gemini, prompt: "go"), l), ["gemini", "--resume", "g1"])
        l.resume = false
        XCTAssertEqual(try argv(.gemini, spec(.gemini, prompt: "go"), l), ["gemini", "--prompt-interactive", "go"])

        l = AgentLaunch(reportCommand: report, historyFile: "/s/a/aider.chat.history.md")
        let aider = try argv(.aider, spec(.aider, prompt: "go", mode: "yes-always"), l)
        XCTAssertEqual(aider, ["aider", "--notifications", "--notifications-command",
                               #"/opt/hivefs-hook /s/a/hooks.log '{"hook_event_name":"AiderWaiting"}'"#,
                               "--chat-history-file", "/s/a/aider.chat.history.md", "--yes-always"], "the prompt is typed, not given")
        XCTAssertTrue(AiderAgent().typesPrompt(spec(.aider), l))
        l.resume = true
        XCTAssertTrue(try argv(.aider, spec(.aider), l).contains("--restore-chat-history"))
        XCTAssertFalse(AiderAgent().typesPrompt(spec(.aider), l), "its restored chat has the prompt")

        l = AgentLaunch(reportCommand: report)
        XCTAssertEqual(try argv(.cursor, spec(.cursor, prompt: "go"), l), ["cursor-agent", "go"])
        l.ranBefore = true
        XCTAssertEqual(try argv(.cursor, spec(.cursor, prompt: "go"), l), ["cursor-agent", "resume"])

        XCTAssertEqual(try argv(.shell, spec(.shell, command: "sh -c 'echo hi'"), l), ["sh", "-c", "echo hi"])
        XCTAssertThrowsError(try ShellAgent().check(spec(.shell)))
        XCTAssertTrue(ShellAgent().typesPrompt(spec(.shell), l))
        XCTAssertTrue(ShellAgent().readsHooksVariable)
        XCTAssertFalse(ClaudeAgent().readsHooksVariable, "hivefs wires Claude Code itself")
    }

    func testKeysAndWhatEachAgentReports() {
        let byName = Dictionary(uniqueKeysWithValues: AgentCatalog.builtIn.all.map { ($0.name.rawValue, $0) })
        XCTAssertEqual(byName["claude"]?.interruptKeys, ["Escape"])
        XCTAssertEqual(byName["codex"]?.interruptKeys, ["Escape"])
        XCTAssertEqual(byName["aider"]?.interruptKeys, ["C-c"])
        XCTAssertEqual(byName["shell"]?.interruptKeys, ["C-c"])
        XCTAssertEqual(AgentCatalog.builtIn.all.filter(\.reportsTurns).map(\.name), [.claude, .codex, .gemini])
        XCTAssertEqual(AgentCatalog.builtIn.all.filter(\.asksOnScreen).map(\.name), [.claude, .codex, .aider])
        XCTAssertEqual(byName["claude"]?.source(heard: false), "screen (no hook since it started)")
        XCTAssertEqual(byName["codex"]?.source(heard: true), "notify, screen")
        XCTAssertEqual(byName["cursor"]?.source(heard: true), "terminal")
        XCTAssertEqual(byName["claude"]?.report(Array(ClaudeSettings.statusRecord.utf8), ReportContext(base: "/")).isCostSnapshot, true)
    }

    func testTheCatalogKeepsBuiltInAgentsAndTellsWhyAFileWasRefused() {
        var d = DefinedAgent.Definition(name: "claude", file: "agents/claude.toml", command: "fake")
        let shadow = DefinedAgent(d)
        d.name = "zeta"
        let c = AgentCatalog(defined: [DefinedAgent(d), shadow], refused: ["bad": "agents/bad.toml:2: nope"])
        XCTAssertEqual(c.names, "claude, codex, gemini, aider, cursor, shell, zeta")
        XCTAssertTrue(c.adapter(.claude) is ClaudeAgent, "a file never replaces a built-in agent")
        XCTAssertThrowsError(try c.resolve("bad")) { e in
            XCTAssertEqual((e as? HiveError)?.reason, "agent bad is defined in a file hivefs refused: agents/bad.toml:2: nope")
        }
        XCTAssertEqual(c.adapterOrMissing("gone").name, "gone")
        XCTAssertThrowsError(try c.adapterOrMissing("gone").argv(SessionSpec(), AgentLaunch(reportCommand: [])))
    }
}

/// An agent defined by a file: what its definition makes of a spec, a report, a screen.
final class DefinedAgentAdapterTests: XCTestCase {
    private func definition() throws -> DefinedAgent.Definition {
        var d = DefinedAgent.Definition(name: "mini", file: "agents/mini.toml", command: "mini-agent --plain")
        d.resume = "mini-agent --continue"
        d.reports = .notify
        d.notify = ["--on-wait", "{notify}"]
        d.model = ["--model={model}"]
        d.waiting = try ScreenPattern(#"\[y/n\]$"#)
        d.working = try ScreenPattern("ctrl-g to stop")
        d.idle = try ScreenPattern("^mini>")
        d.interrupt = ["C-g"]
        d.approve = ["y", "Enter"]
        d.deny = ["n", "Enter"]
        return d
    }

    func testItsCommandLineNewAndResumed() throws {
        let a = DefinedAgent(try definition())
        var s = SessionSpec()
        s.agent = "mini"
        s.model = "m2"
        s.prompt = "hi"
        var l = AgentLaunch(reportCommand: ["/opt/hivefs-hook", "/s/m/hooks.log"])
        XCTAssertEqual(try a.argv(s, l), ["mini-agent", "--plain", "--on-wait",
                                          #"/opt/hivefs-hook /s/m/hooks.log '{"hook_event_name":"AgentWaiting"}'"#, "--model=m2"])
        XCTAssertTrue(a.typesPrompt(s, l))
        l.ranBefore = true
        XCTAssertEqual(try a.argv(s, l).prefix(2), ["mini-agent", "--continue"])
        XCTAssertFalse(a.typesPrompt(s, l), "the conversation it goes on with had its prompt")
        XCTAssertEqual(a.interruptKeys, ["C-g"])
        XCTAssertFalse(a.reportsTurns)
        XCTAssertTrue(a.drawsAfterReport)
    }

    func testChecksWhatItsFileAllows() throws {
        var d = try definition()
        d.prompt = .none
        d.model = []
        let a = DefinedAgent(d)
        var s = SessionSpec()
        s.agent = "mini"
        s.prompt = "hi"
        XCTAssertThrowsError(try a.check(s)) { XCTAssertEqual(($0 as? HiveError)?.reason, "agent mini takes no prompt (agents/mini.toml says prompt = \"none\")") }
        s.prompt = ""
        s.model = "x"
        XCTAssertThrowsError(try a.check(s)) { XCTAssertEqual(($0 as? HiveError)?.reason, "agent mini takes no model (agents/mini.toml gives no model arguments)") }
        s.model = ""
        s.mode = "auto"
        XCTAssertThrowsError(try a.check(s)) { XCTAssertEqual(($0 as? HiveError)?.errno, .invalidArgument) }
        s.mode = ""
        XCTAssertNoThrow(try a.check(s))
        d.prompt = .argument
        XCTAssertEqual(try DefinedAgent(d).argv({ var t = s; t.prompt = "-x"; return t }(), AgentLaunch(reportCommand: [])).suffix(2), ["--", "-x"])
    }

    func testItsScreenItsQuestionAndItsKeys() throws {
        let a = DefinedAgent(try definition())
        let asking = "mini agent 1.0\nmini> ask\nWrite notes.txt? [y/n]\n\n"
        let q = try XCTUnwrap(a.question(on: asking))
        XCTAssertEqual(q.question, "Write notes.txt? [y/n]")
        let p = q.permission(id: 3, tool: nil, subject: nil)
        XCTAssertEqual(p.text, "id 3\nkind question\nquestion Write notes.txt? [y/n]\noption 1 approve\noption 2 deny\napprove 1\ndeny 2\n")
        XCTAssertEqual(p.keys(choosing: 0), ["y", "Enter"])
        XCTAssertEqual(p.keys(choosing: 1), ["n", "Enter"])
        XCTAssertEqual(a.screen(asking), .menu)
        XCTAssertEqual(a.screen("working… (ctrl-g to stop)"), .busy)
        XCTAssertEqual(a.screen("done\nmini> "), .prompt)
        XCTAssertEqual(a.screen("loading models"), .unknown, "with an idle pattern, anything else tells nothing")
        XCTAssertTrue(a.atRest("done\nmini> "))
        XCTAssertFalse(a.atRest("loading models"))
        XCTAssertFalse(a.atRest("mini> work 3\nworking… (ctrl-g to stop)"))
        XCTAssertNil(a.question(on: "mini> "))
    }

    func testItsNotificationIsIdleOrAQuestionAndAnythingElseIsKeptUnread() throws {
        let a = DefinedAgent(try definition())
        let payload = Array(DefinedAgent.notifyPayload.utf8)
        let idle = a.report(payload, ReportContext(base: "/") { "mini> " })
        XCTAssertEqual(idle.kind, EventKind.idle)
        XCTAssertEqual(idle.wish, .idle(nil))
        let asked = a.report(payload, ReportContext(base: "/") { "Write notes.txt? [y/n]" })
        XCTAssertEqual(asked.wish, .asking("Write notes.txt? [y/n]"))
        XCTAssertEqual(a.report(Array("{}".utf8), ReportContext(base: "/")).kind, EventKind.hookUnreadable)
        var d = try definition()
        d.reports = .hooks
        d.notify = []
        let hooks = DefinedAgent(d)
        XCTAssertTrue(hooks.reportsTurns)
        XCTAssertTrue(hooks.readsHooksVariable)
        XCTAssertEqual(hooks.report(Array(#"{"hook_event_name":"UserPromptSubmit","prompt":"go"}"#.utf8), ReportContext(base: "/")).kind,
                       EventKind.prompt, "records in Claude Code's hook format")
    }

    func testAPatternThatIsNoRegularExpressionIsRefused() {
        XCTAssertThrowsError(try ScreenPattern("([")) { XCTAssertEqual(($0 as? HiveError)?.reason, "'([' is not a regular expression") }
    }
}
