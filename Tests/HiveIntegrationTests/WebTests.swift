import Foundation
import HiveFuzz
import XCTest

extension FuzzRand: RandomNumberGenerator {}

/// Where the tests leave the page's screenshots, to be looked at (README's come from here).
let webScreenshots = MountFixture.repoFile(".build/web-screenshots")

/// `hivefs web` with a real headless Chromium, against a real mount of shell sessions.
final class WebTests: MountedTestCase {
    var web: WebFixture!
    var browser: Browser?

    override func setUpWithError() throws {
        try super.setUpWithError()
        web = WebFixture(m)
        addTeardownBlock { [weak self] in
            self?.browser?.close()
            self?.web?.stop()
        }
        try web.start()
        try FileManager.default.createDirectory(atPath: webScreenshots, withIntermediateDirectories: true)
    }

    /// A browser on the dashboard, which it opened with the printed URL.
    func openPage(width: Int = 1280, height: Int = 900) throws -> Browser {
        let b = try Browser(root: m.root)
        browser = b
        try b.size(width, height)
        try b.open(web.url)
        try b.wait("return document.location.search === '' && window.WebSocket && document.querySelector('#trouble').hidden")
        return b
    }

    func cardState(_ b: Browser, _ name: String) throws -> String {
        try b.string("const c = document.querySelector(`.card[data-name=\"${arguments[0]}\"]`); return c ? c.dataset.state : ''", [name])
    }

    // MARK: without a browser

