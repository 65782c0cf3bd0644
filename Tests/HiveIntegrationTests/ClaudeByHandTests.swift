import Foundation
import XCTest

/// contrib/claude-hooks.example.json in the user's own Claude Code settings: a
/// Claude Code started by hand in a shell session reports to that session, and a
/// session hivefs starts Claude Code for is not reported twice.
final class ClaudeByHandTests: ClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        // As installed: hivefs-hook on PATH, the snippet as the user's settings.
        let hook = URL(fileURLWithPath: MountFixture.binary).deletingLastPathComponent().appendingPathComponent("hivefs-hook").path
        try FileManager.default.createSymbolicLink(atPath: m.root + "/bin/hivefs-hook", withDestinationPath: hook)
        try FileManager.default.copyItem(atPath: MountFixture.repoFile("contrib/claude-hooks.example.json"),
                                         toPath: home + "/.claude/settings.json")
    }

    func testAClaudeStartedByHandInAShellSessionReportsThroughTheUsersHooks() throws {
        let script = m.root + "/hand.script.json"
        let turns: [[[String: Any]]] = [[["tools": [["name": "Read", "input": ["file_path": work + "/src/a.swift"]]]],
                                         ["say": "Done by hand."]]]
        try JSONSerialization.data(withJSONObject: ["turns": turns]).write(to: URL(fileURLWithPath: script))
        let line = "new hand agent=shell dir=\(work) command=\"claude \\\"Fix the bug\\\"\" env.FAKE_CLAUDE_SCRIPT=\(script)"
        XCTAssertEqual(m.write("control", line + "\n"), 0, m.read("control") ?? "")
        XCTAssertTrue(waitUntil(15) { self.reported("hand").contains("idle Done by hand.") }, "\(reported("hand"))")
        let r = reported("hand")
        XCTAssertEqual(r.filter { $0.hasPrefix("prompt ") }, ["prompt Fix the bug"])
        XCTAssertTrue(r.contains("tool Read src/a.swift"), "\(r)")
        XCTAssertTrue((m.read("hand/files") ?? "").contains("read 1 src/a.swift"), m.read("hand/files") ?? "")
        XCTAssertEqual(m.status("hand", "agent"), "shell")
        XCTAssertEqual(m.status("hand", "command"), "claude 'Fix the bug'", "Claude Code as the user ran it: no settings of hivefs's")
    }

    func testASessionHivefsWiresIsNotReportedTwice() {
        newClaude("wired", turns: [[["say": "Once."]]])
        waitReport("wired", "idle")
        let r = reported("wired")
        XCTAssertEqual(r.filter { $0.hasPrefix("prompt ") }.count, 1, "\(r)")
        XCTAssertEqual(r.filter { $0.hasPrefix("agent.start ") }.count, 1, "\(r)")
        XCTAssertEqual(r.filter { $0.hasPrefix("idle ") }, ["idle Once."], "\(r)")
    }
}
