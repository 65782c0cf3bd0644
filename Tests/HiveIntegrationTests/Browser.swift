import Foundation
import XCTest

/// A headless Chromium driven by Selenium (Tests/Fixtures/browser), in a process
/// group of its own: `close` ends it, chromedriver and every Chromium process,
/// whatever state they are in.
final class Browser {
    private let pid: pid_t
    private let input: FileHandle
    private let output: FileHandle
    private var buffered = Data()
    let stderrPath: String

    /// Starts it; fails the test when Selenium or Chromium is missing (`make test` installs them).
    init(root: String) throws {
        let python = try RealAgents.program("SELENIUM_PYTHON")
        for p in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: p) {
            XCTFail("\(p) is missing: make test installs Debian's chromium and chromium-driver")
            throw XCTSkip("no chromium")
        }
        let toChild = Pipe(), fromChild = Pipe()
        stderrPath = root + "/browser.err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild.fileHandleForReading.fileDescriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild.fileHandleForWriting.fileDescriptor, 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)
        let argv = [python, MountFixture.fixture("browser")]
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = mergedEnvironment(["SE_OFFLINE=true", "HOME=" + root]).map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) }; for e in cenv { free(e) } }
        var child: pid_t = 0
        let rc = posix_spawn(&child, python, &actions, &attr, &cargs, &cenv)
        guard rc == 0 else { throw XCTSkip("cannot start the browser: \(String(cString: strerror(rc)))") }
        pid = child
        try? toChild.fileHandleForReading.close()
        try? fromChild.fileHandleForWriting.close()
        input = toChild.fileHandleForWriting
        output = fromChild.fileHandleForReading
    }

    /// Sends one request and returns its answer's value; an error answer fails with its text.
    @discardableResult
    func ask(_ request: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws -> Any? {
        var data = try JSONSerialization.data(withJSONObject: request)
        data.append(0x0A)
        try input.write(contentsOf: data)
        while !buffered.contains(0x0A) {
            // What is there now (read(upToCount:) would wait for the whole count).
            let chunk = output.availableData
            guard !chunk.isEmpty else {
                let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                throw NSError(domain: "browser", code: 1, userInfo: [NSLocalizedDescriptionKey: "the browser ended: \(err.suffix(2000))"])
            }
            buffered.append(chunk)
        }
        guard let nl = buffered.firstIndex(of: 0x0A) else { return nil }
        let lineData = buffered[buffered.startIndex..<nl]
        buffered = Data(buffered[(nl + 1)...])
        let answer = try JSONSerialization.jsonObject(with: lineData) as? [String: Any] ?? [:]
        guard answer["ok"] as? Bool == true else {
            throw NSError(domain: "browser", code: 2, userInfo: [NSLocalizedDescriptionKey: "\(request["op"] ?? "?"): \(answer["error"] ?? "?")"])
        }
        return answer["value"] is NSNull ? nil : answer["value"]
    }

    func open(_ url: String) throws { try ask(["op": "open", "url": url]) }

    @discardableResult
    func js(_ script: String, _ args: [Any] = []) throws -> Any? { try ask(["op": "js", "script": script, "args": args]) }

    func string(_ script: String, _ args: [Any] = []) throws -> String { (try js(script, args) as? String) ?? "" }

    /// Waits until `script` returns a true value; the milliseconds it took.
    @discardableResult
    func wait(_ script: String, _ args: [Any] = [], timeout: Double = 10) throws -> Double {
        let v = try ask(["op": "wait", "script": script, "args": args, "timeout": timeout]) as? [String: Any]
        return (v?["ms"] as? Double) ?? 0
    }

    func click(_ css: String) throws { try ask(["op": "click", "css": css]) }

    func type(_ css: String, _ text: String) throws { try ask(["op": "type", "css": css, "text": text]) }

    /// The page's inner size after resizing the window to it.
    @discardableResult
    func size(_ width: Int, _ height: Int) throws -> [Int] {
        (try ask(["op": "size", "width": width, "height": height]) as? [Int]) ?? []
    }

    func screenshot(_ path: String) throws { try ask(["op": "shot", "path": path]) }

    func logs() throws -> [String] { (try ask(["op": "logs"]) as? [String]) ?? [] }

    /// Ends it: quit asked politely, then the whole process group killed and reaped.
    func close() {
        _ = try? ask(["op": "quit"])
        try? input.close()
        _ = waitUntil(5) { kill(self.pid, 0) != 0 || self.reaped() }
        kill(-pid, SIGKILL)
        var st: Int32 = 0
        _ = waitpid(pid, &st, 0)
        // Chromium's own children, if any outlived the group kill's delivery.
        _ = waitUntil(5) { kill(-self.pid, 0) != 0 }
    }

    private func reaped() -> Bool {
        var st: Int32 = 0
        return waitpid(pid, &st, WNOHANG) == pid
    }
}
