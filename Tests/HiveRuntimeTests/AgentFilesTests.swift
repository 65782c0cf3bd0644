import Foundation
import XCTest
import HiveCore
@testable import HiveRuntime

/// Reading `agents/NAME.toml`: a good file defines an agent; a mistake defines
/// nothing and names the file, the line and the reason.
final class AgentFilesTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "agents-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        addTeardownBlock { [folder] in try? FileManager.default.removeItem(atPath: folder) }
    }

    private func problem(_ name: String, _ text: String) -> String? {
        let path = folder + "/" + name
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        switch AgentFiles.read(path) {
        case .defined: return nil
        case .refused(let p): return p.text
        }
    }

    func testAGoodFile() throws {
        let text = """
            command = "mini-agent --plain"
            resume = "mini-agent --continue"
            prompt = "argument"
            reports = "notify"
            notify = ["--on-wait", "{notify}"]

            [screen]
            waiting = "\\\\[y/n\\\\]$"

            [keys]
            approve = ["y", "Enter"]
            """
        try text.write(toFile: folder + "/mini.toml", atomically: true, encoding: .utf8)
        guard case .defined(let d) = AgentFiles.read(folder + "/mini.toml") else { return XCTFail("refused") }
        XCTAssertEqual(d.name, "mini")
        XCTAssertEqual(d.command, "mini-agent --plain")
        XCTAssertEqual(d.resume, "mini-agent --continue")
        XCTAssertEqual(d.prompt, .argument)
        XCTAssertEqual(d.reports, .notify)
        XCTAssertEqual(d.waiting?.source, #"\[y/n\]$"#)
        XCTAssertEqual(d.approve, ["y", "Enter"])
        XCTAssertEqual(d.interrupt, ["C-c"], "the default")
        let files = AgentFiles(folder: folder)
        XCTAssertEqual(files.current().catalog.adapter("mini")?.name, "mini")
        XCTAssertTrue(files.current().problems.isEmpty)
    }

    func testMistakesNameTheFileTheLineAndTheReason() {
        XCTAssertEqual(problem("a.toml", "command = \"x\"\n\nprompt = 3\n"), "agents/a.toml:3: prompt must be a string")
        XCTAssertEqual(problem("b.toml", "command = \"x\"\ncolour = \"red\"\n"),
                       "agents/b.toml:2: unknown key 'colour'; keys: command, keys, model, notify, prompt, reports, resume, screen")
        XCTAssertEqual(problem("c.toml", "prompt = \"typed\"\n"), "agents/c.toml: command is missing: the program to run, and its arguments")
        XCTAssertEqual(problem("d.toml", "command = \"x\"\nreports = \"notify\"\n"),
                       "agents/d.toml:2: reports = \"notify\" needs notify: the arguments that give the agent a command, with {notify} for it")
        XCTAssertEqual(problem("e.toml", "command = \"x\"\n[screen]\nidle = \"([\"\n"), "agents/e.toml:3: idle: '([' is not a regular expression")
        XCTAssertEqual(problem("f.toml", "command = \"x\"\n[keys]\napprove = [\"y\", \"Enter;\"]\n"),
                       "agents/f.toml:3: approve: 'Enter;' is not a key tmux knows (Enter, Escape, C-c, a letter…)")
        XCTAssertEqual(problem("g.toml", "command = \"x\"\n[screen]\nbusy = \"x\"\n"),
                       "agents/g.toml:3: unknown key 'busy' in [screen]; keys: idle, waiting, working")
        XCTAssertEqual(problem("h.toml", "command = \"unclosed 'quote\"\n"), "agents/h.toml:1: command: unterminated ' in command")
        XCTAssertEqual(problem("claude.toml", "command = \"x\"\n"), "agents/claude.toml: claude is a built-in agent; name the file otherwise")
        XCTAssertEqual(problem("Bad Name.toml", "command = \"x\"\n")?.hasPrefix("agents/Bad Name.toml: 'Bad Name' cannot name an agent"), true)
        XCTAssertEqual(problem("i.toml", "command = \n")?.hasPrefix("agents/i.toml:1: "), true, "TOML's own errors carry their line")
        let files = AgentFiles(folder: folder)
        XCTAssertEqual(files.current().problems.count, 11)
        XCTAssertThrowsError(try files.current().catalog.resolve("a")) { e in
            XCTAssertEqual((e as? HiveError)?.reason, "agent a is defined in a file hivefs refused: agents/a.toml:3: prompt must be a string")
        }
    }
}

extension AgentFilesTests {
    /// The example shipped in contrib/ is a file hivefs takes.
    func testTheShippedExampleIsRead() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = repo.appendingPathComponent("contrib/agents/example.toml").path
        try FileManager.default.copyItem(atPath: example, toPath: folder + "/my-agent.toml")
        guard case .defined(let d) = AgentFiles.read(folder + "/my-agent.toml") else {
            return XCTFail("refused: \(AgentFiles.read(folder + "/my-agent.toml"))")
        }
        XCTAssertEqual(d.reports, .notify)
        XCTAssertEqual(d.interrupt, ["Escape"])
        XCTAssertNotNil(d.waiting?.matchingRow("Run the tests? (y/n) "))
    }
}
