import Foundation
import XCTest

/// Whether bubblewrap runs here; the tests skip when it cannot (not installed, or no
/// user namespaces), as `sandbox=bwrap` then refuses to start with the reason.
func bwrapRuns() -> Bool {
    let out = NSTemporaryDirectory() + "hivefs-bwrap-check-\(getpid())"
    defer { unlink(out) }
    guard let pid = spawn(["/usr/bin/env", "bwrap", "--ro-bind", "/", "/", "--dev-bind", "/dev", "/dev", "--", "/bin/true"],
                          stdout: out, stderr: out) else { return false }
    var st: Int32 = 0
    while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
    return st == 0
}

/// Skips the test where bubblewrap cannot run: said, not failed.
func skipUnlessBwrapRuns() throws {
    guard bwrapRuns() else { throw XCTSkip("bubblewrap cannot run here (not installed, or no user namespaces)") }
}

/// Whether every process of the tree is held: stopped or frozen (`frozen`), or a zombie.
func stoppedOrFrozen(_ root: pid_t) -> Bool { processTree(root).allSatisfy { $0.value == "Z" || frozen($0.key) } }

/// Whether the tree runs again: none of its processes is stopped or frozen.
func runs(_ root: pid_t) -> Bool { processTree(root).keys.allSatisfy { !frozen($0) } }

/// The real Claude Code in `sandbox=bwrap`: it works as it does outside (hooks,
/// transcript, files, git, pause, kill, restart, a daemon crash), it writes its own
/// worktree, and what it may not write (the home's files, another session's
/// worktree) fails as its own tool's error while nothing outside changes.
final class RealSandboxTests: RealClaudeTestCase {
    override func prepare(_ m: MountFixture) throws {
        try skipUnlessBwrapRuns()
        try super.prepare(m)
        try "# the test's own ~/.bashrc\nexport HIVEFS_TEST=1\n".write(toFile: home + "/.bashrc", atomically: false, encoding: .utf8)
    }

    /// Approves every question the session asks until a turn ends saying `said`.
    func approveUntilIdle(_ name: String, saying said: String, timeout: Double = 90,
                          file: StaticString = #filePath, line: UInt = #line) {
        var answered: Set<String> = []
        let ended = waitUntil(timeout) {
            if self.kinds(name, ["idle"]).contains(where: { $0.contains(said) }) { return true }
            for l in (self.m.read(name + "/permission") ?? "").split(separator: "\n") where l.hasPrefix("id ") {
                let id = String(l.dropFirst(3))
                if answered.insert(id).inserted { _ = self.m.write(name + "/control", "approve \(id)\n") }
            }
            return false
        }
        XCTAssertTrue(ended, "no turn ended saying \(said): " + evidence(name), file: file, line: line)
    }

    /// The transcript of the session's conversation, wherever its folder is.
    func transcriptLines(_ name: String) -> [[String: Any]] {
        let session = m.status(name, "agent.session") ?? "-"
        let path = m.sh("find \(home)/.claude/projects -name '\(session).jsonl'").out.split(separator: "\n").first.map(String.init) ?? ""
        return m.jsonLines(path)
    }

    /// The text of each tool result of the transcript that is an error.
    func toolErrors(_ name: String) -> [String] {
        transcriptLines(name).flatMap { line -> [String] in
            guard let content = (line["message"] as? [String: Any])?["content"] as? [[String: Any]] else { return [] }
            return content.compactMap { block -> String? in
                guard block["type"] as? String == "tool_result", block["is_error"] as? Bool == true else { return nil }
                if let text = block["content"] as? String { return text }
                return (block["content"] as? [[String: Any]])?.compactMap { $0["text"] as? String }.joined(separator: "\n")
            }
        }
    }

    /// Claude Code's own configuration file as a sandboxed session has it.
    var sandboxedConfig: [String: Any] {
        FileManager.default.contents(atPath: home + "/.claude/.claude.json")
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
    }

