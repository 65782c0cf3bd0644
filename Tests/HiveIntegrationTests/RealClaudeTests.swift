import Foundation
import XCTest

/// The real Claude Code through hivefs: what a user sees in the tree while it works.
final class RealClaudeTests: RealClaudeTestCase {
    func testAPromptRunsToIdleWithToolsFilesAndTheTranscriptsTokens() throws {
        newClaude("run", prompt: "[[read src/a.swift]] [[edit src/a.swift 1 2]] [[say Edited the file.]]", extra: "mode=acceptEdits")
        m.waitState("run", ["idle"], timeout: 60)
        XCTAssertTrue(waitUntil(10) { self.kinds("run", ["idle"]).contains { $0.contains("Edited the file.") } }, evidence("run"))
        XCTAssertEqual(try String(contentsOfFile: work + "/src/a.swift", encoding: .utf8), "let a = 2\n", "the edit happened")
        let reported = kinds("run", ["prompt", "tool", "tool.done", "idle"])
        let tools = reported.filter { $0.hasPrefix("tool ") }
        XCTAssertEqual(tools, ["tool Read src/a.swift", "tool Edit src/a.swift"], evidence("run"))
        XCTAssertEqual(reported.first?.hasPrefix("prompt "), true, evidence("run"))
        let files = m.read("run/files") ?? ""
        XCTAssertTrue(files.contains("read") && files.contains("edit") && files.contains("src/a.swift"), files)
        // Tokens are exactly the transcript's, which holds every conversation response the server gave.
        let truth = server.answeredTokens(api: "anthropic")
        XCTAssertTrue(waitUntil(10) { self.m.status("run", "tokens.output") == String(truth["output"] ?? -1) },
                      "status: \(m.read("run/status") ?? "") truth: \(truth)")
        XCTAssertEqual(m.status("run", "tokens.input"), String(truth["input"] ?? -1))
        XCTAssertEqual(m.status("run", "tokens.cache_read"), String(truth["cache_read"] ?? -1))
        XCTAssertEqual(m.status("run", "tokens.cache_write"), String(truth["cache_write"] ?? -1))
        XCTAssertEqual(m.status("run", "mode"), nil, "mode is a spec file, not a status key")
        XCTAssertEqual(m.read("run/mode"), "acceptEdits\n")
        XCTAssertTrue((m.status("run", "command") ?? "").contains("--permission-mode acceptEdits"), m.read("run/status") ?? "")
    }

