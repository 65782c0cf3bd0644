import Foundation
import XCTest

/// `queue` with the real Claude Code: prompts appended while it works are typed one a
/// turn once it is idle, each taken once (its UserPromptSubmit hook), in order.
final class RealQueueTests: RealClaudeTestCase {
    func testQueuedPromptsGoOneATurnAndEachIsTakenOnce() throws {
        newClaude("q", prompt: "[[bash sleep 3]] [[say First done.]]", extra: "mode=acceptEdits")
        m.waitState("q", ["working"], timeout: 30)
        XCTAssertEqual(m.sh("echo 'Second, please. [[say Second done.]]' >> $MNT/q/queue").status, 0)
        XCTAssertEqual(m.sh("echo 'Third. [[say Third done.]]' >> $MNT/q/queue").status, 0)
        XCTAssertEqual(m.read("q/queue"), "Second, please. [[say Second done.]]\nThird. [[say Third done.]]\n")
        XCTAssertEqual(m.status("q", "queue"), "2")
        XCTAssertTrue(waitUntil(90) { self.kinds("q", ["idle"]).count >= 3 && self.m.state("q") == "idle" }, evidence("q"))
        // Each was typed after the turn before it ended, and Claude Code took each once.
        let flow = kinds("q", ["queue.sent", "prompt", "idle"])
        XCTAssertEqual(flow, ["prompt [[bash sleep 3]] [[say First done.]]", "idle First done.",
                              "queue.sent 1 Second, please. [[say Second done.]]", "prompt Second, please. [[say Second done.]]",
                              "idle Second done.",
                              "queue.sent 2 Third. [[say Third done.]]", "prompt Third. [[say Third done.]]", "idle Third done."],
                       evidence("q"))
        XCTAssertEqual(m.read("q/queue"), "")
        XCTAssertEqual(m.status("q", "queue"), "0")
        XCTAssertEqual(m.status("q", "message"), "Third done.")
    }
}
