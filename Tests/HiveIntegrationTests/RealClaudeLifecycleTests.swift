import Foundation
import XCTest

/// The real Claude Code through a session's life: pause, resume, interrupt, kill,
/// restart with its conversation, cost as it counts it, and a daemon crash.
final class RealClaudeLifecycleTests: RealClaudeTestCase {
    /// The transcript Claude Code writes for a session.
    func transcript(_ name: String) -> String {
        let folder = String(work.unicodeScalars.map { s -> Character in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") ? Character(s) : "-"
        })
        return home + "/.claude/projects/" + folder + "/" + (m.status(name, "agent.session") ?? "-") + ".jsonl"
    }

    /// The `totalCostUSD` of the transcript's last cost-state line: Claude Code's own figure.
    func claudesOwnCost(_ name: String) -> Double? {
        ((try? String(contentsOfFile: transcript(name), encoding: .utf8)) ?? "").split(separator: "\n").compactMap { l -> Double? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any],
                  o["type"] as? String == "cost-state" else { return nil }
            return (o["totalCostUSD"] as? NSNumber)?.doubleValue
        }.last
    }

    func testPauseResumeInterruptAndKill() throws {
        newClaude("life", prompt: "[[slow 300]]")
        m.waitState("life", ["working"], timeout: 60)
        let pid = try assertPauseAndResume("life")
        // Escape in the middle of the stream: Claude Code 2.1.337 says so with its Interrupt hook.
        XCTAssertEqual(m.write("life/control", "interrupt\n"), 0)
        m.waitState("life", ["idle"], timeout: 30)
        XCTAssertEqual(kinds("life", ["interrupt"]), ["interrupt stop"], evidence("life"))
        XCTAssertEqual(kinds("life", ["idle"]), [], "cut short: Claude Code never said its turn ended")
        XCTAssertEqual(m.write("life/control", "kill\n"), 0)
        XCTAssertEqual(m.state("life"), "killed")
        XCTAssertFalse(alive(pid))
    }

    func testRestartResumesTheConversationAndCostIsClaudeCodesOwn() throws {
        newClaude("cost", prompt: "[[say one]]")
        XCTAssertTrue(waitUntil(60) { self.kinds("cost", ["idle"]).contains { $0.contains("one") } }, evidence("cost"))
        let session = try XCTUnwrap(m.status("cost", "agent.session"))
        XCTAssertEqual(m.write("cost/control", "send /exit\n"), 0)
        m.waitState("cost", ["exited"], timeout: 30)
        let first = try XCTUnwrap(claudesOwnCost("cost"), "Claude Code wrote no cost-state line")
        XCTAssertEqual(m.status("cost", "cost.source"), "agent")
        XCTAssertEqual(m.status("cost", "cost.usd"), String(format: "%.4f", first))
        // The title call is in Claude Code's figure and in the server's truth, not in the transcript's tokens.
        XCTAssertTrue(server.truth.contains { $0["side"] as? Bool == true }, "a title was asked for")
        let summary = m.read("cost/summary") ?? ""
        XCTAssertTrue(summary.contains("cost.usd \(String(format: "%.4f", first))\n") && summary.contains("cost.source agent\n"), summary)

        XCTAssertEqual(m.write("cost/control", "restart\n"), 0)
        m.waitState("cost", ["idle"], timeout: 60)
        XCTAssertEqual(m.status("cost", "agent.session"), session, "the same conversation")
        XCTAssertTrue((m.status("cost", "command") ?? "").contains("--resume \(session)"), m.status("cost", "command") ?? "")
        XCTAssertEqual(m.write("cost/control", "send [[say two]]\n"), 0)
        XCTAssertTrue(waitUntil(60) { self.kinds("cost", ["idle"]).contains { $0.contains("two") } }, evidence("cost"))
        XCTAssertEqual(m.write("cost/control", "send /exit\n"), 0)
        m.waitState("cost", ["exited"], timeout: 30)
        let total = try XCTUnwrap(claudesOwnCost("cost"))
        XCTAssertGreaterThan(total, first, "Claude Code's total goes on across the resume")
        XCTAssertEqual(m.status("cost", "cost.usd"), String(format: "%.4f", total))
        XCTAssertEqual(m.status("cost", "cost.source"), "agent")
        // And it is what the server's usage costs at Claude Code's prices, to the cent.
        XCTAssertEqual(total, server.cost(), accuracy: 0.01, "the server's truth, priced")
    }

    func testADaemonCrashLosesNothingClaudeCodeReported() throws {
        newClaude("crash", prompt: "[[slow 400]] [[read src/a.swift]] [[say Read it after the crash, slowly.]]")
        m.waitState("crash", ["working"], timeout: 60)
        m.crashDaemon()
        // Claude Code works on while no daemon runs; its hooks wait on disk.
        XCTAssertTrue(waitUntil(60) {
            (try? String(contentsOfFile: self.m.state + "/sessions/crash/hooks.log", encoding: .utf8))?.contains("\"Stop\"") == true
        }, "the turn ended while no daemon ran")
        try m.mount()
        m.waitState("crash", ["idle"], timeout: 30)
        XCTAssertTrue(kinds("crash", ["idle"]).contains { $0.contains("Read it after the crash, slowly.") }, evidence("crash"))
        XCTAssertTrue(kinds("crash", ["tool"]).contains("tool Read src/a.swift"), evidence("crash"))
        let truth = server.answeredTokens(api: "anthropic")
        XCTAssertTrue(waitUntil(10) { self.m.status("crash", "tokens.output") == String(truth["output"] ?? -1) },
                      "status: \(m.read("crash/status") ?? "") truth: \(truth)")
        XCTAssertEqual(m.status("crash", "tokens.input"), String(truth["input"] ?? -1))
    }

    /// `send` types the text, waits, then presses Enter: Claude Code's paste detection
    /// takes fast input as a paste, and an Enter inside it would be text.
    func testSendIsTakenAsOnePromptNotAPaste() throws {
        newClaude("send", prompt: "[[say ready]]")
        XCTAssertTrue(waitUntil(60) { self.kinds("send", ["idle"]).contains { $0.contains("ready") } }, evidence("send"))
        let text = "Please look at src/a.swift and then [[say Looked at it.]] thank you"
        XCTAssertEqual(m.write("send/control", "send \(text)\n"), 0)
        XCTAssertTrue(waitUntil(60) { self.kinds("send", ["idle"]).contains { $0.contains("Looked at it.") } }, evidence("send"))
        XCTAssertEqual(kinds("send", ["prompt"]).last, "prompt " + text)
    }
}