    func testClaudeInASandboxedWorktreeWritesItsOwnFilesAndNothingElse() throws {
        let repo = makeRepo("repo")
        // Another session's worktree of the same repository: not this one's to write.
        XCTAssertEqual(m.write("control", "new other agent=shell dir=\(repo) worktree=yes command=\"sleep 600\"\n"), 0,
                       m.read("control") ?? "")
        m.waitState("other", ["working", "idle"])
        let other = try XCTUnwrap(m.status("other", "worktree"))
        let bashrc = try Data(contentsOf: URL(fileURLWithPath: home + "/.bashrc"))
        let userConfig = try Data(contentsOf: URL(fileURLWithPath: home + "/.claude.json"))
        let homeNames = try FileManager.default.contentsOfDirectory(atPath: home).sorted()
        // The settings every Claude Code session reads (hooks, MCP servers), sandboxed or not.
        let settingsBefore = FileManager.default.contents(atPath: home + "/.claude/settings.json")
        let prompt = "[[bash echo mine > mine.txt]] [[write notes.txt written in the sandbox\\n]] [[bash echo pwned >> ~/.bashrc]] "
            + "[[bash echo pwned >> \(other)/a.txt]] [[bash echo pwned > ~/.claude/settings.json]] [[say Tried every write.]]"
        newClaude("box", prompt: prompt, dir: repo, extra: "worktree=yes sandbox=bwrap mode=acceptEdits")
        approveUntilIdle("box", saying: "Tried every write.")
        m.waitState("box", ["idle"], timeout: 10)
        XCTAssertEqual(m.status("box", "sandbox"), "bwrap")
        let worktree = try XCTUnwrap(m.status("box", "worktree"))

        // Its hooks came through: working, then idle, with its prompt and tools.
        let states = m.statesSeen("box")
        XCTAssertTrue(states.contains("working") && states.last == "idle", "\(states): " + evidence("box"))
        XCTAssertEqual(kinds("box", ["prompt"]).first.map { $0.hasPrefix("prompt [[bash echo mine") }, true, evidence("box"))
        let tools = kinds("box", ["tool"])
        XCTAssertEqual(tools, ["tool Bash echo mine > mine.txt", "tool Write notes.txt", "tool Bash echo pwned >> ~/.bashrc",
                               "tool Bash echo pwned >> \(other)/a.txt", "tool Bash echo pwned > ~/.claude/settings.json"], evidence("box"))
        XCTAssertFalse(kinds("box", ["permission.asked"]).contains { $0.contains("trust") }, "its worktree is trusted: " + evidence("box"))
        XCTAssertEqual(kinds("box", ["trust"]), ["trust \(worktree) marked trusted in \(home)/.claude/.claude.json"],
                       "in the configuration file a sandboxed Claude Code reads")

        // What it may write, it wrote; files and git show it.
        XCTAssertEqual(try String(contentsOfFile: worktree + "/mine.txt", encoding: .utf8), "mine\n")
        XCTAssertEqual(try String(contentsOfFile: worktree + "/notes.txt", encoding: .utf8), "written in the sandbox\n")
        let files = m.read("box/files") ?? ""
        XCTAssertTrue(files.contains("create 1 notes.txt"), files)
        XCTAssertTrue(waitUntil(10) {
            let git = self.m.read("box/git") ?? ""
            return git.contains("?? mine.txt\n") && git.contains("?? notes.txt\n")
        }, m.read("box/git") ?? "")

        // What it may not write failed as its own tool's error, and nothing changed.
        let errors = toolErrors("box")
        for target in [home + "/.bashrc", other + "/a.txt", home + "/.claude/settings.json"] {
            // bash says "Read-only file system", zsh (Claude Code's shell where it is installed) "read-only file system".
            XCTAssertTrue(errors.contains { $0.contains(target) && ($0.lowercased().contains("read-only file system")
                                                                       || $0.lowercased().contains("permission denied")) },
                          "\(target): \(errors)")
        }
        XCTAssertEqual(Set(errors).count, 3, "only those three failed (a transcript may hold a result twice): \(errors)")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: home + "/.bashrc")), bashrc, "~/.bashrc is as it was")
        let settingsAfter = FileManager.default.contents(atPath: home + "/.claude/settings.json")
        XCTAssertEqual(settingsAfter, settingsBefore ?? Data("{}\n".utf8), "made empty if it was missing, and never written inside")
        XCTAssertEqual(try String(contentsOfFile: other + "/a.txt", encoding: .utf8), "one\n")
        XCTAssertEqual(m.sh("git -C \(other) status --porcelain").out, "", "the other worktree is unchanged")
        XCTAssertEqual(m.sh("git -C \(repo) status --porcelain").out, "", "so is the repository's own folder")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: home).sorted(), homeNames, "nothing new in the home")

        // Its transcript was read: tokens are the server's.
        let truth = server.answeredTokens(api: "anthropic")
        XCTAssertTrue(waitUntil(10) { self.m.status("box", "tokens.output") == String(truth["output"] ?? -1) },
                      "status: \(m.read("box/status") ?? "") truth: \(truth)")
        XCTAssertEqual(m.status("box", "tokens.input"), String(truth["input"] ?? -1))

        // Pause and resume: every process of the sandbox stops, and runs again.
        let pid = try XCTUnwrap(m.pid("box"))
        XCTAssertEqual(m.write("box/control", "pause\n"), 0, m.read("box/control") ?? "")
        XCTAssertEqual(m.state("box"), "paused")
        XCTAssertTrue(waitUntil(5) { stoppedOrFrozen(pid) }, "\(processTree(pid))")
        XCTAssertEqual(m.write("box/control", "resume\n"), 0, m.read("box/control") ?? "")
        XCTAssertEqual(m.state("box"), "idle")
        XCTAssertTrue(waitUntil(5) { runs(pid) }, "\(processTree(pid))")

        // Killed, it has a summary; Claude Code's writes to its configuration were kept.
        let session = try XCTUnwrap(m.status("box", "agent.session"))
        XCTAssertEqual(m.write("box/control", "kill\n"), 0)
        m.waitState("box", ["killed"], timeout: 20)
        XCTAssertFalse(alive(pid))
        XCTAssertTrue(waitUntil(10) { !(self.m.read("box/summary") ?? "").isEmpty }, "a summary: " + evidence("box"))
        // It ended as it does on TERM, and recorded the session under its repository's folder.
        XCTAssertTrue(waitUntil(10) {
            ((self.sandboxedConfig["projects"] as? [String: Any])?[repo] as? [String: Any])?["lastSessionId"] as? String == session
        }, "Claude Code recorded its session as it exited: \(sandboxedConfig["projects"] ?? "no projects")")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: home + "/.claude.json")), userConfig, "~/.claude.json is as it was")

        // Restarted, it resumes its conversation, in the sandbox again.
        XCTAssertEqual(m.write("box/control", "restart\n"), 0, m.read("box/control") ?? "")
        m.waitState("box", ["idle"], timeout: 60)
        XCTAssertEqual(m.status("box", "agent.session"), session, "the same conversation")
        XCTAssertTrue((m.status("box", "command") ?? "").contains("--resume \(session)"), m.status("box", "command") ?? "")
        // Its SessionStart hook comes before it has drawn the conversation; keys typed
        // before that are lost (outside a sandbox too), so the test waits for it.
        XCTAssertTrue(waitUntil(30) { (self.m.read("box/screen") ?? "").contains("Tried every write.") }, evidence("box"))
        XCTAssertEqual(m.write("box/control", "send [[bash cat mine.txt]] [[say Still mine.]]\n"), 0)
        approveUntilIdle("box", saying: "Still mine.")
        XCTAssertEqual(m.write("box/control", "send /exit\n"), 0)
        m.waitState("box", ["exited"], timeout: 30)
        XCTAssertTrue(waitUntil(10) { (self.m.read("box/summary") ?? "").contains("cost.source agent\n") },
                      "Claude Code's own cost, from its transcript: " + (m.read("box/summary") ?? ""))
        let said = transcriptLines("box").filter { $0["type"] as? String == "assistant" }.map { "\($0["message"] ?? "")" }
        XCTAssertTrue(said.contains { $0.contains("Tried every write.") } && said.contains { $0.contains("Still mine.") },
                      "one transcript holds both runs' turns")
    }

    func testASandboxedClaudeIsAdoptedAfterADaemonCrash() throws {
        newClaude("crash", prompt: "[[say Before the crash.]]", extra: "sandbox=bwrap")
        XCTAssertTrue(waitUntil(60) { self.kinds("crash", ["idle"]).contains { $0.contains("Before the crash.") } }, evidence("crash"))
        let pid = try XCTUnwrap(m.pid("crash"))
        m.crashDaemon()
        try m.mount()
        m.waitState("crash", ["idle"], timeout: 30)
        XCTAssertEqual(m.pid("crash"), pid, "the same agent, still live")
        XCTAssertTrue(alive(pid))
        // The new daemon adopts it on the session's queue, a moment after the mount answers.
        XCTAssertTrue(waitUntil(10) { !self.kinds("crash", ["adopted"]).isEmpty }, evidence("crash"))
        XCTAssertEqual(m.write("crash/control", "pause\n"), 0, m.read("crash/control") ?? "")
        XCTAssertEqual(m.state("crash"), "paused")
        XCTAssertTrue(waitUntil(5) { stoppedOrFrozen(pid) }, "\(processTree(pid))")
        XCTAssertEqual(m.write("crash/control", "resume\n"), 0, m.read("crash/control") ?? "")
        XCTAssertEqual(m.state("crash"), "idle")
        XCTAssertTrue(waitUntil(5) { runs(pid) }, "\(processTree(pid))")
        XCTAssertEqual(m.write("crash/control", "send [[say After the crash.]]\n"), 0)
        XCTAssertTrue(waitUntil(60) { self.kinds("crash", ["idle"]).contains { $0.contains("After the crash.") } }, evidence("crash"))
        XCTAssertEqual(m.write("crash/control", "kill\n"), 0)
        m.waitState("crash", ["killed"], timeout: 20)
        XCTAssertTrue(waitUntil(5) { !alive(pid) })
    }
}

