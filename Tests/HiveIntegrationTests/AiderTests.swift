import Foundation
import XCTest

/// Aider sessions, with the project's fake Aider (Tests/Fixtures/fake-aider):
/// its notifications command says when it waits, the screen says for what.
final class AiderTests: MountedTestCase {
    var work: String { m.root + "/work" }

    override func prepare(_ m: MountFixture) throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try m.installFakes(["aider": "fake-aider"])
    }

    private func argvs(_ name: String) -> [[String]] {
        m.jsonLines(m.root + "/\(name).argv.jsonl").compactMap { $0["argv"] as? [String] }
    }

    private func count(_ name: String, _ text: String) -> Int {
        (m.read(name + "/events") ?? "").components(separatedBy: text).count - 1
    }

    func testWaitingForInputIsIdleAQuestionIsWaitingAndRestartRestoresTheChat() throws {
        XCTAssertEqual(m.write("control", "new ai agent=aider dir=\(work) prompt=\"Refactor the parser\" "
                               + "env.FAKE_AIDER_ARGV_LOG=\(m.root)/ai.argv.jsonl\n"), 0, m.read("control") ?? "")
        XCTAssertTrue(waitUntil(10) { self.count("ai", " idle waiting for input\n") >= 1 }, m.read("ai/events") ?? "")
        m.waitState("ai", ["idle"])
        let history = m.state + "/sessions/ai/aider.chat.history.md"
        XCTAssertTrue(((try? String(contentsOfFile: history, encoding: .utf8)) ?? "").contains("#### Refactor the parser"),
                      "the prompt was typed, and the history is kept in the session's folder")
        let argv = try XCTUnwrap(argvs("ai").first)
        XCTAssertEqual(Array(argv.prefix(2)), ["--notifications", "--notifications-command"])
        XCTAssertEqual(argv[4], history)
        XCTAssertEqual(m.status("ai", "tokens.input"), "-", "Aider's rounded counts are not shown as numbers")

        // A yes/no question: waiting, with the question as the reason. Aider asks it
        // before it sends the message, and notifies nothing: its quiet screen says so.
        XCTAssertEqual(m.write("ai/control", "send please add file src/a.py\n"), 0)
        m.waitState("ai", ["waiting"])
        XCTAssertTrue(waitUntil(5) { self.m.read("ai/permission") != "" }, m.read("ai/events") ?? "")
        XCTAssertEqual(m.status("ai", "reason"), "permission src/a.py (approve 1, deny 1, answer 1 N; see permission)")
        XCTAssertEqual(m.read("ai/permission"), """
            id 1
            kind tool
            subject src/a.py
            question Add file to the chat?
            option 1 Yes
            option 2 No
            option 3 Don't ask again
            approve 1
            deny 2

            """)
        XCTAssertEqual(count("ai", " idle waiting for input\n"), 1, "no notification before the question")
        XCTAssertEqual(m.write("ai/control", "approve\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.count("ai", " idle waiting for input\n") >= 2 }, (m.read("ai/events") ?? "") + (m.read("ai/screen") ?? ""))
        m.waitState("ai", ["idle"])

        XCTAssertEqual(m.write("ai/control", "kill\n"), 0)
        m.waitState("ai", ["killed"])
        XCTAssertEqual(m.write("ai/control", "restart\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.argvs("ai").count == 2 })
        XCTAssertEqual(argvs("ai").last?.last, "--restore-chat-history")
        m.waitState("ai", ["idle"])
        XCTAssertTrue(waitUntil(5) { (try? String(contentsOfFile: history, encoding: .utf8))?.contains("aider chat started") == true })
        let restored = (try? String(contentsOfFile: history, encoding: .utf8)) ?? ""
        XCTAssertEqual(restored.components(separatedBy: "#### Refactor the parser").count - 1, 1,
                       "the first prompt is in the restored chat; it is not typed again: " + restored)
    }
}
