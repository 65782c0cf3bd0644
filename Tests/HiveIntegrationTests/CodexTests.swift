import Foundation
import XCTest

/// Codex CLI sessions, with the project's fake Codex (Tests/Fixtures/fake-codex):
/// `notify` ends each turn, the rollout gives the tokens, `restart` resumes the thread.
final class CodexTests: MountedTestCase {
    var codexHome: String { m.root + "/codex-home" }
    var work: String { m.root + "/work" }

    override func prepare(_ m: MountFixture) throws {
        for d in [codexHome, work] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try m.installFakes(["codex": "fake-codex"], env: ["CODEX_HOME=" + codexHome])
    }

    private func newCodex(_ name: String, prompt: String, extra: String = "", file: StaticString = #filePath, line: UInt = #line) {
        let err = m.write("control", "new \(name) agent=codex dir=\(work) prompt=\"\(prompt)\" \(extra) "
                          + "env.FAKE_CODEX_ARGV_LOG=\(m.root)/\(name).argv.jsonl env.FAKE_CODEX_TRUTH=\(m.root)/\(name).truth.json\n")
        XCTAssertEqual(err, 0, "new \(name): \(m.read("control") ?? "")", file: file, line: line)
    }

    private func truth(_ name: String) -> [String: Int] {
        guard let d = FileManager.default.contents(atPath: m.root + "/\(name).truth.json"),
              let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return o.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    private func argvs(_ name: String) -> [[String]] {
        m.jsonLines(m.root + "/\(name).argv.jsonl").compactMap { $0["argv"] as? [String] }
    }

    private func idles(_ name: String) -> Int {
        (m.read(name + "/events") ?? "").components(separatedBy: " idle done: ").count - 1
    }

    func testATurnEndsIdleWithItsThreadAndTokens() throws {
        newCodex("cx", prompt: "Fix the bug", extra: "env.FAKE_CODEX_TURN_S=2")
        // Codex reports no turn's start: its title's spinner and running line say it works.
        m.waitState("cx", ["working"], timeout: 5)
        // Before any notification, the rollout Codex keeps open names the thread.
        XCTAssertTrue(waitUntil(2) { self.m.status("cx", "agent.session") != "-" }, m.read("cx/events") ?? "")
        XCTAssertEqual(m.state("cx"), "working")
        XCTAssertTrue(waitUntil(10) { self.idles("cx") == 1 }, m.read("cx/events") ?? "")
        m.waitState("cx", ["idle"])
        let t = truth("cx")
        XCTAssertEqual(t["turns"], 1)
        XCTAssertTrue(waitUntil(5) { self.m.status("cx", "tokens.output") == "100" }, m.read("cx/status") ?? "")
        XCTAssertEqual(m.status("cx", "tokens.input"), String((t["input"] ?? 0) - (t["cached"] ?? 0)),
                       "cached input is shown apart, and the twice-written count counted once")
        XCTAssertEqual(m.status("cx", "tokens.cache_read"), String(t["cached"] ?? -1))
        XCTAssertEqual(m.status("cx", "model"), "gpt-5.1-codex")
        XCTAssertEqual(m.status("cx", "message"), "done: Fix the bug")
        let thread = try XCTUnwrap(m.status("cx", "agent.session"))
        let argv = try XCTUnwrap(argvs("cx").first)
        XCTAssertEqual(argv.first, "-c")
        XCTAssertTrue(argv[1].hasPrefix("notify=[\""), argv[1])
        XCTAssertEqual(argv.last, "Fix the bug")
        let rollouts = m.sh("find \(codexHome)/sessions -name 'rollout-*-\(thread).jsonl'").out
        XCTAssertFalse(rollouts.isEmpty, "agent.session is the thread of a rollout")
        // The thread Codex names the conversation in ends first: an event, not the session's turn.
        let events = m.read("cx/events") ?? ""
        XCTAssertEqual(events.components(separatedBy: " notification title: Fix the bug\n").count - 1, 1, events)
        XCTAssertTrue(events.range(of: " notification title")!.lowerBound < events.range(of: " idle done: ")!.lowerBound, events)
        XCTAssertEqual(m.status("cx", "cost.unpriced"), "gpt-5.1-codex", "no price is guessed")
    }

    func testSendStartsAnotherTurnAndRestartResumesTheThread() throws {
        newCodex("more", prompt: "first")
        XCTAssertTrue(waitUntil(10) { self.idles("more") == 1 })
        XCTAssertEqual(m.write("more/control", "send second task\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.idles("more") == 2 }, m.read("more/events") ?? "")
        XCTAssertTrue(waitUntil(5) { self.m.status("more", "tokens.output") == "200" })
        let thread = try XCTUnwrap(m.status("more", "agent.session"))
        XCTAssertEqual(m.write("more/control", "kill\n"), 0)
        m.waitState("more", ["killed"])
        XCTAssertEqual(m.write("more/control", "restart\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.argvs("more").count == 2 })
        XCTAssertEqual(argvs("more").last?.suffix(2), ["resume", thread])
        m.waitState("more", ["working", "idle"])
        XCTAssertEqual(m.write("more/control", "send third\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.idles("more") == 3 })
        XCTAssertTrue(waitUntil(5) { self.m.status("more", "tokens.output") == "300" }, "the resumed thread goes on from its totals")
        XCTAssertEqual(m.status("more", "agent.session"), thread)
    }

    func testModeIsAnApprovalPolicyAndASandbox() throws {
        newCodex("md", prompt: "read only", extra: "mode=never+read-only")
        XCTAssertTrue(waitUntil(10) { self.idles("md") == 1 }, m.read("md/events") ?? "")
        let argv = try XCTUnwrap(argvs("md").first)
        XCTAssertEqual(Array(argv[2..<6]), ["--ask-for-approval", "never", "--sandbox", "read-only"])
        XCTAssertEqual(m.write("control", "new no agent=codex dir=\(work) mode=on-failure\n"), EINVAL, "gone from Codex 0.163")
    }

    func testAMissingCodexFailsNamingIt() {
        let err = m.write("control", "new gone agent=codex dir=\(work) command=\"codex-not-installed\" prompt=hi\n")
        XCTAssertEqual(err, 0)
        m.waitState("gone", ["failed"])
        XCTAssertTrue((m.status("gone", "reason") ?? "").contains("codex-not-installed"), m.status("gone", "reason") ?? "")
    }
}