/// The real Codex CLI in `sandbox=bwrap`: a turn runs its command in hivefs's
/// sandbox (its own, bubblewrap too, cannot be made inside), and its rollout is read.
final class RealSandboxTestsCodex: RealCodexTestCase {
    override func prepare(_ m: MountFixture) throws {
        try skipUnlessBwrapRuns()
        try super.prepare(m)
    }

    func testCodexRunsATurnInTheSandbox() throws {
        let bashrc = home + "/.bashrc"
        try "# mine\n".write(toFile: bashrc, atomically: false, encoding: .utf8)
        newCodex("box", prompt: "[[bash echo hi > out.txt; echo more >> \(bashrc)]] [[say Sandboxed turn.]]", extra: "sandbox=bwrap")
        XCTAssertTrue(waitUntil(60) { self.turnEnded("box", saying: "Sandboxed turn.") }, evidence("box"))
        let thread = try XCTUnwrap(m.status("box", "agent.session"))
        let outputs = rollouts(thread).flatMap { m.jsonLines($0) }.compactMap { line -> String? in
            guard let p = line["payload"] as? [String: Any], p["type"] as? String == "function_call_output" else { return nil }
            return "\(p["output"] ?? "")"
        }
        XCTAssertEqual(try? String(contentsOfFile: work + "/out.txt", encoding: .utf8), "hi\n", "its command ran: \(outputs)\n" + evidence("box"))
        XCTAssertTrue(outputs.contains { $0.lowercased().contains("read-only file system") },
                      "the write to the home failed as the command's own error, which Codex gave the model: \(outputs)")
        XCTAssertEqual(try String(contentsOfFile: bashrc, encoding: .utf8), "# mine\n", "nothing outside changed")
        XCTAssertEqual(rollouts(thread).count, 1, "its rollout, in its home")
        assertTokensAreTheServers("box")
        XCTAssertTrue((m.status("box", "command") ?? "").contains(" --sandbox danger-full-access "), m.status("box", "command") ?? "")
        // Its own sandbox named in mode could not be made: refused at new.
        XCTAssertEqual(m.write("control", "new own agent=codex dir=\(work) sandbox=bwrap mode=workspace-write\n"), EINVAL)
        XCTAssertTrue((m.read("control") ?? "").contains("cannot run inside sandbox=bwrap"), m.read("control") ?? "")
    }
}

