import Foundation
import XCTest

/// A mount whose `aider` is the real Aider (0.86.2, PyPI's aider-chat), talking to
/// the model server, with a home of its own, in a git repository.
///
/// What only these tests need is in the test home, as a user would put it: the
/// model, its metadata (an unknown model's context size and prices; without them
/// Aider fetches litellm's list from the internet at start and warns), the diff
/// edit format (an unknown model gets `whole`), and no update check, release
/// notes, analytics or .gitignore question.
class RealAiderTestCase: MountedTestCase {
    var server: ModelServer!
    var home: String { m.root + "/home" }
    /// A git repository with `app.py`.
    var work: String { m.root + "/work" }
    static let model = "openai/scripted"

    override var quietAfter: Double { 1.0 }

    override func prepare(_ m: MountFixture) throws {
        let aider = try RealAgents.program("AIDER_BIN")
        server = ModelServer(dir: m.root)
        try server.start()
        addTeardownBlock { [server] in server?.stop() }
        for d in [home, m.root + "/bin"] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try "[user]\n\tname = Tester\n\temail = t@example.com\n".write(toFile: home + "/.gitconfig", atomically: false, encoding: .utf8)
        try """
            model: \(RealAiderTestCase.model)
            edit-format: diff
            check-update: false
            show-release-notes: false
            analytics: false
            gitignore: false
            show-model-warnings: false

            """.write(toFile: home + "/.aider.conf.yml", atomically: false, encoding: .utf8)
        let meta: [String: Any] = [RealAiderTestCase.model: [
            "max_input_tokens": 128000, "max_tokens": 4096, "max_output_tokens": 4096,
            "input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002, "litellm_provider": "openai", "mode": "chat"]]
        try JSONSerialization.data(withJSONObject: meta).write(to: URL(fileURLWithPath: home + "/.aider.model.metadata.json"))
        makeRepo("work")
        XCTAssertEqual(m.sh("""
            cd \(work) && printf 'def greet():\\n    return "hello"\\n' > app.py && git add app.py && git commit -qm 'add app.py'
            """).status, 0)
        try FileManager.default.createSymbolicLink(atPath: m.root + "/bin/aider", withDestinationPath: aider)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        m.environment += ["PATH=" + m.root + "/bin:" + path, "HOME=" + home,
                          "OPENAI_API_BASE=" + server.baseURL + "/v1", "OPENAI_API_KEY=hivefs-tests-openai-key",
                          "LITELLM_LOCAL_MODEL_COST_MAP=True"]
    }

    /// Starts an Aider session and types `prompt` (the server's script language) into it.
    func newAider(_ name: String, prompt: String, extra: String = "", file: StaticString = #filePath, line: UInt = #line) {
        let q = prompt.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let err = m.write("control", "new \(name) agent=aider dir=\(work) prompt=\"\(q)\" \(extra)\n")
        XCTAssertEqual(err, 0, "new \(name): \(String(cString: strerror(err))); \(m.read("control") ?? "")", file: file, line: line)
    }

    func kinds(_ name: String, _ wanted: Set<String>) -> [String] { m.eventKinds(name, wanted) }

    /// How many times Aider said it waits for its person at its prompt.
    func waits(_ name: String) -> Int { kinds(name, ["idle"]).filter { $0 == "idle waiting for input" }.count }

    func evidence(_ name: String) -> String {
        "events:\n" + (m.read(name + "/events") ?? "") + "\nscreen:\n" + (m.read(name + "/screen") ?? "")
            + "\nserver:\n" + server.requests
    }

    func waitPermission(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        m.waitForPermission(name, evidence: evidence(name), file: file, line: line)
    }

    var history: (String) -> String {
        { name in (try? String(contentsOfFile: self.m.state + "/sessions/\(name)/aider.chat.history.md", encoding: .utf8)) ?? "" }
    }

    func text(_ path: String) -> String? { try? String(contentsOfFile: work + "/" + path, encoding: .utf8) }
}

/// The real Aider through hivefs: states, events, questions as files, mode, tokens.
final class RealAiderTests: RealAiderTestCase {
    func testThePromptIsTypedAndItsReplyEndsIdleWithTheHistoryInTheSessionsFolder() throws {
        newAider("ai", prompt: "Say hello [[say Hello from the script.]]")
        XCTAssertTrue(waitUntil(60) { self.waits("ai") >= 1 }, evidence("ai"))
        m.waitState("ai", ["idle"], timeout: 10)
        XCTAssertEqual(m.statesSeen("ai"), ["new", "starting", "working", "idle"], evidence("ai"))
        let h = history("ai")
        XCTAssertTrue(h.contains("#### Say hello [[say Hello from the script.]]"), "the prompt was typed once Aider ran: " + h)
        XCTAssertTrue(h.contains("Hello from the script."), h)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work + "/.aider.chat.history.md"), "the history is not the project's")
        let command = m.status("ai", "command") ?? ""
        XCTAssertTrue(command.hasPrefix("aider --notifications --notifications-command "), command)
        XCTAssertTrue(command.hasSuffix(" --chat-history-file \(m.state)/sessions/ai/aider.chat.history.md"), command)
        XCTAssertEqual(server.answeredTokens(api: "chat")["responses"], 1, server.requests)
        // Streaming, Aider never sees the API's usage: its "Tokens: 2.5k sent" are its own estimates.
        for key in ["tokens.input", "tokens.output", "cost.usd"] { XCTAssertEqual(m.status("ai", key), "-", key) }
        XCTAssertEqual(m.read("ai/permission"), "")
    }

