import Foundation
import XCTest

/// A mount whose `codex` is the real Codex CLI (0.163.0, from PyPI's
/// openai-codex-cli-bin wheel), talking to the model server through a provider in
/// its own CODEX_HOME, in a git repository it trusts.
class RealCodexTestCase: MountedTestCase {
    var server: ModelServer!
    var home: String { m.root + "/home" }
    var codexHome: String { home + "/.codex" }
    var config: String { codexHome + "/config.toml" }
    /// A git repository marked trusted in config.toml.
    var work: String { m.root + "/work" }
    static let apiKey = "hivefs-tests-openai-key"

    override var quietAfter: Double { 1.0 }

    override func prepare(_ m: MountFixture) throws {
        let codex = try RealAgents.program("CODEX_BIN")
        server = ModelServer(dir: m.root)
        try server.start()
        addTeardownBlock { [server] in server?.stop() }
        for d in [codexHome, m.root + "/bin", m.root + "/tmp"] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        makeRepo("work")
        // The provider is the model server; only `work` is trusted. While a sandboxed
        // command runs, Codex makes `.git`, `.codex` and `.agents` in each folder it
        // may write (to bind them read-only), /tmp and TMPDIR among them, and leaves
        // them when it is killed meanwhile: an empty /tmp/.git makes every folder under
        // /tmp a repository to Claude Code. So Codex's temporary folder is the test's.
        try """
            model = "gpt-5-codex"
            model_provider = "scripted"

            [model_providers.scripted]
            name = "scripted"
            base_url = "\(server.baseURL)/v1"
            env_key = "SCRIPTED_MODEL_KEY"
            wire_api = "responses"

            [sandbox_workspace_write]
            exclude_slash_tmp = true

            [projects."\(work)"]
            trust_level = "trusted"

            """.write(toFile: config, atomically: false, encoding: .utf8)
        // `codex` on PATH: Codex also finds its sandbox helper through it when its home is
        // in a temporary folder (it will not make helper links there).
        try FileManager.default.createSymbolicLink(atPath: m.root + "/bin/codex", withDestinationPath: codex)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        m.environment += ["PATH=" + m.root + "/bin:" + path, "HOME=" + home, "CODEX_HOME=" + codexHome, "TMPDIR=" + m.root + "/tmp",
                          "SCRIPTED_MODEL_KEY=" + RealCodexTestCase.apiKey]
    }

    /// Starts a Codex session on `prompt` (the server's script language).
    func newCodex(_ name: String, prompt: String, dir: String? = nil, extra: String = "",
                  file: StaticString = #filePath, line: UInt = #line) {
        let q = prompt.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let err = m.write("control", "new \(name) agent=codex dir=\(dir ?? work) prompt=\"\(q)\" \(extra)\n")
        XCTAssertEqual(err, 0, "new \(name): \(String(cString: strerror(err))); \(m.read("control") ?? "")", file: file, line: line)
    }

    func kinds(_ name: String, _ wanted: Set<String>) -> [String] { m.eventKinds(name, wanted) }

    /// Whether an `idle` event (a turn's end, as Codex's notify said it) carries `text`.
    func turnEnded(_ name: String, saying text: String) -> Bool {
        kinds(name, ["idle"]).contains { $0 == "idle " + text }
    }

    /// What the test saw, for a failure message: events, screen, server log.
    func evidence(_ name: String) -> String {
        "events:\n" + (m.read(name + "/events") ?? "") + "\nscreen:\n" + (m.read(name + "/screen") ?? "")
            + "\nserver:\n" + server.requests
    }

    func waitPermission(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        m.waitForPermission(name, evidence: evidence(name), file: file, line: line)
    }

    /// The rollouts Codex wrote for `thread`.
    func rollouts(_ thread: String) -> [String] {
        m.sh("find \(codexHome)/sessions -name 'rollout-*-\(thread).jsonl'").out.split(separator: "\n").map(String.init)
    }

    /// Status's tokens equal the server's truth for every conversation response it answered whole.
    func assertTokensAreTheServers(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let truth = server.answeredTokens(api: "responses")
        XCTAssertTrue(waitUntil(10) { self.m.status(name, "tokens.output") == String(truth["output"] ?? -1) },
                      "status: \(m.read(name + "/status") ?? "") truth: \(truth)", file: file, line: line)
        XCTAssertEqual(m.status(name, "tokens.input"), String(truth["input"] ?? -1), "the uncached input", file: file, line: line)
        XCTAssertEqual(m.status(name, "tokens.cache_read"), String(truth["cache_read"] ?? -1), file: file, line: line)
    }
}