/// The real Aider in `sandbox=bwrap`: it edits, commits and keeps its chat history
/// as outside, and a command it runs cannot write outside its folder.
final class RealSandboxTestsAider: RealAiderTestCase {
    override func prepare(_ m: MountFixture) throws {
        try skipUnlessBwrapRuns()
        try super.prepare(m)
    }

    func testAiderEditsAndCommitsInItsSandboxAndACommandCannotWriteTheHome() throws {
        let bashrc = home + "/.bashrc"
        try "# mine\n".write(toFile: bashrc, atomically: false, encoding: .utf8)
        newAider("box", prompt: "Change it [[edit app.py hello bye]] [[say Changed.]]", extra: "sandbox=bwrap")
        m.waitState("box", ["waiting"], timeout: 60)
        XCTAssertEqual(m.status("box", "sandbox"), "bwrap")
        XCTAssertEqual(waitPermission("box")["question"], "Add file to the chat?", evidence("box"))
        XCTAssertEqual(m.write("box/control", "approve 1\n"), 0, m.read("box/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.text("app.py")?.contains("return \"bye\"") == true }, evidence("box"))
        XCTAssertTrue(waitUntil(20) { self.m.sh("cd \(self.work) && git log --format=%s -1").out.contains("chore: apply scripted change") },
                      "Aider committed its edit from inside the sandbox: " + evidence("box"))
        XCTAssertTrue(waitUntil(30) { self.waits("box") >= 1 }, evidence("box"))
        XCTAssertTrue(history("box").contains("Changed."), "its history, in the session's folder: " + history("box"))

