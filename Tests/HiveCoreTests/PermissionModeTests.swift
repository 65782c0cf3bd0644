import XCTest
@testable import HiveCore

final class PermissionModeTests: XCTestCase {
    private func args(_ agent: AgentName, _ mode: String) -> [String]? {
        try? AgentCatalog.builtIn.adapter(agent)?.modeArguments(mode)
    }

    private func refusal(_ agent: AgentName, _ mode: String) -> HiveError? {
        guard let a = AgentCatalog.builtIn.adapter(agent) else { return nil }
        do throws(HiveError) { _ = try a.modeArguments(mode); return nil } catch { return error }
    }

    func testEachAgentsOwnWords() {
        XCTAssertEqual(args(.claude, "plan"), ["--permission-mode", "plan"])
        XCTAssertEqual(args(.claude, "default"), ["--permission-mode", "default"])
        XCTAssertEqual(args(.codex, "never"), ["--ask-for-approval", "never"])
        XCTAssertEqual(args(.codex, "read-only"), ["--sandbox", "read-only"])
        XCTAssertEqual(args(.codex, "workspace-write+never"), ["--ask-for-approval", "never", "--sandbox", "workspace-write"])
        XCTAssertEqual(args(.aider, "yes-always"), ["--yes-always"])
        XCTAssertEqual(args(.aider, "ask"), [])
        for agent in AgentCatalog.builtIn.all.map(\.name) { XCTAssertEqual(args(agent, ""), [], "no mode: nothing added for \(agent)") }
    }

    func testValuesAnAgentDoesNotHaveAreRefusedNamingTheOnesItHas() {
        let e = refusal(.claude, "yolo")
        XCTAssertEqual(e?.errno, .invalidArgument)
        XCTAssertEqual(e?.reason, "mode 'yolo' is not one claude has; it has: default, manual, acceptEdits, auto, plan, dontAsk, bypassPermissions")
        XCTAssertEqual(refusal(.codex, "untrusted")?.errno, .invalidArgument, "Codex 0.163.0 no longer has it")
        XCTAssertEqual(refusal(.codex, "never+on-request")?.errno, .invalidArgument, "two approval policies")
        XCTAssertEqual(refusal(.codex, "never+read-only+x")?.errno, .invalidArgument)
        XCTAssertEqual(refusal(.aider, "auto")?.errno, .invalidArgument)
        XCTAssertEqual(refusal(.shell, "auto")?.reason, "mode: agent shell has no permission modes hivefs can set (claude, codex and aider have)")
        XCTAssertEqual(refusal(.claude, "Plan")?.errno, .invalidArgument, "the agent's words, exactly")
    }

    func testNewChecksTheModeAgainstTheAgentWhateverTheKeyOrder() {
        XCTAssertThrowsError(try ControlParser.rootCommand("new a mode=acceptEdits agent=shell command=true", home: "/h", agents: .builtIn))
        XCTAssertNoThrow(try ControlParser.rootCommand("new a mode=never agent=codex", home: "/h", agents: .builtIn))
        XCTAssertNoThrow(try ControlParser.rootCommand("new a agent=claude mode=plan trust=yes", home: "/h", agents: .builtIn))
        XCTAssertThrowsError(try ControlParser.rootCommand("new a trust=maybe", home: "/h", agents: .builtIn))
    }

    /// Codex's own sandbox is bubblewrap, which cannot run inside hivefs's: there, hivefs's is Codex's.
    func testCodexInSandboxBwrapRunsWithoutASandboxOfItsOwn() throws {
        var spec = SessionSpec()
        spec.sandbox = "bwrap"
        XCTAssertEqual(try CodexAgent().sandboxArguments(spec), ["--sandbox", "danger-full-access"])
        spec.mode = "never+danger-full-access"
        XCTAssertEqual(try CodexAgent().sandboxArguments(spec), [], "said already by the mode")
        spec.sandbox = "none"
        spec.mode = "workspace-write"
        XCTAssertEqual(try CodexAgent().sandboxArguments(spec), [])
        XCTAssertThrowsError(try ControlParser.rootCommand("new a agent=codex sandbox=bwrap mode=workspace-write", home: "/h", agents: .builtIn))
        XCTAssertThrowsError(try ControlParser.rootCommand("new a agent=codex sandbox=bwrap mode=never+read-only", home: "/h", agents: .builtIn))
        XCTAssertNoThrow(try ControlParser.rootCommand("new a agent=codex sandbox=bwrap mode=never", home: "/h", agents: .builtIn))
    }
}
