import Foundation
import XCTest

/// The real Claude Code's workspace-trust dialog, in folders ~/.claude.json does not trust.
final class RealClaudeTrustTests: RealClaudeTestCase {
    override var trusted: Bool { false }

    var configFile: String { home + "/.claude.json" }

    func config() -> [String: Any] {
        guard let d = FileManager.default.contents(atPath: configFile),
              let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return o
    }

    func trusts(_ dir: String) -> Bool {
        ((config()["projects"] as? [String: Any])?[dir] as? [String: Any])?["hasTrustDialogAccepted"] as? Bool == true
    }

    func testTheTrustDialogIsAPermissionThatApproveAnswers() throws {
        newClaude("dialog", prompt: "[[say Trusted and running.]]")
        m.waitState("dialog", ["waiting"], timeout: 60)
        let p = waitPermission("dialog")
        XCTAssertEqual(p["kind"], "trust", evidence("dialog"))
        // As Claude Code 2.1.337 shows them: "No, exit" first, with the focus.
        XCTAssertEqual(p["option 1"], "No, exit", evidence("dialog"))
        XCTAssertEqual(p["option 2"], "Yes, I trust this folder")
        XCTAssertEqual(p["approve"], "2")
        XCTAssertEqual(p["deny"], "1")
        XCTAssertEqual(m.status("dialog", "reason"), "workspace trust dialog (approve 1, deny 1, answer 1 N; see permission)")
        XCTAssertEqual(m.write("dialog/control", "approve 1\n"), 0, m.read("dialog/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.kinds("dialog", ["idle"]).contains { $0.contains("Trusted and running.") } },
                      evidence("dialog"))
        XCTAssertTrue(trusts(work), "Claude Code recorded the answer itself")
    }

    func testDenyingTheTrustDialogEndsTheSession() throws {
        newClaude("no", prompt: "[[say never]]")
        let p = waitPermission("no", timeout: 60)
        XCTAssertEqual(m.write("no/control", "deny \(p["id"] ?? "")\n"), 0, m.read("no/control") ?? "")
        m.waitState("no", ["exited"], timeout: 30)
        XCTAssertFalse(trusts(work))
    }

    func testWorktreesAndTrustYesFoldersAreTrustedBeforeClaudeStarts() throws {
        let repo = makeRepo("repo")
        newClaude("wt", prompt: "[[say In a worktree.]]", dir: repo, extra: "worktree=yes")
        newClaude("marked", prompt: "[[say Marked.]]", extra: "trust=yes")
        for (name, said) in [("wt", "In a worktree."), ("marked", "Marked.")] {
            XCTAssertTrue(waitUntil(60) { self.kinds(name, ["idle"]).contains { $0.contains(said) } }, evidence(name))
            XCTAssertFalse(kinds(name, ["permission.asked"]).contains { $0.contains("trust") }, "no trust dialog: " + evidence(name))
        }
        let worktree = try XCTUnwrap(m.status("wt", "worktree"))
        XCTAssertTrue(trusts(worktree))
        XCTAssertTrue(trusts(work))
        XCTAssertFalse(trusts(repo), "only the folders hivefs made or was told to trust")
        XCTAssertTrue((m.read("wt/events") ?? "").contains(" trust \(worktree) marked trusted in \(configFile)\n"))
    }

    /// Claude Code rewrites ~/.claude.json as it starts and as it exits, under its
    /// lock (`.claude.json.lock`, a directory), reading the file again each time;
    /// at exit it records the session under its repository's folder
    /// (`lastSessionId`, `lastCost`). hivefs writes under the same lock. Sessions
    /// that start (hivefs writes) and exit (Claude Code writes) in turn, while another
    /// Claude Code runs throughout, lose none of Claude Code's writes and none of hivefs's.
    func testNoWriteToClaudesConfigIsLostWhileClaudeCodeRuns() throws {
        let repo = makeRepo("busy")
        func entry(_ dir: String) -> [String: Any] { ((config()["projects"] as? [String: Any])?[dir] as? [String: Any]) ?? [:] }
        newClaude("long", prompt: "[[slow 60]] [[say Long turn over.]]", extra: "trust=yes")
        m.waitState("long", ["working"], timeout: 60)
        var worktrees: [String] = []
        for i in 1...3 {
            let n = "w\(i)"
            newClaude(n, prompt: "[[say \(n) ok]]", dir: repo, extra: "worktree=yes")
            XCTAssertTrue(waitUntil(60) { self.kinds(n, ["idle"]).contains { $0.contains("\(n) ok") } }, evidence(n))
            worktrees.append(try XCTUnwrap(m.status(n, "worktree")))
            let id = try XCTUnwrap(m.status(n, "agent.session"))
            XCTAssertEqual(m.write(n + "/control", "kill\n"), 0)
            m.waitState(n, ["killed"], timeout: 20)
            // What Claude Code wrote as it exited is there, and so is every trust hivefs wrote before.
            XCTAssertTrue(waitUntil(10) { entry(repo)["lastSessionId"] as? String == id }, "Claude Code's exit record: \(entry(repo))")
            XCTAssertNotNil(entry(repo)["lastCost"])
            for wt in worktrees { XCTAssertTrue(trusts(wt), "hivefs's trust of \(wt) survived Claude Code's writes") }
        }
        let last = try XCTUnwrap(m.status("w3", "agent.session"))
        XCTAssertTrue(waitUntil(60) { self.kinds("long", ["idle"]).contains { $0.contains("Long turn over.") } }, evidence("long"))
        let longID = try XCTUnwrap(m.status("long", "agent.session"))
        XCTAssertEqual(m.write("long/control", "kill\n"), 0)
        m.waitState("long", ["killed"], timeout: 20)
        XCTAssertTrue(waitUntil(10) { entry(self.work)["lastSessionId"] as? String == longID }, "\(entry(work))")
        XCTAssertEqual(entry(repo)["lastSessionId"] as? String, last)
        for wt in worktrees { XCTAssertTrue(trusts(wt)) }
        XCTAssertTrue(trusts(work))
        XCTAssertNotNil(config()["customApiKeyResponses"], "keys hivefs does not know are kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: configFile + ".lock"), "no lock is left behind")
    }
}