    func testEveryRequestNeedsTheTokenAndChangesNeedItsHeader() throws {
        newShell("s", "sleep 1000")
        for path in ["/", "/app.js", "/api/status", "/ws", "/nothing"] {
            XCTAssertEqual(web.request("GET", path)?.status, 401, path)
            XCTAssertEqual(web.request("GET", path, headers: ["X-Hivefs-Token": String(repeating: "0", count: 64)])?.status, 401, path)
        }
        let denied = try XCTUnwrap(web.request("GET", "/api/status"))
        XCTAssertTrue(denied.body.contains("access token"), denied.body)
        // The printed URL sets the cookie and drops the token from the address.
        let first = try XCTUnwrap(web.request("GET", "/?token=" + web.token))
        XCTAssertEqual(first.status, 303)
        XCTAssertEqual(first.headers["location"], "/")
        let cookie = try XCTUnwrap(first.headers["set-cookie"])
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), cookie)
        let pair = String(cookie.split(separator: ";")[0])
        XCTAssertEqual(web.request("GET", "/", headers: ["Cookie": pair])?.status, 200)
        XCTAssertEqual(web.request("GET", "/?token=wrong")?.status, 401)
        // A change needs the header: the cookie alone (another site's form sends it too) does not do.
        XCTAssertEqual(web.request("POST", "/api/control?name=s", headers: ["Cookie": pair], body: "pause")?.status, 401)
        XCTAssertEqual(m.state("s"), "idle")
        // Nor does a request from another origin, token or not.
        XCTAssertEqual(web.authorized("POST", "/api/control?name=s", body: "pause", headers: ["Origin": "http://evil.example"])?.status, 403)
        XCTAssertEqual(m.state("s"), "idle")
        let ok = try XCTUnwrap(web.authorized("POST", "/api/control?name=s", body: "pause"))
        XCTAssertEqual(ok.status, 200, ok.raw)
        XCTAssertEqual(m.state("s"), "paused")
        // The page is kept to itself: no framing, no referrer, scripts from itself only.
        let page = try XCTUnwrap(web.request("GET", "/", headers: ["Cookie": pair]))
        XCTAssertEqual(page.headers["x-frame-options"], "DENY")
        XCTAssertEqual(page.headers["referrer-policy"], "no-referrer")
        XCTAssertTrue(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        XCTAssertTrue(page.body.contains(web.token), "the page carries the token for its own requests")
        // The token file is the user's alone, and holds this start's token.
        XCTAssertEqual(try String(contentsOfFile: m.state + "/web.token", encoding: .utf8), web.token + "\n")
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: m.state + "/web.token")[.posixPermissions] as? Int), 0o600)
    }

    func testAWebSocketIsTakenFromThePagesOwnOriginOnly() throws {
        func upgrade(origin: String?) -> WebFixture.Answer? {
            var h = ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
                     "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "X-Hivefs-Token": web.token]
            if let origin { h["Origin"] = origin }
            var head = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(web.port)\r\n"
            for (k, v) in h { head += "\(k): \(v)\r\n" }
            return web.raw(Array((head + "\r\n").utf8), timeout: 2)
        }
        // Refused (the WebSocket layer answers 400), and the log says why.
        let foreign = try XCTUnwrap(upgrade(origin: "http://evil.example"))
        XCTAssertEqual(foreign.status, 400, foreign.raw)
        XCTAssertEqual(try XCTUnwrap(upgrade(origin: "http://localhost:\(web.port)")).status, 400)
        XCTAssertEqual(try XCTUnwrap(upgrade(origin: nil)).status, 400)
        XCTAssertTrue(waitUntil(2) { self.web.log.contains("refused a WebSocket from http://evil.example") }, web.log)
        let own = try XCTUnwrap(upgrade(origin: "http://127.0.0.1:\(web.port)"))
        XCTAssertEqual(own.status, 101, own.raw)
    }

    func testRefusalsCarryTheirErrnoAndReason() throws {
        newShell("s", "sleep 1000")
        let bad = try XCTUnwrap(web.authorized("POST", "/api/control?name=s", body: "bogus"))
        XCTAssertEqual(bad.status, 400, bad.raw)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bad.body.utf8)) as? [String: Any])
        XCTAssertEqual(object["errno"] as? String, "EINVAL")
        XCTAssertEqual(object["code"] as? Int, Int(EINVAL))
        let said = try XCTUnwrap(m.read("s/control")?.split(separator: "\n").last)
        XCTAssertTrue(said.hasSuffix(object["reason"] as? String ?? "?"), "\(said) vs \(object)")
        XCTAssertEqual(web.authorized("POST", "/api/control?name=nobody", body: "pause")?.status, 404)
        XCTAssertEqual(web.authorized("POST", "/api/control?name=../../etc", body: "pause")?.status, 400)
        XCTAssertEqual(web.authorized("POST", "/api/control?name=s", body: "pause\nkill")?.status, 400)
        XCTAssertEqual(m.state("s"), "idle", "nothing of a refused body ran")
        XCTAssertEqual(web.authorized("POST", "/api/new", body: "{\"name\":\"n1\",\"agent\":\"shell\",\"prompt\":\"a\\nb\"}")?.status, 400)
        XCTAssertEqual(web.authorized("POST", "/api/remove?name=s")?.status, 409, "a running session is not removed")
        XCTAssertEqual(web.authorized("POST", "/api/control?name=s", body: String(repeating: "x", count: 80_000))?.status, 413)
    }

    func testRandomRequestsGetAnAnswerAndNeverStopTheServer() throws {
        newShell("s", "sleep 1000")
        var g = FuzzRand(state: 0x5EB)
        let methods = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "G\u{0}T", ""]
        let paths = ["/", "/api/control", "/api/control?name=s", "/api/new", "/api/remove?name=", "/ws", "/app.js",
                     "/%2e%2e/%2e%2e/etc/passwd", "/api/control?name=%00", "//", "/api/status?x=\u{7F}", "*"]
        let bodies = ["", "pause", "{", "{\"name\":1}", "\u{FF}\u{FE}", String(repeating: "a", count: 5000), "send \u{1B}[31m"]
        var statuses: [Int: Int] = [:]
        for i in 0..<400 {
            var req: [UInt8]
            if i % 4 == 3 {
                // Bytes alone.
                req = (0..<Int.random(in: 1...300, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
            } else {
                let body = bodies.randomElement(using: &g) ?? ""
                var head = "\(methods.randomElement(using: &g) ?? "GET") \(paths.randomElement(using: &g) ?? "/") HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                if Bool.random(using: &g) { head += "X-Hivefs-Token: \(web.token)\r\n" }
                if Bool.random(using: &g) { head += "Content-Length: \(Int.random(in: 0...body.utf8.count + 3, using: &g))\r\n" }
                if Bool.random(using: &g) { head += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x\r\n" }
                req = Array((head + "\r\n" + body).utf8)
            }
            if let a = web.raw(req, timeout: 1, halfClose: true) { statuses[a.status, default: 0] += 1 }
            XCTAssertTrue(web.running, "the server ended after request \(i): \(String(decoding: req, as: UTF8.self).debugDescription)\n\(web.log)")
            if !web.running { return }
        }
        // WebSocket frames of every kind, and of none, after a proper upgrade.
        for i in 0..<60 {
            var frames = [UInt8]()
            for _ in 0..<Int.random(in: 1...6, using: &g) {
                if Bool.random(using: &g) {
                    frames += (0..<Int.random(in: 1...200, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
                } else {
                    // A masked frame of a random opcode with a random length field and payload.
                    let payload = (0..<Int.random(in: 0...125, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) }
                    let op = UInt8.random(in: 0...15, using: &g)
                    let len = Bool.random(using: &g) ? UInt8(payload.count) : UInt8.random(in: 0...127, using: &g)
                    frames += [0x80 | op, 0x80 | len, 1, 2, 3, 4] + payload
                }
            }
            let head = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:\(web.port)\r\nOrigin: http://127.0.0.1:\(web.port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Hivefs-Token: \(web.token)\r\n\r\n"
            _ = web.raw(Array(head.utf8) + frames, timeout: 0.3, halfClose: true)
            XCTAssertTrue(web.running, "the server ended after frames \(i): \(frames)\n\(web.log)")
            if !web.running { return }
        }
        XCTAssertNil(statuses.keys.first { $0 >= 500 }, "a 5xx answer: \(statuses)")
        XCTAssertEqual(m.state("s"), "idle", "nothing random paused or killed it: \(statuses)")
        XCTAssertEqual(web.authorized("GET", "/api/status")?.status, 200)
    }

    // MARK: in the browser

    func testTheOverviewShowsEverySessionAndStateChangesLive() throws {
        newShell("alpha", "sleep 1000")
        newShell("beta", "sleep 1000")
        let b = try openPage()
        try b.wait("return document.querySelectorAll('.card').length === 2")
        XCTAssertEqual(try cardState(b, "alpha"), "idle")
        // A change made by a script elsewhere shows within a second, without a reload.
        XCTAssertEqual(m.write("alpha/control", "pause\n"), 0)
        let ms = try b.wait("return document.querySelector('.card[data-name=\"alpha\"]').dataset.state === 'paused'", timeout: 5)
        XCTAssertLessThan(ms, 1000)
        XCTAssertTrue(try b.string("return document.getElementById('counts').innerText").contains("paused"))
        // A session made elsewhere appears; one removed goes.
        newShell("gamma", "sleep 1000")
        try b.wait("return !!document.querySelector('.card[data-name=\"gamma\"]')", timeout: 3)
        XCTAssertEqual(m.write("beta/control", "kill\n"), 0)
        m.waitState("beta", ["killed"])
        XCTAssertEqual(rmdir(m.mnt + "/beta"), 0)
        try b.wait("return !document.querySelector('.card[data-name=\"beta\"]')", timeout: 3)
        // Sessions that wait for the user come first: here, none; paused after idle.
        let order = try b.js("return [...document.querySelectorAll('.card')].map(c => c.dataset.name)") as? [String]
        XCTAssertEqual(order, ["gamma", "alpha"])
        let logs = try b.logs()
        XCTAssertTrue(logs.filter { $0.contains("SEVERE") || $0.contains("rror") }.isEmpty, logs.joined(separator: "\n"))
    }

    func testSendPauseResumeAndKillFromTheSessionPage() throws {
        newShell("sh", "bash --norc --noprofile")
        let b = try openPage()
        try b.wait("return !!document.querySelector('.card[data-name=\"sh\"]')")
        try b.click(".card[data-name=\"sh\"] h2 a")
        try b.wait("return !document.getElementById('session').hidden && document.getElementById('s-name').textContent === 'sh'")
        try b.type("#s-prompt", "printf '\\033[31m%s\\033[0m\\n' colour-from-the-page")
        try b.click("#s-send button")
        // The terminal shows it, live, with its colour (a class of the sixteen).
        try b.wait("return [...document.querySelectorAll('#s-screen .f1')].some(e => e.textContent.includes('colour-from-the-page'))", timeout: 5)
        XCTAssertTrue(m.read("sh/screen")?.contains("colour-from-the-page") == true)
        try b.wait("return [...document.querySelectorAll('#s-events li')].some(e => e.textContent.includes('send printf'))", timeout: 5)
        try b.screenshot(webScreenshots + "/session-wide.png")
        try b.click("#s-actions [data-verb=pause]")
        m.waitState("sh", ["paused"])
        try b.wait("return document.getElementById('s-state').textContent === 'paused'", timeout: 3)
        try b.click("#s-actions [data-verb=resume]")
        m.waitState("sh", ["working", "idle"])
        // Kill asks first; No leaves it running, Yes kills it.
        try b.click("#s-actions [data-verb=kill]")
        try b.wait("return document.getElementById('confirm').open")
        try b.click("#confirm-no")
        usleep(300_000)
        XCTAssertTrue(["working", "idle"].contains(m.state("sh")))
        try b.click("#s-actions [data-verb=kill]")
        try b.wait("return document.getElementById('confirm').open")
        try b.click("#confirm-yes")
        m.waitState("sh", ["killed"])
        try b.wait("return document.getElementById('s-state').textContent === 'killed'", timeout: 3)
        // A refused action says its errno and reason, as control gives them.
        try b.click("#s-actions [data-verb=pause]")
        let flash = try b.wait("const f = document.getElementById('flash'); return !f.hidden && f.textContent", timeout: 3)
        _ = flash
        let text = try b.string("return document.getElementById('flash').textContent")
        let said = try XCTUnwrap(m.read("sh/control")?.split(separator: "\n").last.map(String.init))
        let words = said.split(separator: " ", maxSplits: 3).map(String.init)
        XCTAssertEqual(words.count, 4, said)
        XCTAssertTrue(text.hasPrefix("sh: pause refused: \(words[2]) ("), text)
        XCTAssertTrue(text.hasSuffix(words[3]), "\(text) vs \(said)")
        // Remove, confirmed, moves it to history and the page back to the overview.
        try b.click("#s-actions [data-verb=remove]")
        try b.wait("return document.getElementById('confirm').open")
        try b.click("#confirm-yes")
        try b.wait("return !document.getElementById('overview').hidden && !document.querySelector('.card[data-name=\"sh\"]')", timeout: 5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.mnt + "/sh"))
    }

    func testANewSessionFromTheForm() throws {
        let b = try openPage()
        try b.click("#new-open")
        try b.wait("return document.getElementById('new-dialog').open")
        try b.type("#new-form input[name=name]", "bad name")
        try b.js("document.querySelector('#new-form select[name=agent]').value = 'shell'")
        try b.js("document.getElementById('new-form').requestSubmit()")
        // The browser's own check stops a name with a space; the server's refuses what passes it.
        XCTAssertTrue(try b.js("return document.getElementById('new-dialog').open") as? Bool == true)
        try b.js("document.querySelector('#new-form input[name=name]').value = 'formed'")
        try b.type("#new-form input[name=dir]", m.root)
        try b.js("document.getElementById('new-form').requestSubmit()")
        try b.wait("const e = document.getElementById('new-error'); return !e.hidden && e.textContent", timeout: 3)
        XCTAssertTrue(try b.string("return document.getElementById('new-error').textContent").hasPrefix("EINVAL (22): "),
                      "a shell needs a command")
        XCTAssertNil(m.read("formed/state"))
        try b.js("document.querySelector('#new-form select[name=agent]').value = 'claude'")
        try b.js("document.getElementById('new-form').requestSubmit()")
        try b.wait("return document.location.hash === '#/s/formed'", timeout: 5)
        XCTAssertNotNil(m.read("formed/state"))
        XCTAssertEqual(m.read("formed/dir"), m.root + "\n")
    }

    func testThePhoneLayoutNeverScrollsSideways() throws {
        newShell("waiting-for-a-very-long-name-that-wraps-on-a-phone-screen", "sleep 1000")
        newShell("b2", "sh -c 'seq -s , 1 300; sleep 1000'")
        newShell("c3", "sleep 1000")
        XCTAssertEqual(m.write("c3/control", "pause\n"), 0)
        let b = try openPage(width: 375, height: 812)
        XCTAssertEqual(try b.js("return window.innerWidth") as? Int, 375)
        try b.wait("return document.querySelectorAll('.card').length === 3")
        let wide = "return document.documentElement.scrollWidth > window.innerWidth ? document.documentElement.scrollWidth : 0"
        XCTAssertEqual(try b.js(wide) as? Int, 0, "the overview scrolls sideways at 375 px")
        let cardWidths = try b.js("return [...document.querySelectorAll('.card')].map(c => c.getBoundingClientRect().right)") as? [Double] ?? []
        XCTAssertTrue(cardWidths.allSatisfy { $0 <= 375 }, "\(cardWidths)")
        try b.screenshot(webScreenshots + "/overview-phone.png")
        try b.click(".card[data-name=\"b2\"] h2 a")
        // A terminal line far wider than the phone scrolls inside the screen's box, not the page.
        try b.wait("return document.getElementById('s-screen').textContent.includes('299,300')", timeout: 5)
        XCTAssertGreaterThan(try b.js("return document.getElementById('s-screen').scrollWidth") as? Int ?? 0, 375)
        XCTAssertEqual(try b.js(wide) as? Int, 0, "the session page scrolls sideways at 375 px (its screen scrolls inside itself)")
        try b.screenshot(webScreenshots + "/session-phone.png")
        try b.size(1920, 1080)
        try b.open(web.base + "/")
        try b.wait("return document.querySelectorAll('.card').length === 3")
        XCTAssertEqual(try b.js(wide) as? Int, 0)
        try b.screenshot(webScreenshots + "/overview-wide.png")
    }
}

/// An agent's question answered from the page.
final class WebPermissionTests: ClaudeTestCase {
    override var trusted: Bool { false }

    func testAQuestionApprovedFromThePageReleasesTheAgent() throws {
        let (_, b) = try openDashboard(m)
        try b.wait("return document.getElementById('trouble').hidden")
        // Notifications allowed: a stand-in records what the page shows.
        try b.js("""
            window.shown = [];
            window.Notification = function (title, options) { window.shown.push(title + ': ' + (options.body || '')); };
            window.Notification.permission = 'granted';
            """)
        newClaude("asks", turns: [[["say": "trusted now"]]])
        m.waitState("asks", ["waiting"])
        try b.wait("return document.querySelector('.card[data-name=\"asks\"]')?.dataset.state === 'waiting'")
        try b.wait("return window.shown.length > 0", timeout: 3)
        let shown = try b.js("return window.shown") as? [String] ?? []
        XCTAssertEqual(shown.count, 1, "\(shown)")
        XCTAssertTrue(shown.first?.hasPrefix("asks is waiting: workspace trust dialog") == true, "\(shown)")
        XCTAssertTrue(try b.string("return document.querySelector('.card[data-name=\"asks\"] .doing').textContent")
            .contains("workspace trust dialog"))
        try b.click(".card[data-name=\"asks\"] h2 a")
        try b.wait("return !document.getElementById('s-permission').hidden", timeout: 5)
        XCTAssertTrue(try b.string("return document.getElementById('s-question').textContent").contains("Do you trust the files in this folder?"))
        try b.click("#s-options button.primary")
        waitReport("asks", "idle trusted now")
        m.waitState("asks", ["idle"])
        try b.wait("return document.getElementById('s-state').textContent === 'idle' && document.getElementById('s-permission').hidden", timeout: 5)
        let events = self.events("asks").compactMap { $0["detail"] as? String }
        XCTAssertTrue(events.contains { $0.hasPrefix("approve 1") }, "\(events)")
    }
}

/// `hivefs mount --web`: the dashboard beside the mount, ending with its daemon.
final class WebMountTests: XCTestCase {
    /// A loopback port free now (the system's pick, released).
    func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
                guard bind(fd, p, len) == 0 else { return -1 }
                return getsockname(fd, p, &len)
            }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func testMountWebServesTheDashboardUntilItsDaemonEnds() throws {
        let m = try MountFixture()
        var daemon: pid_t = 0
        addTeardownBlock {
            if daemon > 0 { kill(daemon, SIGKILL) }
            m.tearDown()
        }
        let port = freePort()
        try "web-port = \(port)\n".write(toFile: m.root + "/web.toml", atomically: true, encoding: .utf8)
        let r = m.sh("'\(MountFixture.binary)' mount '\(m.mnt)' --state '\(m.state)' --socket \(m.socket) --web --config '\(m.root)/web.toml'")
        XCTAssertEqual(r.status, 0, r.out + r.err)
        daemon = pid_t((try? String(contentsOfFile: m.state + "/daemon.pid", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        let line = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("hivefs: dashboard at ") }, r.out + r.err)
        let url = String(line.dropFirst("hivefs: dashboard at ".count))
        XCTAssertTrue(url.hasPrefix("http://127.0.0.1:\(port)/?token="), url)
        let web = WebFixture(m)
        web.port = port
        web.token = String(url.split(separator: "=").last ?? "")
        XCTAssertEqual(try String(contentsOfFile: m.state + "/web.token", encoding: .utf8), web.token + "\n")
        XCTAssertEqual(try String(contentsOfFile: m.state + "/web.url", encoding: .utf8), url + "\n")
        XCTAssertEqual(web.authorized("GET", "/api/status")?.status, 200)
        XCTAssertEqual(web.request("GET", "/api/status")?.status, 401)
        // The daemon killed outright: the dashboard ends too, and says no more where it was.
        kill(daemon, SIGKILL)
        XCTAssertTrue(waitUntil(5) { web.request("GET", "/") == nil }, "the dashboard outlived its daemon")
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.state + "/web.url"))
        daemon = 0
    }
}

