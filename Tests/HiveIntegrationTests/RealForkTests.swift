import Foundation
import XCTest

/// `fork` with the real Claude Code: the new session's agent goes on from the parent's
/// conversation (the model is sent it), under an id of its own, in its own worktree.
final class RealForkTests: RealClaudeTestCase {
    func testAForkedClaudeCarriesTheConversationAndTheWorkAndTheParentGoesOn() throws {
        XCTAssertEqual(m.sh("cd \(work) && git init -q -b main && git -c user.email=t@e -c user.name=T add -A "
                            + "&& git -c user.email=t@e -c user.name=T commit -qm first").status, 0)
        newClaude("p", prompt: "The secret word is walnut. [[write notes.txt draft one\\n]] [[say Noted walnut.]]",
                  extra: "worktree=yes mode=acceptEdits")
        XCTAssertTrue(waitUntil(60) { self.m.state("p") == "idle" && self.kinds("p", ["idle"]).count >= 1 }, evidence("p"))
        let parentID = try XCTUnwrap(m.status("p", "agent.session"))
        let parentWorktree = try XCTUnwrap(m.status("p", "worktree"))
        XCTAssertEqual(try String(contentsOfFile: parentWorktree + "/notes.txt", encoding: .utf8), "draft one\n")

        XCTAssertEqual(m.write("p/control", "fork q prompt=\"Try another way. [[say Forked and still know it.]]\"\n"), 0,
                       m.read("p/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.m.state("q") == "idle" && self.kinds("q", ["idle"]).count >= 1 }, evidence("q"))
        let childID = try XCTUnwrap(m.status("q", "agent.session"))
        XCTAssertNotEqual(childID, parentID)
        XCTAssertEqual(m.status("q", "parent"), "p")
        let snapshot = try XCTUnwrap(events("q").first { $0["kind"] as? String == "fork" }.flatMap { ($0["fork"] as? [String: Any])?["snapshot"] as? String })
        XCTAssertTrue(m.status("q", "command")?.contains("--resume \(snapshot) --fork-session --session-id \(childID)") == true,
                      m.status("q", "command") ?? "")
        // The model was sent the parent's conversation with the fork's prompt.
        let forked = server.requestTexts.filter { $0.contains("Try another way") }
        XCTAssertFalse(forked.isEmpty, evidence("q"))
        XCTAssertTrue(forked.allSatisfy { $0.contains("The secret word is walnut") }, "\(forked)")
        XCTAssertEqual(kinds("q", ["prompt"]).count, 1, "only the fork's own prompt was given: " + evidence("q"))
        XCTAssertTrue((m.read("q/status") ?? "").contains("message Forked and still know it."), evidence("q"))
        // Its worktree has the parent's uncommitted file, on its own branch.
        let worktree = try XCTUnwrap(m.status("q", "worktree"))
        XCTAssertEqual(try String(contentsOfFile: worktree + "/notes.txt", encoding: .utf8), "draft one\n")
        XCTAssertEqual(m.status("q", "branch"), "hive/q")
        // Its transcript is its own; the parent's conversation goes on under its own id.
        let transcripts = events("q").compactMap { $0["transcript"] as? String }
        XCTAssertTrue(transcripts.allSatisfy { $0.hasSuffix("/" + childID + ".jsonl") }, "\(transcripts)")
        XCTAssertEqual(m.write("p/control", "send And again. [[say Parent again.]]\n"), 0)
        XCTAssertTrue(waitUntil(60) { (self.m.read("p/status") ?? "").contains("message Parent again.") }, evidence("p"))
        XCTAssertEqual(m.status("p", "agent.session"), parentID)
        // Each answer is counted once, by the session it was for: the fork's transcript
        // begins with copies of the parent's messages, which are not its own.
        let answered = server.truth.filter { ($0["side"] as? Bool) != true }.compactMap { ($0["output"] as? NSNumber)?.intValue }.reduce(0, +)
        func output(_ name: String) -> Int { Int(m.status(name, "tokens.output") ?? "") ?? 0 }
        XCTAssertTrue(waitUntil(10) { output("p") + output("q") == answered },
                      "p \(output("p")) + q \(output("q")) != \(answered) answered: \(server.truth)")
        XCTAssertGreaterThan(output("q"), 0)
    }

    /// The session's events.jsonl, as objects.
    private func events(_ name: String) -> [[String: Any]] { m.jsonLines(m.state + "/sessions/\(name)/events.jsonl") }
}

/// `fork` with the real Codex CLI: `codex fork THREAD`, a new thread that goes on
/// from the parent's, in the fork's own worktree.
final class RealCodexForkTests: RealCodexTestCase {
    func testAForkedCodexStartsANewThreadFromTheParents() throws {
        newCodex("p", prompt: "The secret word is walnut. [[say Noted walnut.]]", extra: "worktree=yes")
        XCTAssertTrue(waitUntil(60) { self.turnEnded("p", saying: "Noted walnut.") }, evidence("p"))
        m.waitState("p", ["idle"], timeout: 10)
        let parentThread = try XCTUnwrap(m.status("p", "agent.session"))

        XCTAssertEqual(m.write("p/control", "fork q prompt=\"Try another way. [[say Forked.]]\"\n"), 0, m.read("p/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.turnEnded("q", saying: "Forked.") }, evidence("q"))
        let command = m.status("q", "command") ?? ""
        XCTAssertTrue(command.contains(" fork \(parentThread) "), command)
        let childThread = try XCTUnwrap(waitUntil(20) { self.m.status("q", "agent.session").map { $0 != "-" } == true }
                                        ? m.status("q", "agent.session") : nil, evidence("q"))
        XCTAssertNotEqual(childThread, parentThread)
        XCTAssertEqual(rollouts(childThread).count, 1, "the fork's thread has a rollout of its own")
        // The model was sent the parent's conversation with the fork's prompt.
        let dump = (try? String(contentsOfFile: server.dumpPath, encoding: .utf8)) ?? ""
        let forked = dump.split(separator: "\n").filter { $0.contains("Try another way") }
        XCTAssertFalse(forked.isEmpty, evidence("q"))
        XCTAssertTrue(forked.allSatisfy { $0.contains("The secret word is walnut") }, "the parent's conversation went with it")
        XCTAssertEqual(m.status("q", "parent"), "p")
        XCTAssertEqual(m.status("p", "agent.session"), parentThread)
        // Each answer is counted once, by the session it was for.
        let answered = server.answeredTokens(api: "responses")["output"] ?? -1
        func output(_ name: String) -> Int { Int(m.status(name, "tokens.output") ?? "") ?? 0 }
        XCTAssertTrue(waitUntil(10) { output("p") + output("q") == answered },
                      "p \(output("p")) + q \(output("q")) != \(answered) answered: \(server.truth)")
    }
}
