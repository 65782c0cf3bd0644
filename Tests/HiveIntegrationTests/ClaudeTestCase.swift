import Foundation
import XCTest

/// A mount whose `claude` is the project's fake Claude Code (Tests/Fixtures/fake-claude),
/// with a home of its own: settings, trusted folders and transcripts stay in the test's
/// temporary directory.
class ClaudeTestCase: MountedTestCase {
    var home: String { m.root + "/home" }
    /// The folder the agents work in, trusted unless a test says otherwise.
    var work: String { m.root + "/work" }
    /// Whether `~/.claude.json` trusts `work` (Claude Code shows its trust dialog otherwise).
    var trusted: Bool { true }

    override func prepare(_ m: MountFixture) throws {
        let fm = FileManager.default
        for d in [home + "/.claude", work + "/src"] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        try "let a = 1\n".write(toFile: work + "/src/a.swift", atomically: false, encoding: .utf8)
        if trusted {
            let trust = ["projects": [work: ["hasTrustDialogAccepted": true]]]
            try JSONSerialization.data(withJSONObject: trust).write(to: URL(fileURLWithPath: home + "/.claude.json"))
        }
        try m.installFakes(["claude": "fake-claude"], env: ["HOME=" + home])
    }

    /// Starts a Claude Code session whose fake runs `turns` (one per prompt).
    func newClaude(_ name: String, prompt: String = "Fix the bug", turns: [[[String: Any]]], extra: [String] = [],
                   file: StaticString = #filePath, line: UInt = #line) {
        let script = m.root + "/\(name).script.json"
        let data = try? JSONSerialization.data(withJSONObject: ["turns": turns])
        XCTAssertTrue(FileManager.default.createFile(atPath: script, contents: data), file: file, line: line)
        let words = ["new", name, "agent=claude", "dir=" + work, "prompt=\"\(prompt)\"",
                     "env.FAKE_CLAUDE_SCRIPT=" + script, "env.FAKE_CLAUDE_TRUTH=" + truthPath(name),
                     "env.FAKE_CLAUDE_ARGV_LOG=" + m.root + "/\(name).argv.jsonl",
                     "env.FAKE_CLAUDE_HOOKLOG=" + m.root + "/\(name).hooklog.jsonl"] + extra
        let err = m.write("control", words.joined(separator: " ") + "\n")
        XCTAssertEqual(err, 0, "new \(name): \(String(cString: strerror(err))); \(m.read("control") ?? "")", file: file, line: line)
    }

    func truthPath(_ name: String) -> String { m.root + "/\(name).truth.json" }

    /// What the fake says it spent: input, output, cache_read, cache_write, messages.
    func truth(_ name: String) -> [String: Int] {
        guard let d = FileManager.default.contents(atPath: truthPath(name)),
              let o = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else { return [:] }
        return o.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    /// The session's events, as events.jsonl gives them.
    func events(_ name: String) -> [[String: Any]] {
        (m.read(name + "/events.jsonl") ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// `KIND DETAIL` of each event an agent reported (and screen corrections).
    func reported(_ name: String) -> [String] {
        let hivefsOwn: Set<String> = ["created", "spec", "control", "state", "error", "adopted", "removed", "usage", "limit"]
        return events(name).compactMap { e in
            guard let k = e["kind"] as? String, !hivefsOwn.contains(k) else { return nil }
            let d = e["detail"] as? String ?? ""
            return d.isEmpty ? k : k + " " + d
        }
    }

    /// The states an agent's events moved the session through, in order.
    func statesFromReports(_ name: String) -> [String] {
        events(name).compactMap { e in
            guard let k = e["kind"] as? String, k != "created" else { return nil }
            return e["state"] as? String
        }
    }

    func hooksLog(_ name: String) -> String { m.state + "/sessions/\(name)/hooks.log" }

    /// Waits until the agent has reported `kind` (optionally `count` times).
    @discardableResult
    func waitReport(_ name: String, _ kind: String, count: Int = 1, timeout: Double = 15,
                    file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let ok = waitUntil(timeout) { self.reported(name).filter { $0 == kind || $0.hasPrefix(kind + " ") }.count >= count }
        if !ok { XCTFail("\(name) never reported \(kind) ×\(count); events:\n\(m.read(name + "/events") ?? "")\nscreen:\n\(m.read(name + "/screen") ?? "")", file: file, line: line) }
        return ok
    }
}
