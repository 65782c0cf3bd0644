import Foundation
import XCTest

/// The real agents `make test` fetches (Tests/agents/fetch): their programs' paths,
/// from `agents.env` in `$HIVEFS_AGENTS` (else ~/.cache/hivefs-tests).
enum RealAgents {
    static var cache: String {
        ProcessInfo.processInfo.environment["HIVEFS_AGENTS"] ?? (NSHomeDirectory() + "/.cache/hivefs-tests")
    }

    /// `CLAUDE_BIN`, `CODEX_BIN`, `AIDER_BIN`.
    static var programs: [String: String] {
        let text = (try? String(contentsOfFile: cache + "/agents.env", encoding: .utf8)) ?? ""
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    /// A program's path; fails the test (never skips it) when `make agents` has not fetched it.
    static func program(_ key: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let path = programs[key], FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("\(key) is not in \(cache)/agents.env: run `make agents` (Tests/agents/fetch)", file: file, line: line)
            throw XCTSkip("no \(key)")
        }
        return path
    }
}

/// The scripted model server of Tests/Fixtures/model-server, on 127.0.0.1, for one test.
/// What it answered, with the usage it reported, is its truth file.
final class ModelServer {
    let dir: String
    private(set) var pid: pid_t = 0
    private(set) var port = 0

    init(dir: String) { self.dir = dir }