    /// Aider's yes/no questions: the file to add before it asks the model, then the
    /// command to run and the file to create its reply brings.
    func testQuestionsArePermissionsThatApproveDenyAndAnswerPress() throws {
        newAider("q", prompt: "Change it [[edit app.py hello bye]] [[say Changed.]]")
        m.waitState("q", ["waiting"], timeout: 60)
        let add = waitPermission("q")
        XCTAssertEqual(m.read("q/permission"), """
            id 1
            kind tool
            subject app.py
            question Add file to the chat?
            option 1 Yes
            option 2 No
            option 3 Don't ask again
            approve 1
            deny 2

            """, evidence("q"))
        XCTAssertEqual(m.status("q", "reason"), "permission app.py (approve 1, deny 1, answer 1 N; see permission)")
        XCTAssertEqual(server.requests.components(separatedBy: "chat/completions").count - 1, 0, "asked before any request")
        XCTAssertEqual(m.write("q/control", "approve \(add["id"] ?? "")\n"), 0, m.read("q/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.text("app.py")?.contains("return \"bye\"") == true }, evidence("q"))
        XCTAssertTrue(waitUntil(30) { self.waits("q") >= 1 }, evidence("q"))
        m.waitState("q", ["idle"], timeout: 10)
        XCTAssertEqual(m.read("q/permission"), "")
        XCTAssertEqual(m.write("q/control", "approve 1\n"), ESTALE, "answered already: nothing is pressed")
        XCTAssertEqual(m.write("q/control", "deny\n"), ENOMSG, "nothing waits for an answer")
        XCTAssertTrue(waitUntil(20) { self.m.sh("cd \(self.work) && git log --format=%s -1").out.contains("chore: apply scripted change") },
                      "Aider committed its edit")

        // A command in the reply: Aider notifies, then asks.
        XCTAssertEqual(m.write("q/control", "send [[bash echo ran > ran.txt]] [[say Ran.]]\n"), 0)
        m.waitState("q", ["waiting"], timeout: 60)
        let run = waitPermission("q")
        XCTAssertEqual(run["id"], "2")
        XCTAssertEqual(run["question"], "Run shell command?", evidence("q"))
        XCTAssertEqual(run["subject"], "echo ran > ran.txt")
        XCTAssertEqual(m.write("q/control", "answer 2 1\n"), 0, m.read("q/control") ?? "")
        XCTAssertTrue(waitUntil(30) { self.text("ran.txt") == "ran\n" }, evidence("q"))
        m.waitState("q", ["idle"], timeout: 30)