        // A command it is allowed to run: its own folder takes the write, the home refuses it.
        XCTAssertEqual(m.write("box/control", "send [[bash echo ran > ran.txt; echo more >> \(bashrc)]] [[say Ran.]]\n"), 0)
        m.waitState("box", ["waiting"], timeout: 60)
        let run = waitPermission("box")
        XCTAssertEqual(run["question"], "Run shell command?", evidence("box"))
        XCTAssertEqual(m.write("box/control", "approve \(run["id"] ?? "")\n"), 0, m.read("box/control") ?? "")
        XCTAssertTrue(waitUntil(30) { self.text("ran.txt") == "ran\n" }, evidence("box"))
        XCTAssertTrue(waitUntil(30) { (self.m.read("box/screen") ?? "").lowercased().contains("read-only file system") },
                      "the refusal is the command's own error, on Aider's screen: " + evidence("box"))
        // Aider offers the output to the chat; not wanted.
        XCTAssertTrue(waitUntil(30) { ["waiting", "idle"].contains(self.m.state("box")) }, evidence("box"))
        if m.state("box") == "waiting" {
            let offer = waitPermission("box")
            XCTAssertEqual(m.write("box/control", "deny \(offer["id"] ?? "")\n"), 0, m.read("box/control") ?? "")
        }
        m.waitState("box", ["idle"], timeout: 30)
        XCTAssertEqual(try String(contentsOfFile: bashrc, encoding: .utf8), "# mine\n", "nothing outside changed")
        XCTAssertEqual(m.write("box/control", "kill\n"), 0)
        m.waitState("box", ["killed"], timeout: 30)
    }
}
