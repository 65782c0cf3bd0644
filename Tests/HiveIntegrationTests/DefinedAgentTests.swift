import Foundation
import XCTest

/// An agent hivefs knows only from a definition file (`agents/NAME.toml` beside the
/// config file): the project's mini-agent (Tests/Fixtures/mini-agent), run as
/// `agent=mini` without a rebuild. Its file gives the command, the resume command,
/// how it reports (a notify command), its screen's patterns and its keys.
final class DefinedAgentTests: MountedTestCase {
    var work: String { m.root + "/work" }
    var agents: String { m.root + "/agents" }

    static let mini = #"""
        # The mini agent: it runs {notify} each time it waits for its person.
        command = "mini-agent"
        resume = "mini-agent --continue"
        prompt = "typed"
        reports = "notify"
        notify = ["--on-wait", "{notify}"]
        model = ["--model", "{model}"]

        [screen]
        working = "ctrl-g to stop"
        waiting = "\\[y/n\\]$"
        idle = "^mini>"

        [keys]
        interrupt = ["C-g"]
        approve = ["y", "Enter"]
        deny = ["n", "Enter"]
        """#

    override func prepare(_ m: MountFixture) throws {
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        try m.installFakes(["mini-agent": "mini-agent"])
        try Self.mini.write(toFile: agents + "/mini.toml", atomically: true, encoding: .utf8)
        // A mistake: refused at mount with the file, the line and the reason.
        try "command = \"broken\"\nreports = \"hooks\"\nprompt = \"shouted\"\n"
            .write(toFile: agents + "/broken.toml", atomically: true, encoding: .utf8)
    }

    private func logged(_ event: String) -> [[String: Any]] {
        m.jsonLines(m.root + "/mini.jsonl").filter { $0["event"] as? String == event }
    }

    private func count(_ name: String, _ text: String) -> Int {
        (m.read(name + "/events") ?? "").components(separatedBy: text).count - 1
    }

    func testAnAgentWhoseConversationCannotBeForkedRefusesForkOnceItRan() throws {
        XCTAssertEqual(m.write("control", "new mi agent=mini dir=\(work) prompt=\"hello\" env.MINI_LOG=\(m.root)/mini.jsonl\n"), 0)
        m.waitState("mi", ["idle", "working"])
        XCTAssertEqual(m.write("mi/control", "fork other\n"), EOPNOTSUPP)
        XCTAssertTrue((m.read("mi/control") ?? "").contains("cannot fork mi's conversation: agent mini"), m.read("mi/control") ?? "")
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.mnt + "/other"), "nothing was made")
        // Never started, it has no conversation: the fork is its spec's copy.
        XCTAssertEqual(mkdir(m.mnt + "/fresh", 0o755), 0)
        XCTAssertEqual(m.write("fresh/agent", "mini\n"), 0)
        XCTAssertEqual(m.write("fresh/dir", work + "\n"), 0)
        XCTAssertEqual(m.write("control", "new again from=fresh\n"), 0, m.read("control") ?? "")
        XCTAssertEqual(m.status("again", "parent"), "fresh")
    }

    func testADefinedAgentRunsWithItsStateEventsQuestionsAndKeys() throws {
        XCTAssertEqual(m.write("control", "new mi agent=mini dir=\(work) prompt=\"hello there\" model=mini-2 "
                               + "env.MINI_LOG=\(m.root)/mini.jsonl\n"), 0, m.read("control") ?? "")
        XCTAssertEqual(m.read("mi/agent"), "mini\n")
        // Its notify command says when it waits: the prompt was typed, answered, and it waits again.
        XCTAssertTrue(waitUntil(10) { self.logged("line").count >= 1 }, m.read("mi/events") ?? "")
        XCTAssertEqual(logged("line").first?["text"] as? String, "hello there", "the prompt is typed, as the file says")
        XCTAssertTrue(waitUntil(10) { self.count("mi", " idle waiting for input\n") >= 2 }, m.read("mi/events") ?? "")
        m.waitState("mi", ["idle"])
        let argv = try XCTUnwrap(m.jsonLines(m.root + "/mini.jsonl").first?["argv"] as? [String])
        XCTAssertEqual(argv.first, "--on-wait")
        XCTAssertTrue(argv[1].contains("hooks.log") && argv[1].contains("AgentWaiting"), argv[1])
        XCTAssertEqual(Array(argv.suffix(2)), ["--model", "mini-2"])
        XCTAssertEqual(m.status("mi", "agent"), "mini")
        XCTAssertEqual(m.status("mi", "reports"), "notify, terminal")

        // A question, seen through its `waiting` pattern: `permission` offers the file's
        // approve and deny keys, and `approve` presses them.
        XCTAssertEqual(m.write("mi/control", "send ask\n"), 0)
        m.waitState("mi", ["waiting"])
        XCTAssertTrue(waitUntil(5) { self.m.read("mi/permission") != "" }, m.read("mi/events") ?? "")
        XCTAssertEqual(m.read("mi/permission"), """
            id 1
            kind question
            question Write notes.txt? [y/n]
            option 1 approve
            option 2 deny
            approve 1
            deny 2