        // A new file in the reply: denied, it is not made.
        XCTAssertEqual(m.write("q/control", "send [[write new.txt made]] [[say Wrote.]]\n"), 0)
        m.waitState("q", ["waiting"], timeout: 60)
        let create = waitPermission("q")
        XCTAssertEqual(create["question"], "Create new file?", evidence("q"))
        XCTAssertEqual(create["subject"], "new.txt")
        XCTAssertEqual(create["option 2"], "No")
        XCTAssertEqual(m.write("q/control", "deny 3\n"), 0, m.read("q/control") ?? "")
        m.waitState("q", ["idle"], timeout: 30)
        XCTAssertNil(text("new.txt"))
        XCTAssertEqual(kinds("q", ["permission.answered"]), ["permission.answered 1 1: Yes", "permission.answered 2 1: Yes",
                                                            "permission.answered 3 2: No"], evidence("q"))
        XCTAssertEqual(server.truth.filter { $0["side"] as? Bool != true }.count, 3, "one request per prompt: " + server.requests)
    }

    /// `mode=yes-always` is Aider's --yes-always: it asks nothing, takes the files
    /// and edits, and skips the shell commands (they need an explicit yes).
    func testModeYesAlwaysAsksNothingAndSkipsCommands() throws {
        newAider("yes", prompt: "[[edit app.py hello bye]] [[write other.txt made]] [[bash echo ran > ran.txt]] [[say All in.]]",
                 extra: "mode=yes-always")
        XCTAssertTrue(waitUntil(60) { self.waits("yes") >= 1 }, evidence("yes"))
        m.waitState("yes", ["idle"], timeout: 10)
        XCTAssertTrue((m.status("yes", "command") ?? "").contains(" --yes-always"), m.status("yes", "command") ?? "")
        XCTAssertEqual(kinds("yes", ["permission.asked"]), [], evidence("yes"))
        // Aider notifies as its reply ends, and applies the edits and commits them right after.
        XCTAssertTrue(waitUntil(20) { self.m.sh("cd \(self.work) && git log --format=%s -1").out.contains("chore: apply scripted change") },
                      evidence("yes"))
        XCTAssertTrue(text("app.py")?.contains("return \"bye\"") == true, evidence("yes"))
        XCTAssertEqual(text("other.txt"), "made\n")
        XCTAssertNil(text("ran.txt"), "Aider does not run commands on --yes-always")
        XCTAssertEqual(m.write("control", "new bad agent=aider dir=\(work) mode=never\n"), EINVAL)
    }
}

/// The real Aider through a session's life: pause, resume, interrupt, kill, and a
/// restart that restores the chat.
final class RealAiderLifecycleTests: RealAiderTestCase {
    func testPauseResumeInterruptKillAndRestartRestoresTheChat() throws {
        newAider("life", prompt: "Tell a long story [[slow 300]]")
        XCTAssertTrue(waitUntil(60) { self.m.read("life/screen")?.contains("word3") == true }, "streaming: " + evidence("life"))
        m.waitState("life", ["working"], timeout: 5)
        let pid = try assertPauseAndResume("life")
        // One C-c stops the reply (a second would end Aider), and Aider notifies it waits.
        XCTAssertEqual(m.write("life/control", "interrupt\n"), 0)
        XCTAssertTrue(waitUntil(30) { self.waits("life") >= 1 }, evidence("life"))
        m.waitState("life", ["idle"], timeout: 10)
        XCTAssertTrue(alive(pid), "Aider still runs")
        XCTAssertFalse(history("life").contains("word40"), "the reply was cut short")

        XCTAssertEqual(m.write("life/control", "kill\n"), 0)
        XCTAssertEqual(m.state("life"), "killed")
        XCTAssertFalse(alive(pid))
        XCTAssertEqual(m.write("life/control", "restart\n"), 0)
        XCTAssertTrue(waitUntil(60) { self.history("life").contains("Restored previous conversation history.") }, evidence("life"))
        XCTAssertTrue((m.status("life", "command") ?? "").hasSuffix(" --restore-chat-history"), m.status("life", "command") ?? "")
        m.waitState("life", ["idle"], timeout: 30)
        XCTAssertEqual(m.write("life/control", "send [[say Back again.]]\n"), 0)
        XCTAssertTrue(waitUntil(60) { self.waits("life") >= 2 }, evidence("life"))
        XCTAssertTrue(history("life").contains("Back again."), history("life") + evidence("life"))
        XCTAssertEqual(history("life").components(separatedBy: "#### Tell a long story").count - 1, 1,
                       "the first prompt is in the restored chat; it is not typed again: " + history("life"))
    }
}
