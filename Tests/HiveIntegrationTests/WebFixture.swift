import Foundation
import XCTest

/// `hivefs web` on a free loopback port for one mount, and plain HTTP to it over a
/// socket of its own (every byte as the test writes it). `stop` ends the server.
final class WebFixture {
    let m: MountFixture
    private(set) var pid: pid_t = 0
    /// Set by `start`, or by a test whose server another command started.
    var port = 0
    var token = ""
    /// The URL it printed, with the token.
    private(set) var url = ""

    init(_ m: MountFixture) { self.m = m }

    var base: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: m.root + "/web.err", encoding: .utf8)) ?? "" }

    func start(file: StaticString = #filePath, line: UInt = #line) throws {
        let out = m.root + "/web.out"
        guard let p = spawn([MountFixture.binary, "web", "--mount", m.mnt, "--state", m.state, "--config", m.root + "/none.toml",
                             "--listen", "127.0.0.1:0"], stdout: out, stderr: m.root + "/web.err") else {
            throw XCTSkip("cannot start hivefs web")
        }
        pid = p
        let printed = waitUntil(20) { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("\n") }
        guard printed, let first = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").first else {
            XCTFail("hivefs web printed no URL; its log:\n\(log)", file: file, line: line)
            throw XCTSkip("no server")
        }
        url = String(first)
        let parts = url.split(separator: "=")
        token = parts.count == 2 ? String(parts[1]) : ""
        let hostPort = url.replacingOccurrences(of: "http://127.0.0.1:", with: "").split(separator: "/").first ?? ""
        port = Int(hostPort) ?? 0
        XCTAssertEqual(token.count, 64, url, file: file, line: line)
        XCTAssertNotEqual(port, 0, url, file: file, line: line)
    }

    /// Ends the server (TERM, then KILL) and reaps it.
    func stop() {
        guard pid > 0 else { return }
        kill(pid, SIGTERM)
        if !waitUntil(5, { self.reaped() }) {
            kill(pid, SIGKILL)
            var st: Int32 = 0
            _ = waitpid(pid, &st, 0)
        }
        pid = 0
    }

    private func reaped() -> Bool {
        var st: Int32 = 0
        return waitpid(pid, &st, WNOHANG) == pid
    }

    /// Whether the server process still runs.
    var running: Bool {
        guard pid > 0 else { return false }
        var st: Int32 = 0
        return waitpid(pid, &st, WNOHANG) == 0
    }

    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String
        var raw: String
    }

    /// A request as written; the answer read to the connection's end (or `timeout`).
    /// With `halfClose`, the sending side is shut once the request is written, so a
    /// server waiting for more of it sees its end at once.
    func raw(_ bytes: [UInt8], timeout: Double = 5, halfClose: Bool = false) -> Answer? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { return nil }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        var got = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n <= 0 { break }
            got += buf[0..<n]
            // A WebSocket upgrade's answer has no end: its head is enough.
            if let text = String(bytes: got, encoding: .utf8), text.hasPrefix("HTTP/1.1 101"), text.contains("\r\n\r\n") { break }
        }
        let text = String(decoding: got, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return got.isEmpty ? nil : Answer(status: 0, headers: [:], body: "", raw: text) }
        let lines = text[..<headEnd.lowerBound].split(separator: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        return Answer(status: status, headers: headers, body: String(text[headEnd.upperBound...]), raw: text)
    }

    /// A request made of its parts, with `Connection: close`.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") -> Answer? {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.utf8.count)\r\n" }
        return raw(Array((head + "\r\n" + body).utf8))
    }

    /// The same, with the token in its header.
    func authorized(_ method: String, _ path: String, body: String = "", headers: [String: String] = [:]) -> Answer? {
        request(method, path, headers: headers.merging(["X-Hivefs-Token": token]) { a, _ in a }, body: body)
    }
}

extension XCTestCase {
    /// `hivefs web` on `m` and a browser on the URL it printed; both end with the test.
    func openDashboard(_ m: MountFixture) throws -> (WebFixture, Browser) {
        let web = WebFixture(m)
        var browser: Browser?
        addTeardownBlock { browser?.close(); web.stop() }
        try web.start()
        let b = try Browser(root: m.root)
        browser = b
        try b.open(web.url)
        return (web, b)
    }
}
