import Foundation
import XCTest

/// One mount running every kind of agent side by side (each one's fake): each has
/// its own state, events and tokens, as far as its agent reports them.
final class AgentsTogetherTests: ClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        try "# app\n".write(toFile: work + "/README.md", atomically: false, encoding: .utf8)
        try m.installFakes(["codex": "fake-codex", "gemini": "fake-gemini", "aider": "fake-aider",
                            "cursor-agent": "fake-cursor-agent"],
                           env: ["CODEX_HOME=" + m.root + "/codex", "GEMINI_CLI_HOME=" + m.root + "/gemini",
                                 "CURSOR_CONFIG_DIR=" + m.root + "/cursor",
                                 "GEMINI_CLI_SYSTEM_SETTINGS_PATH=" + m.root + "/no-system-settings.json"])
    }

    func testEveryAgentInOneMount() throws {
        newClaude("cl", turns: [[["say": "claude done", "usage": ["input_tokens": 10, "output_tokens": 20]]]])
        for line in ["new cx agent=codex dir=\(work) prompt=\"codex task\"",
                     "new gm agent=gemini dir=\(work) prompt=\"gemini task\"",
                     "new ai agent=aider dir=\(work) prompt=\"aider task\"",
                     "new cu agent=cursor dir=\(work) prompt=\"cursor task\"",
                     "new sh agent=shell dir=\(work) command=\"sh -c 'echo shell task; sleep 300'\""] {
            XCTAssertEqual(m.write("control", line + "\n"), 0, "\(line): \(m.read("control") ?? "")")
        }
        let names = ["cl", "cx", "gm", "ai", "cu", "sh"]
        XCTAssertTrue(waitUntil(20) { names.allSatisfy { self.m.state($0) == "idle" } },
                      names.map { "\($0)=\(m.state($0))" }.joined(separator: " "))
        let turnEnds = ["cl": " idle claude done", "cx": " idle done: codex task", "gm": " idle gemini: gemini task",
                        "ai": " idle waiting for input"]
        for (name, line) in turnEnds {
            XCTAssertTrue((m.read(name + "/events") ?? "").contains(line), "\(name): \(m.read(name + "/events") ?? "")")
        }
        // Tokens where the agent reports them, `-` where it does not.
        XCTAssertTrue(waitUntil(5) { ["cl", "cx", "gm"].allSatisfy { self.m.status($0, "tokens.output") != "-" } })
        XCTAssertEqual(m.status("cl", "tokens.output"), "20")
        XCTAssertEqual(m.status("cx", "tokens.output"), "100")
        XCTAssertEqual(m.status("gm", "tokens.output"), "200")
        for name in ["ai", "cu", "sh"] { XCTAssertEqual(m.status(name, "tokens.output"), "-", name) }
        // Each agent's own id where it has one.
        for name in ["cl", "cx", "gm"] { XCTAssertNotEqual(m.status(name, "agent.session"), "-", name) }
        let table = m.read("status") ?? ""
        for name in names { XCTAssertTrue(table.contains("\n\(name) "), table) }
        XCTAssertEqual(Set(m.sh("awk 'NR>1 {print $3}' $MNT/status").out.split(separator: "\n")),
                       ["claude", "codex", "gemini", "aider", "cursor", "shell"])
    }
}