    var truthPath: String { dir + "/model-truth.jsonl" }
    /// Every request's body, one JSON line each (`--dump`).
    var dumpPath: String { dir + "/model-requests.jsonl" }
    var logPath: String { dir + "/model-server.log" }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    func start(file: StaticString = #filePath, line: UInt = #line) throws {
        let portFile = dir + "/model-server.port"
        guard let p = spawn(["/usr/bin/env", "python3", MountFixture.fixture("model-server"), "--port-file", portFile,
                             "--truth", truthPath, "--log", logPath, "--dump", dumpPath],
                            stdout: dir + "/model-server.out", stderr: dir + "/model-server.out") else {
            XCTFail("cannot start the model server", file: file, line: line)
            throw XCTSkip("no model server")
        }
        pid = p
        guard waitUntil(10, { FileManager.default.fileExists(atPath: portFile) }),
              let text = try? String(contentsOfFile: portFile, encoding: .utf8), let n = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            XCTFail("the model server did not start: \((try? String(contentsOfFile: dir + "/model-server.out", encoding: .utf8)) ?? "")",
                    file: file, line: line)
            throw XCTSkip("no model server")
        }
        port = n
    }

    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
        pid = 0
    }

    /// The messages of every request of the Messages API, each as its text.
    var requestTexts: [String] {
        ((try? String(contentsOfFile: dumpPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            guard let o = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any],
                  (o["path"] as? String)?.hasPrefix("/v1/messages") == true,
                  let body = o["body"] as? [String: Any], let messages = body["messages"],
                  let data = try? JSONSerialization.data(withJSONObject: messages) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Every response's usage, as the server reported it.
    var truth: [[String: Any]] {
        ((try? String(contentsOfFile: truthPath, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

/// What the tests of the real agents read from a session's files.
extension MountFixture {
    /// The session's events, as events.jsonl gives them.
    func eventObjects(_ name: String) -> [[String: Any]] {
        (read(name + "/events.jsonl") ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// `KIND DETAIL` of each event of these kinds.
    func eventKinds(_ name: String, _ wanted: Set<String>) -> [String] {
        eventObjects(name).compactMap { e in
            guard let k = e["kind"] as? String, wanted.contains(k) else { return nil }
            let d = e["detail"] as? String ?? ""
            return d.isEmpty ? k : k + " " + d
        }
    }

    /// The states the session went through, in order, as its state events (and the
    /// events that carried a state) recorded them.
    func statesSeen(_ name: String) -> [String] {
        var out: [String] = []
        for e in eventObjects(name) {
            guard let s = e["state"] as? String, out.last != s else { continue }
            out.append(s)
        }
        return out
    }

    /// Waits until `permission` shows a question, and returns its lines as a dictionary (options as `option N`).
    func waitForPermission(_ name: String, timeout: Double = 30, evidence: @autoclosure () -> String = "",
                           file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        var text = ""
        XCTAssertTrue(waitUntil(timeout) { text = self.read(name + "/permission") ?? ""; return !text.isEmpty },
                      "no question in permission: " + evidence(), file: file, line: line)
        var out: [String: String] = [:]
        for l in text.split(separator: "\n") {
            let words = l.split(separator: " ", maxSplits: l.hasPrefix("option ") ? 2 : 1).map(String.init)
            if l.hasPrefix("option "), words.count == 3 { out["option " + words[1]] = words[2] } else if words.count == 2 {
                out[words[0]] = words[1]
            }
        }
        return out
    }
}

extension ModelServer {
    /// The usage of the responses of `api` that reached the client whole and belong
    /// to the conversation (no side calls such as titles, no response cut short).
    func answeredTokens(api: String) -> [String: Int] {
        var sum: [String: Int] = ["input": 0, "output": 0, "cache_read": 0, "cache_write": 0, "responses": 0]
        for r in truth where r["api"] as? String == api && r["side"] as? Bool != true && r["aborted"] as? Bool != true {
            for k in ["input", "output", "cache_read", "cache_write"] { sum[k, default: 0] += (r[k] as? NSNumber)?.intValue ?? 0 }
            sum["responses", default: 0] += 1
        }
        return sum
    }

    /// Claude Code 2.1.337's prices (USD per million tokens: input, output, cache read, cache write).
    static let claudePrices: [String: [Double]] = ["claude-opus-5-5": [4, 20, 0.2, 5], "claude-sonnet-5-5": [2, 10, 0.1, 2.5],
                                                   "claude-haiku-5-5": [0.1, 0.5, 0.01, 0.125]]

    /// What the responses cost at `prices` (by model): all of them, or the side calls only.
    func cost(at prices: [String: [Double]] = ModelServer.claudePrices, sideOnly: Bool = false) -> Double {
        var usd = 0.0
        for r in truth where !sideOnly || r["side"] as? Bool == true {
            guard let p = prices[(r["model"] as? String) ?? ""] else { continue }
            let n = ["input", "output", "cache_read", "cache_write"].map { Double((r[$0] as? NSNumber)?.intValue ?? 0) }
            usd += zip(n, p).map { $0 * $1 }.reduce(0, +) / 1e6
        }
        return usd
    }

    /// The server's log: one line per request, with what was answered.
    var requests: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

extension MountedTestCase {
    /// Pauses a working session and resumes it: every process of the agent is paused
    /// (frozen by its cgroup, or stopped) meanwhile, and runs again after, back in `working`. Returns the agent's pid.
    @discardableResult
    func assertPauseAndResume(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> pid_t {
        XCTAssertEqual(m.write(name + "/control", "pause\n"), 0, m.read(name + "/control") ?? "", file: file, line: line)
        XCTAssertEqual(m.state(name), "paused", file: file, line: line)
        let pid = try XCTUnwrap(m.pid(name), file: file, line: line)
        XCTAssertTrue(waitUntil(5) { processTree(pid).allSatisfy { $0.value == "Z" || frozen($0.key) } },
                      "every process is paused: \(processTree(pid))", file: file, line: line)
        XCTAssertEqual(m.write(name + "/control", "resume\n"), 0, file: file, line: line)
        XCTAssertEqual(m.state(name), "working", file: file, line: line)
        XCTAssertTrue(waitUntil(5) { processTree(pid).keys.allSatisfy { !frozen($0) } }, file: file, line: line)
        return pid
    }
}

/// A mount whose `claude` is the real Claude Code (2.1.337, from PyPI's claude-agent-sdk
/// wheel), talking to the model server, with a home of its own.
class RealClaudeTestCase: MountedTestCase {
    var server: ModelServer!
    var home: String { m.root + "/home" }
    /// The folder the agents work in, trusted in ~/.claude.json unless a test says otherwise.
    var work: String { m.root + "/work" }
    var trusted: Bool { true }
    /// The API key the tests give Claude Code; ~/.claude.json approves it.
    static let apiKey = "sk-ant-api03-hivefs-tests-0123456789abcdefghij"

    override var quietAfter: Double { 1.0 }

    override func prepare(_ m: MountFixture) throws {
        let claude = try RealAgents.program("CLAUDE_BIN")
        server = ModelServer(dir: m.root)
        try server.start()
        addTeardownBlock { [server] in server?.stop() }
        let fm = FileManager.default
        for d in [home + "/.claude", work + "/src", m.root + "/bin"] {
            try fm.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        try "let a = 1\n".write(toFile: work + "/src/a.swift", atomically: false, encoding: .utf8)
        var config: [String: Any] = [
            "hasCompletedOnboarding": true,
            "lastOnboardingVersion": "2.1.337",
            "hasSeenAutoDefaultNudge": true,
            "customApiKeyResponses": ["approved": [String(RealClaudeTestCase.apiKey.suffix(20))], "rejected": []],
        ]
        if trusted { config["projects"] = [work: ["hasTrustDialogAccepted": true]] }
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted]).write(to: URL(fileURLWithPath: home + "/.claude.json"))
        try fm.createSymbolicLink(atPath: m.root + "/bin/claude", withDestinationPath: claude)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        m.environment += ["PATH=" + m.root + "/bin:" + path, "HOME=" + home,
                          "ANTHROPIC_BASE_URL=" + server.baseURL, "ANTHROPIC_API_KEY=" + RealClaudeTestCase.apiKey,
                          "DISABLE_TELEMETRY=1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_AUTOUPDATER=1"]
    }

    /// Starts a Claude Code session on `prompt` (the server's script language).
    func newClaude(_ name: String, prompt: String, dir: String? = nil, extra: String = "",
                   file: StaticString = #filePath, line: UInt = #line) {
        let q = prompt.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let err = m.write("control", "new \(name) agent=claude dir=\(dir ?? work) prompt=\"\(q)\" \(extra)\n")
        XCTAssertEqual(err, 0, "new \(name): \(String(cString: strerror(err))); \(m.read("control") ?? "")", file: file, line: line)
    }

    /// `KIND DETAIL` of each event of these kinds.
    func kinds(_ name: String, _ wanted: Set<String>) -> [String] { m.eventKinds(name, wanted) }

    /// What the test saw, for a failure message: events, screen, server log.
    func evidence(_ name: String) -> String {
        "events:\n" + (m.read(name + "/events") ?? "") + "\nscreen:\n" + (m.read(name + "/screen") ?? "")
            + "\nserver:\n" + ((try? String(contentsOfFile: server.logPath, encoding: .utf8)) ?? "")
    }

    /// Waits until `permission` shows a question, and returns its lines (options as `option N`).
    func waitPermission(_ name: String, timeout: Double = 20, file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        m.waitForPermission(name, timeout: timeout, evidence: evidence(name), file: file, line: line)
    }
}
