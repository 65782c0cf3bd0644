import Foundation
import XCTest

/// Gemini CLI sessions, with the project's fake Gemini (Tests/Fixtures/fake-gemini):
/// hooks through the system settings path, tokens from the chat record, resume.
final class GeminiTests: MountedTestCase {
    var geminiHome: String { m.root + "/gemini-home" }
    var work: String { m.root + "/work" }

    override func prepare(_ m: MountFixture) throws {
        for d in [geminiHome, work] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try "# app\n".write(toFile: work + "/README.md", atomically: false, encoding: .utf8)
        // The machine's own system settings, which must be carried over.
        try #"{"general":{"vimMode":true},"hooks":{"AfterAgent":[{"hooks":[{"type":"command","command":"true"}]}]}}"#
            .write(toFile: m.root + "/system-settings.json", atomically: false, encoding: .utf8)
        try m.installFakes(["gemini": "fake-gemini"], env: ["GEMINI_CLI_HOME=" + geminiHome,
                                                            "GEMINI_CLI_SYSTEM_SETTINGS_PATH=" + m.root + "/system-settings.json"])
    }

    private func truth(_ name: String) -> [String: Int] {
        guard let d = FileManager.default.contents(atPath: m.root + "/\(name).truth.json"),
              let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return o.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    private func argvs(_ name: String) -> [[String: Any]] { m.jsonLines(m.root + "/\(name).argv.jsonl") }

    private func idles(_ name: String) -> Int {
        (m.read(name + "/events") ?? "").components(separatedBy: " idle gemini: ").count - 1
    }

    func testATurnShowsItsPromptToolFileTokensAndResumes() throws {
        let err = m.write("control", "new gm agent=gemini dir=\(work) prompt=\"Explain the app\" "
                          + "env.FAKE_GEMINI_ARGV_LOG=\(m.root)/gm.argv.jsonl env.FAKE_GEMINI_TRUTH=\(m.root)/gm.truth.json\n")
        XCTAssertEqual(err, 0, m.read("control") ?? "")
        XCTAssertTrue(waitUntil(10) { self.idles("gm") == 1 }, m.read("gm/events") ?? "")
        m.waitState("gm", ["idle"])
        let events = m.read("gm/events") ?? ""
        for expected in [" agent.start startup session ", " prompt Explain the app\n", " tool read_file README.md\n",
                         " tool.done read_file README.md\n", " idle gemini: Explain the app\n"] {
            XCTAssertTrue(events.contains(expected), "\(expected) in\n\(events)")
        }
        XCTAssertEqual(m.read("gm/files"), "read 1 README.md\n")
        let t = truth("gm")
        XCTAssertTrue(waitUntil(5) { self.m.status("gm", "tokens.output") == String((t["output"] ?? 0) + (t["thoughts"] ?? 0)) },
                      "the streamed answer counted once, thoughts as output: \(m.read("gm/status") ?? "")")
        XCTAssertEqual(m.status("gm", "tokens.input"), String((t["input"] ?? 0) - (t["cached"] ?? 0)))
        XCTAssertEqual(m.status("gm", "tokens.cache_read"), String(t["cached"] ?? -1))
        XCTAssertEqual(m.status("gm", "model"), "gemini-2.5-pro")
        XCTAssertEqual(m.status("gm", "reports"), "hooks")
        let session = try XCTUnwrap(m.status("gm", "agent.session"))
        XCTAssertNotEqual(session, "-")
        // The settings hivefs gave: the machine's own carried over, its hooks beside hivefs's.
        let first = try XCTUnwrap(argvs("gm").first)
        XCTAssertEqual(first["argv"] as? [String], ["--prompt-interactive", "Explain the app"])
        let settingsPath = try XCTUnwrap(first["settings"] as? String)
        XCTAssertEqual(settingsPath, m.state + "/sessions/gm/gemini-settings.json")
        let settings = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: settingsPath))) as? [String: Any])
        XCTAssertEqual((settings["general"] as? [String: Any])?["vimMode"] as? Bool, true)
        XCTAssertEqual(((settings["hooks"] as? [String: Any])?["AfterAgent"] as? [Any])?.count, 2)

        // A second turn, then a restart that resumes the same session.
        XCTAssertEqual(m.write("gm/control", "send next\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.idles("gm") == 2 })
        XCTAssertEqual(m.write("gm/control", "kill\n"), 0)
        m.waitState("gm", ["killed"])
        XCTAssertEqual(m.write("gm/control", "restart\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.argvs("gm").count == 2 })
        XCTAssertEqual(argvs("gm").last?["argv"] as? [String], ["--resume", session])
        XCTAssertTrue(waitUntil(10) { (self.m.read("gm/events") ?? "").contains(" agent.start resume session \(session)") })
        let t2 = truth("gm")
        XCTAssertTrue(waitUntil(5) { self.m.status("gm", "tokens.output") == String((t2["output"] ?? 0) + (t2["thoughts"] ?? 0)) })
    }

    func testARunWithoutHooksFallsBackToTheScreenAndSaysSo() {
        XCTAssertEqual(m.write("control", "new old agent=gemini dir=\(work) prompt=\"slow task\" "
                               + "env.FAKE_GEMINI_NO_HOOKS=1 env.FAKE_GEMINI_TURN_S=3\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.m.status("old", "reports") == "screen (no hook since it started)" },
                      m.status("old", "reports") ?? "")
        m.waitState("old", ["working"])
        XCTAssertTrue(waitUntil(10) { (self.m.read("old/screen") ?? "").contains("gemini: slow task") })
        m.waitState("old", ["idle"])
        XCTAssertEqual(m.status("old", "tokens.output"), "-", "no hook named the chat record")
    }
}