/// The real Codex CLI through hivefs: states, events, tokens, questions as files, modes.
final class RealCodexTests: RealCodexTestCase {
    func testAPromptGoesFromStartingThroughWorkingToIdleWithTheRolloutsTokens() throws {
        newCodex("run", prompt: "Please [[bash sleep 3; echo hi > out.txt]] [[say All done.]]")
        m.waitState("run", ["working"], timeout: 30)
        XCTAssertTrue(waitUntil(60) { self.turnEnded("run", saying: "All done.") }, evidence("run"))
        m.waitState("run", ["idle"], timeout: 10)
        XCTAssertEqual(try String(contentsOfFile: work + "/out.txt", encoding: .utf8), "hi\n", "the command ran, in the sandbox")
        XCTAssertEqual(m.statesSeen("run"), ["new", "starting", "working", "idle"], evidence("run"))
        XCTAssertEqual(m.status("run", "message"), "All done.")
        let command = m.status("run", "command") ?? ""
        XCTAssertTrue(command.hasPrefix("codex -c 'notify=[") || command.hasPrefix("codex -c notify=["), command)
        XCTAssertTrue(command.hasSuffix("[[say All done.]]'"), command)

        // Codex names the conversation in a thread of its own, which notifies first:
        // an event, not the session's thread and not the end of its turn.
        XCTAssertTrue(server.requests.contains("side:title"), server.requests)
        XCTAssertEqual(kinds("run", ["notification"]).filter { $0.hasPrefix("notification title") }.count, 1, evidence("run"))
        XCTAssertEqual(kinds("run", ["idle"]).count, 1, "one turn ended: " + evidence("run"))
        let thread = try XCTUnwrap(m.status("run", "agent.session"))
        XCTAssertEqual(rollouts(thread).count, 1, "agent.session is the thread of the rollout")

        // Tokens are the rollout's, which holds every conversation response the server gave.
        assertTokensAreTheServers("run")
        XCTAssertEqual(m.status("run", "model"), "gpt-5-codex")
        XCTAssertEqual(m.status("run", "cost.unpriced"), "gpt-5-codex", "no price is guessed")
    }

    func testSendStartsAnotherTurnAndRestartResumesTheThread() throws {
        newCodex("more", prompt: "[[say one]]")
        XCTAssertTrue(waitUntil(60) { self.turnEnded("more", saying: "one") }, evidence("more"))
        XCTAssertEqual(m.write("more/control", "send [[bash sleep 2]] [[say two]]\n"), 0)
        m.waitState("more", ["working"], timeout: 20)
        XCTAssertTrue(waitUntil(60) { self.turnEnded("more", saying: "two") }, evidence("more"))
        m.waitState("more", ["idle"], timeout: 10)
        assertTokensAreTheServers("more")
        let thread = try XCTUnwrap(m.status("more", "agent.session"))
        XCTAssertEqual(server.requests.components(separatedBy: "side:title").count - 1, 1, "a title is asked once")

        XCTAssertEqual(m.write("more/control", "kill\n"), 0)
        m.waitState("more", ["killed"], timeout: 20)
        XCTAssertEqual(m.write("more/control", "restart\n"), 0)
        m.waitState("more", ["idle"], timeout: 30)
        XCTAssertTrue((m.status("more", "command") ?? "").hasSuffix(" resume \(thread)"), m.status("more", "command") ?? "")
        XCTAssertEqual(m.write("more/control", "send [[say three]]\n"), 0)
        XCTAssertTrue(waitUntil(60) { self.turnEnded("more", saying: "three") }, evidence("more"))
        XCTAssertEqual(m.status("more", "agent.session"), thread, "the same conversation")
        XCTAssertEqual(rollouts(thread).count, 1, "and the same rollout, which goes on")
        assertTokensAreTheServers("more")
    }

    func testAnApprovalIsAPermissionThatApproveAndDenyAnswer() throws {
        newCodex("ask", prompt: "[[ask touch approved.txt]] [[say Approved.]]")
        m.waitState("ask", ["waiting"], timeout: 30)
        let p = waitPermission("ask")
        XCTAssertEqual(p["kind"], "tool", evidence("ask"))
        XCTAssertEqual(p["question"], "Would you like to run the following command?")
        XCTAssertEqual(p["subject"], "touch approved.txt")
        XCTAssertEqual(p["option 1"], "Yes, proceed (y)")
        XCTAssertEqual(p["option 3"], "No, and tell Codex what to do differently (esc)")
        XCTAssertEqual(p["approve"], "1", "yes this once, not for every such command")
        XCTAssertEqual(p["deny"], "3")
        let id = try XCTUnwrap(p["id"])
        XCTAssertEqual(m.status("ask", "reason"), "permission touch approved.txt (approve \(id), deny \(id), answer \(id) N; see permission)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/approved.txt"), "nothing runs before the answer")