            """)
        XCTAssertEqual(m.write("mi/control", "approve 1\n"), 0, m.read("mi/control") ?? "")
        XCTAssertTrue(waitUntil(10) { FileManager.default.fileExists(atPath: self.work + "/notes.txt") }, m.read("mi/screen") ?? "")
        XCTAssertEqual(logged("answer").last?["text"] as? String, "y")
        m.waitState("mi", ["idle"])
        XCTAssertEqual(m.read("mi/permission"), "")

        // Working while it prints; `interrupt` presses the file's key (C-g), not C-c.
        XCTAssertEqual(m.write("mi/control", "send work 30\n"), 0)
        m.waitState("mi", ["working"])
        XCTAssertEqual(m.write("mi/control", "interrupt\n"), 0)
        XCTAssertTrue(waitUntil(10) { !self.logged("stopped").isEmpty }, m.read("mi/screen") ?? "")
        m.waitState("mi", ["idle"])
        XCTAssertTrue(logged("worked").isEmpty)

        // A restart runs the resume command, and the prompt is not typed again.
        XCTAssertEqual(m.write("mi/control", "restart\n"), 0)
        XCTAssertTrue(waitUntil(10) { self.m.jsonLines(self.m.root + "/mini.jsonl").filter { $0["argv"] != nil }.count == 2 })
        let again = try XCTUnwrap(m.jsonLines(m.root + "/mini.jsonl").last { $0["argv"] != nil }?["argv"] as? [String])
        XCTAssertTrue(again.contains("--continue"), "\(again)")
        m.waitState("mi", ["idle"])
        XCTAssertEqual(logged("line").filter { $0["text"] as? String == "hello there" }.count, 1)
        XCTAssertEqual(m.write("mi/control", "kill\n"), 0)
        m.waitState("mi", ["killed"])
    }

    func testAMistakeIsToldAtMountAndRefusedAtNewWithTheFileLineAndReason() throws {
        XCTAssertTrue((m.read("events") ?? "").contains("warning agent file refused: agents/broken.toml:3: prompt is one of argument, typed, none"),
                      m.read("events") ?? "")
        XCTAssertEqual(m.write("control", "new b agent=broken dir=\(work)\n"), EINVAL)
        XCTAssertTrue((m.read("control") ?? "").contains("agent broken is defined in a file hivefs refused: agents/broken.toml:3: prompt is one of"),
                      m.read("control") ?? "")
        XCTAssertEqual(m.write("control", "new u agent=nobody dir=\(work)\n"), EINVAL)
        XCTAssertTrue((m.read("control") ?? "").contains("unknown agent 'nobody'; known: claude, codex, gemini, aider, cursor, shell, mini"),
                      m.read("control") ?? "")

        // Mended, it counts at once: the folder is read again when a file in it changes.
        try "command = \"mini-agent\"\nprompt = \"none\"\n".write(toFile: agents + "/broken.toml", atomically: true, encoding: .utf8)
        XCTAssertEqual(m.write("control", "new b agent=broken dir=\(work) prompt=hi\n"), EINVAL, "it takes no prompt")
        XCTAssertTrue((m.read("control") ?? "").contains("agent broken takes no prompt (agents/broken.toml says prompt = \"none\")"),
                      m.read("control") ?? "")
        XCTAssertEqual(m.write("control", "new b agent=broken dir=\(work) env.MINI_LOG=\(m.root)/mini.jsonl\n"), 0, m.read("control") ?? "")
        m.waitState("b", ["working", "idle"])
        XCTAssertEqual(m.status("b", "reports"), "terminal")
    }
}