/// The page as the README shows it: agents working, waiting, paused and done,
/// screenshotted at a desktop's width and a phone's.
final class WebTourTests: ClaudeTestCase {
    func testTheTourPage() throws {
        let (_, b) = try openDashboard(m)
        try FileManager.default.createDirectory(atPath: webScreenshots, withIntermediateDirectories: true)
        let usage: [String: Any] = ["input_tokens": 1200, "output_tokens": 840, "cache_read_input_tokens": 18000, "cache_creation_input_tokens": 2100]
        newClaude("auth-feature", prompt: "Add OAuth login", turns: [[
            ["tools": [["name": "Read", "input": ["file_path": work + "/src/a.swift"]]], "say": "Reading the login code.", "usage": usage],
            ["tools": [["name": "Edit", "input": ["file_path": work + "/src/a.swift"]]], "say": "OAuth login is in; the token check moved into TokenStore.", "usage": usage],
        ]])
        newClaude("refactor", prompt: "Split the parser", turns: [[
            ["tools": [["name": "Bash", "input": ["command": "rm -rf build"], "permission": "ask"]]],
            ["say": "Cleaned."],
        ]])
        newShell("tests", "sh -c 'while :; do printf .; sleep 2; done'")
        newShell("docs", "sleep 1000")
        XCTAssertEqual(m.write("docs/control", "pause\n"), 0)
        waitReport("auth-feature", "idle")
        m.waitState("refactor", ["waiting"])
        try b.size(1280, 720)
        try b.wait("return document.querySelectorAll('.card').length === 4")
        let order = try b.js("return [...document.querySelectorAll('.card')].map(c => c.dataset.name)") as? [String]
        XCTAssertEqual(order?.first, "refactor", "a session waiting for the user comes first")
        let total = try b.string("return document.getElementById('total').textContent")
        let cost = (Double(m.status("auth-feature", "cost.usd") ?? "") ?? -1) + (Double(m.status("refactor", "cost.usd") ?? "0") ?? 0)
        XCTAssertEqual(total, "$" + String(format: "%.2f", cost))
        XCTAssertTrue(try b.string("return document.querySelector('.card[data-name=\"auth-feature\"] .meta').textContent").contains("cost $"))
        try b.screenshot(webScreenshots + "/tour-wide.png")
        try b.size(375, 812)
        try b.wait("return document.documentElement.scrollWidth <= window.innerWidth")
        try b.screenshot(webScreenshots + "/tour-phone.png")
        try b.click(".card[data-name=\"refactor\"] h2 a")
        try b.wait("return !document.getElementById('s-permission').hidden && document.getElementById('s-screen').textContent.length > 0", timeout: 5)
        try b.screenshot(webScreenshots + "/tour-phone-session.png")
    }
}