        XCTAssertEqual(m.write("ask/control", "approve \(Int(id)! + 1)\n"), EINVAL, "an id never given")
        XCTAssertEqual(m.write("ask/control", "approve \(id)\n"), 0, m.read("ask/control") ?? "")
        XCTAssertTrue(waitUntil(30) { self.turnEnded("ask", saying: "Approved.") }, evidence("ask"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: work + "/approved.txt"))
        m.waitState("ask", ["idle"], timeout: 10)
        XCTAssertEqual(m.read("ask/permission"), "", "nothing is asked any more")
        XCTAssertEqual(m.write("ask/control", "approve \(id)\n"), ESTALE, "answered already: nothing is pressed")
        XCTAssertEqual(m.write("ask/control", "deny\n"), ENOMSG, "nothing waits for an answer")

        // The next question has the next id. Deny ends the turn: Codex sends no
        // notification then, and the screen shows its prompt.
        XCTAssertEqual(m.write("ask/control", "send [[ask touch denied.txt]] [[say Never said.]]\n"), 0)
        m.waitState("ask", ["waiting"], timeout: 30)
        let q = waitPermission("ask")
        XCTAssertEqual(q["id"], String(Int(id)! + 1))
        XCTAssertEqual(q["subject"], "touch denied.txt")
        XCTAssertEqual(m.write("ask/control", "deny \(q["id"] ?? "")\n"), 0, m.read("ask/control") ?? "")
        m.waitState("ask", ["idle"], timeout: 30)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/denied.txt"))
        XCTAssertFalse(turnEnded("ask", saying: "Never said."))
        XCTAssertTrue(kinds("ask", ["screen"]).contains { $0.hasPrefix("screen idle") }, evidence("ask"))
        XCTAssertEqual(kinds("ask", ["permission.answered"]).count, 2, evidence("ask"))
        assertTokensAreTheServers("ask")
    }

    /// Codex asks whether to trust a git repository config.toml does not trust yet.
    func testTheTrustPromptIsAPermissionThatApproveAndDenyAnswer() throws {
        let fresh = makeRepo("fresh")
        newCodex("trust", prompt: "[[say Trusted and running.]]", dir: fresh)
        m.waitState("trust", ["waiting"], timeout: 30)
        let p = waitPermission("trust")
        XCTAssertEqual(p["kind"], "trust", evidence("trust"))
        XCTAssertEqual(p["question"], "Trust this folder?")
        XCTAssertEqual(p["option 1"], "Trust and continue")
        XCTAssertEqual(p["option 2"], "Quit")
        XCTAssertEqual(p["approve"], "1")
        XCTAssertEqual(p["deny"], "2")
        XCTAssertEqual(m.write("trust/control", "approve \(p["id"] ?? "")\n"), 0, m.read("trust/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.turnEnded("trust", saying: "Trusted and running.") }, evidence("trust"))
        let toml = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        XCTAssertTrue(toml.contains("[projects.\"\(fresh)\"]\ntrust_level = \"trusted\""), "Codex recorded the answer itself: " + toml)

        let other = makeRepo("other")
        newCodex("quit", prompt: "[[say never]]", dir: other)
        let q = waitPermission("quit")
        XCTAssertEqual(q["kind"], "trust", evidence("quit"))
        XCTAssertEqual(m.write("quit/control", "deny \(q["id"] ?? "")\n"), 0, m.read("quit/control") ?? "")
        m.waitState("quit", ["exited"], timeout: 30)
        XCTAssertEqual(m.status("quit", "exit"), "0")
        XCTAssertFalse(((try? String(contentsOfFile: config, encoding: .utf8)) ?? "").contains(other))
    }

    /// `mode` is Codex's approval policy and sandbox. Under `never` an escalated
    /// command is refused without a question; `read-only` keeps a command from
    /// writing; `danger-full-access` runs it unasked.
    func testModesAreApprovalPoliciesAndSandboxes() throws {
        XCTAssertEqual(m.write("control", "new bad agent=codex dir=\(work) mode=untrusted\n"), EINVAL,
                       "Codex 0.163 has no approval policy `untrusted`")
        let runs: [(name: String, mode: String, prompt: String, file: String, made: Bool, words: String)] = [
            ("never", "never", "[[ask touch never.txt]] [[say Refused.]]", "never.txt", false, "--ask-for-approval never"),
            ("ro", "read-only", "[[bash touch ro.txt]] [[say Refused.]]", "ro.txt", false, "--sandbox read-only"),
            ("ww", "never+workspace-write", "[[bash touch ww.txt]] [[say Refused.]]", "ww.txt", true,
             "--ask-for-approval never --sandbox workspace-write"),
            ("full", "danger-full-access", "[[ask touch full.txt]] [[say Refused.]]", "full.txt", true, "--sandbox danger-full-access"),
        ]
        // One after another: two first starts on one CODEX_HOME can race.
        for r in runs {
            newCodex(r.name, prompt: r.prompt, extra: "mode=\(r.mode)")
            XCTAssertTrue(waitUntil(60) { self.turnEnded(r.name, saying: "Refused.") }, r.name + ": " + evidence(r.name))
            XCTAssertEqual(FileManager.default.fileExists(atPath: work + "/" + r.file), r.made, r.name)
            XCTAssertEqual(m.read(r.name + "/mode"), r.mode + "\n")
            XCTAssertTrue((m.status(r.name, "command") ?? "").contains(" " + r.words + " "), m.status(r.name, "command") ?? "")
            XCTAssertEqual(kinds(r.name, ["permission.asked"]), [], "nothing was asked: " + evidence(r.name))
        }
    }
}

/// The real Codex CLI through a session's life: pause, resume, interrupt, kill.
final class RealCodexLifecycleTests: RealCodexTestCase {
    func testPauseResumeInterruptAndKill() throws {
        newCodex("life", prompt: "[[bash sleep 30]] [[say never]]")
        m.waitState("life", ["working"], timeout: 30)
        let pid = try XCTUnwrap(m.pid("life"))
        XCTAssertTrue(waitUntil(20) { processTree(pid).count > 1 }, "the command runs: " + evidence("life"))
        // Every process is stopped, the command Codex runs too.
        try assertPauseAndResume("life")
        // Escape stops the turn: Codex sends no notification; the screen shows the prompt.
        XCTAssertEqual(m.write("life/control", "interrupt\n"), 0)
        m.waitState("life", ["idle"], timeout: 30)
        XCTAssertTrue(kinds("life", ["screen"]).contains { $0.hasPrefix("screen idle") }, evidence("life"))
        XCTAssertEqual(kinds("life", ["idle"]), [], "cut short: Codex never said its turn ended")
        XCTAssertFalse(turnEnded("life", saying: "never"))

        // Escape in the middle of a streamed answer: the server saw Codex hang up, and
        // Codex wrote its last count again; tokens are still what reached it, once.
        XCTAssertEqual(m.write("life/control", "send Tell a long story [[slow 300]]\n"), 0)
        m.waitState("life", ["working"], timeout: 30)
        XCTAssertTrue(waitUntil(30) { self.m.read("life/screen")?.contains("word3") == true }, evidence("life"))
        XCTAssertEqual(m.write("life/control", "interrupt\n"), 0)
        m.waitState("life", ["idle"], timeout: 30)
        XCTAssertTrue(waitUntil(10) { self.server.truth.contains { $0["aborted"] as? Bool == true } }, server.requests)
        // No turn ended, so no notification named the thread: Codex's open rollout did.
        let thread = try XCTUnwrap(m.status("life", "agent.session"))
        XCTAssertEqual(kinds("life", ["agent.start"]), ["agent.start thread \(thread)"], evidence("life"))
        func counts() -> Int {
            ((try? String(contentsOfFile: rollouts(thread).first ?? "", encoding: .utf8)) ?? "")
                .split(separator: "\n").filter { $0.contains("\"token_count\"") }.count
        }
        // Codex writes the cut response's count as it winds the turn down, which may
        // come a moment after its screen shows the prompt again.
        _ = waitUntil(5) { counts() >= 2 }
        XCTAssertEqual(counts(), 2, "one count for the answered response, written again for the cut one")
        assertTokensAreTheServers("life")

        XCTAssertEqual(m.write("life/control", "kill\n"), 0)
        XCTAssertEqual(m.state("life"), "killed")
        XCTAssertFalse(alive(pid))
        XCTAssertTrue(waitUntil(5) { processTree(pid).isEmpty }, "no process of it is left")
    }
}