    func testAPermissionIsShownApprovedAndDenied() throws {
        newClaude("ask", prompt: "[[bash touch made-by-claude]] [[say Touched.]]", extra: "mode=default")
        m.waitState("ask", ["waiting"], timeout: 60)
        let p = waitPermission("ask")
        XCTAssertEqual(p["kind"], "tool", evidence("ask"))
        XCTAssertEqual(p["tool"], "Bash")
        XCTAssertEqual(p["subject"], "touch made-by-claude")
        XCTAssertEqual(p["option 1"], "Yes", evidence("ask"))
        XCTAssertEqual(p["approve"], "1")
        XCTAssertNotNil(p["deny"])
        let id = try XCTUnwrap(p["id"])
        XCTAssertTrue((m.status("ask", "reason") ?? "").hasPrefix("permission Bash touch made-by-claude (approve \(id)"),
                      m.status("ask", "reason") ?? "")
        let json = try XCTUnwrap(m.read("ask/permission.json"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(object["tool"] as? String, "Bash")
        XCTAssertEqual((object["options"] as? [String])?.first, "Yes")

        XCTAssertEqual(m.write("ask/control", "approve \(Int(id)! + 1)\n"), EINVAL, "an id never given")
        XCTAssertEqual(m.write("ask/control", "approve \(id)\n"), 0, m.read("ask/control") ?? "")
        XCTAssertTrue(waitUntil(30) { FileManager.default.fileExists(atPath: self.work + "/made-by-claude") }, evidence("ask"))
        m.waitState("ask", ["idle"], timeout: 60)
        XCTAssertEqual(m.read("ask/permission"), "", "nothing is asked any more")
        XCTAssertEqual(m.write("ask/control", "approve \(id)\n"), ESTALE, "answered already: nothing is pressed")
        XCTAssertEqual(m.write("ask/control", "deny\n"), ENOMSG, "nothing waits for an answer")

        // The next question has the next id; deny keeps the command from running.
        XCTAssertEqual(m.write("ask/control", "send [[bash touch never-made]] [[say Fine.]]\n"), 0)
        m.waitState("ask", ["waiting"], timeout: 60)
        let q = waitPermission("ask")
        XCTAssertEqual(q["id"], String(Int(id)! + 1))
        XCTAssertEqual(q["subject"], "touch never-made")
        XCTAssertEqual(m.write("ask/control", "deny \(q["id"] ?? "")\n"), 0, m.read("ask/control") ?? "")
        m.waitState("ask", ["idle"], timeout: 60)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/never-made"))
        XCTAssertTrue(kinds("ask", ["permission.answered"]).count == 2, evidence("ask"))
        XCTAssertEqual(kinds("ask", ["interrupt"]), ["interrupt permission_denied"], "a No ends the turn: " + evidence("ask"))
    }

    /// In its own default mode (auto) Claude Code asks before reading outside the
    /// working directories, in words of its own; `approve` allows this read only.
    func testAReadOutsideTheWorkingDirectoryInAutoMode() throws {
        try "outside\n".write(toFile: m.root + "/outside.txt", atomically: false, encoding: .utf8)
        newClaude("out", prompt: "[[read \(m.root)/outside.txt]] [[say Read outside.]]")
        let p = waitPermission("out", timeout: 60)
        XCTAssertEqual(p["question"], "Allow this read outside the working directories?", evidence("out"))
        XCTAssertEqual(p["tool"], "Read")
        XCTAssertEqual(p["subject"], m.root + "/outside.txt")
        XCTAssertEqual(p["approve"], "4", "Yes, but ask again next time")
        XCTAssertEqual(m.write("out/control", "approve\n"), 0, m.read("out/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.kinds("out", ["idle"]).contains { $0.contains("Read outside.") } }, evidence("out"))
        XCTAssertTrue((m.read("out/files") ?? "").contains(m.root + "/outside.txt"), m.read("out/files") ?? "")
    }

    /// Auto mode's own check refuses a call: Claude Code says so with PermissionDenied.
    func testAutoModeRefusingACallIsAnEvent() throws {
        newClaude("risky", prompt: "[[risky touch risky-file]] [[say Refused.]]", extra: "mode=auto")
        XCTAssertTrue(waitUntil(60) { !self.kinds("risky", ["tool.denied"]).isEmpty }, evidence("risky"))
        XCTAssertTrue(kinds("risky", ["tool.denied"])[0].hasPrefix("tool.denied Bash touch risky-file — "), evidence("risky"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/risky-file"))
    }
}

/// Claude Code's start-up question "Make auto mode your default permission mode?"
/// comes while the session looks idle: it is a question in `permission` all the same.
final class RealClaudeStartupQuestionTests: RealClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        // It is asked of users whose settings choose another mode and who have not seen it.
        let file = home + "/.claude.json"
        var config = try XCTUnwrap(JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        config["hasSeenAutoDefaultNudge"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: file))
        try #"{"permissions": {"defaultMode": "default"}}"#.write(toFile: home + "/.claude/settings.json", atomically: false, encoding: .utf8)
    }

    func testTheAutoModeQuestionWaitsAndDenyKeepsManualMode() throws {
        newClaude("nudge", prompt: "")
        let p = waitPermission("nudge", timeout: 60)
        XCTAssertEqual(p["kind"], "question", evidence("nudge"))
        XCTAssertEqual(p["question"], "Make auto mode your default permission mode?")
        XCTAssertEqual(m.state("nudge"), "waiting")
        XCTAssertEqual(m.write("nudge/control", "deny \(p["id"] ?? "")\n"), 0, m.read("nudge/control") ?? "")
        XCTAssertTrue(waitUntil(30) { self.m.read("nudge/permission") == "" }, evidence("nudge"))
        XCTAssertEqual(m.write("nudge/control", "send [[bash touch asked-first]] [[say ok]]\n"), 0)
        let q = waitPermission("nudge", timeout: 60)
        XCTAssertEqual(q["tool"], "Bash", "manual mode kept: it asks: " + evidence("nudge"))
    }
}
