import Foundation
import XCTest

/// Claude Code's status line carries its cost live, side calls included: hivefs runs
/// its own status-line command in front of the user's, which keeps showing.
final class RealClaudeStatusLineTests: RealClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        try #"{"statusLine": {"type": "command", "command": "cat > \"$HOME/user-status.json\"; echo users own status line"}}"#
            .write(toFile: home + "/.claude/settings.json", atomically: false, encoding: .utf8)
    }

    func testTheCostIsClaudeCodesOwnWhileItRunsAndTheUsersStatusLineStays() throws {
        newClaude("live", prompt: "[[read src/a.swift]] [[say Read it.]]")
        XCTAssertTrue(waitUntil(60) { self.kinds("live", ["idle"]).contains { $0.contains("Read it.") } }, evidence("live"))
        // Claude Code's own running total, from its status line, before it exits.
        let snapshot = m.state + "/sessions/live/statusline.json"
        XCTAssertTrue(waitUntil(10) { self.m.status("live", "cost.source") == "agent" }, m.read("live/status") ?? "")
        let data = try XCTUnwrap(FileManager.default.contents(atPath: snapshot))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let total = try XCTUnwrap((object["cost"] as? [String: Any])?["total_cost_usd"] as? Double)
        XCTAssertTrue(waitUntil(10) { self.m.status("live", "cost.usd") == String(format: "%.4f", total) }, m.read("live/status") ?? "")
        // The title call is in it: what every response the server gave costs, side calls included.
        XCTAssertGreaterThan(server.cost(sideOnly: true), 0, "a title was asked for")
        XCTAssertEqual(total, server.cost(), accuracy: 0.01, "the server's truth, priced, to the cent")
        // The user's own status line still runs, on the same snapshot, and shows.
        XCTAssertTrue(waitUntil(10) { FileManager.default.fileExists(atPath: self.home + "/user-status.json") })
        XCTAssertTrue(waitUntil(10) { (self.m.read("live/screen") ?? "").contains("users own status line") },
                      m.read("live/screen") ?? "")
        XCTAssertFalse(kinds("live", ["hook", "hook.unreadable"]).contains { $0.contains("StatusLine") }, "no event per snapshot")
        // At exit its cost-state total is the same figure.
        XCTAssertEqual(m.write("live/control", "send /exit\n"), 0)
        m.waitState("live", ["exited"], timeout: 30)
        XCTAssertEqual(m.status("live", "cost.source"), "agent")
        XCTAssertEqual(m.status("live", "cost.usd"), String(format: "%.4f", total))
    }
}
