import Foundation
import XCTest

/// `hivefs top` run in a real terminal: a tmux session on a private socket, driven
/// with send-keys and read with capture-pane, against a real mount.
final class TopScreen {
    let m: MountFixture
    let socket: String

    init(_ m: MountFixture, width: Int, height: Int, args: String = "") {
        self.m = m
        socket = m.socket + "-ui"
        let top = "exec \(MountFixture.binary) top --mount \(m.mnt) --interval 0.5 \(args)"
        let r = m.sh("cd \(m.root) && \(tmux) new-session -d -s ui -x \(width) -y \(height) \(TopScreen.quote(top))")
        XCTAssertEqual(r.status, 0, r.err)
    }

    /// tmux with UTF-8 (the frame draws lines and ellipses) and no user config.
    var tmux: String { "env LC_ALL=C.UTF-8 TERM=xterm-256color tmux -u -f /dev/null -L \(socket)" }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    var text: String { m.sh("\(tmux) capture-pane -p -t ui").out }

    /// Keys by tmux's names (`Enter`, `Escape`, `C-b`, `j`).
    func keys(_ names: String...) { _ = m.sh("\(tmux) send-keys -t ui \(names.joined(separator: " "))") }

    /// Text typed as it is.
    func type(_ s: String) { _ = m.sh("\(tmux) send-keys -t ui -l \(TopScreen.quote(s))") }

    /// The list row of a session (after the selection marker).
    func row(_ name: String) -> String? {
        text.split(separator: "\n").map(String.init).first { $0.dropFirst(2).hasPrefix(name + " ") }
    }

    @discardableResult
    func wait(_ what: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line,
              _ ok: @escaping (String) -> Bool) -> Bool {
        let done = waitUntil(timeout) { ok(self.text) }
        if !done { XCTFail("\(what); the screen:\n\(text)", file: file, line: line) }
        return done
    }

    func waitRow(_ name: String, _ needles: String..., file: StaticString = #filePath, line: UInt = #line) {
        wait("\(name)'s row shows \(needles)", file: file, line: line) { _ in
            guard let r = self.row(name) else { return false }
            return needles.allSatisfy { r.contains($0) }
        }
    }

    /// Selects a session through the filter, as a user with many would.
    func select(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        keys("/", "C-u"); type(name); keys("Enter")
        wait("\(name) selected", file: file, line: line) { $0.contains("> \(name) ") }
    }

    var alive: Bool { m.sh("\(tmux) has-session -t ui").status == 0 }

    func close() { _ = m.sh("\(tmux) kill-server") }
}

final class TopTests: ClaudeTestCase {
    override var quietAfter: Double { 0.5 }

    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        // The agents' folder is a repository with one uncommitted change: BRANCH and CHG show it.
        let r = m.sh("cd \(work) && git init -q -b main && git -c user.email=t@t -c user.name=t add -A && git -c user.email=t@t -c user.name=t commit -qm init && echo 'let b = 2' >> src/a.swift")
        XCTAssertEqual(r.status, 0, r.err)
    }

    func startTop(width: Int = 150, height: Int = 40) -> TopScreen {
        let ui = TopScreen(m, width: width, height: height)
        addTeardownBlock { ui.close() }
        return ui
    }

    func testFiveAgentsAtAGlanceAndSteeredFromTheKeyboard() {
        newClaude("review", turns: [[
            ["tools": [["name": "Bash", "input": ["command": "rm -rf build"], "permission": "ask"]],
             "usage": ["input_tokens": 3, "output_tokens": 172]],
            ["say": "Cleaned."],
        ]])
        newShell("build", "sh -c 'while :; do echo compiling; sleep 0.2; done'")
        newShell("chat", "cat")
        newShell("tests", "sleep 300")
        newShell("docs", "sleep 300")
        m.waitState("review", ["waiting"])
        let ui = startTop()

        // At a glance: every session, its state, what it is doing, tokens, cost, branch, changes.
        ui.wait("five sessions in the title") { $0.contains("5 sessions:") }
        let cost = Double(m.status("review", "cost.usd") ?? "") ?? -1
        ui.waitRow("review", "waiting", "claude", "permission Bash rm -rf build", " 175 ", String(format: "$%.2f", cost), " main ")
        ui.wait("one changed file, as git counts it") { _ in
            ui.row("review")?.trimmingCharacters(in: .whitespaces).hasSuffix(" 1") == true
        }
        ui.waitRow("build", "working", "shell")
        for name in ["chat", "tests", "docs"] { ui.waitRow(name, "idle", "shell") }
        // The selected session's events and screen.
        ui.select("review")
        ui.wait("review's events in the detail pane") { $0.contains("permission Bash rm -rf build") && $0.contains("── review") }

        // Any control line, through `:`: answer the permission prompt.
        ui.keys(":"); ui.type("keys 1"); ui.keys("Enter")
        m.waitState("review", ["idle"])
        ui.waitRow("review", "idle", "Cleaned.")

        // Send a prompt; pause and resume.
        ui.select("chat")
        ui.keys("s"); ui.type("Use the \"TokenStore\" $(id)"); ui.keys("Enter")
        XCTAssertTrue(waitUntil(10) { (self.m.read("chat/screen") ?? "").contains("Use the \"TokenStore\" $(id)\nUse the \"TokenStore\" $(id)") },
                      "typed as written, then echoed by cat: \(m.read("chat/screen") ?? "")")
        ui.keys("p")
        m.waitState("chat", ["paused"])
        ui.waitRow("chat", "paused")
        ui.keys("r")
        m.waitState("chat", ["working", "idle"])

        // Interrupt: C-c ends the loop, and the session with it.
        ui.select("build")
        ui.keys("i")
        m.waitState("build", ["exited"])
        XCTAssertTrue((m.read("build/events") ?? "").contains(" control interrupt\n"))
        // A refused write says its errno and the reason `control` gives.
        ui.keys("p")
        ui.wait("the refusal shown") { $0.contains("ESRCH build is not running (it is exited)") }

        // Kill asks first; remove moves it to history/.
        ui.select("tests")
        ui.keys("K")
        ui.wait("kill asks") { $0.contains("kill tests? y/n") }
        ui.keys("n")
        ui.wait("cancelled") { $0.contains("cancelled") }
        XCTAssertEqual(m.state("tests"), "idle")
        ui.keys("K", "y")
        m.waitState("tests", ["killed"])
        ui.waitRow("tests", "killed")
        ui.keys("x", "y")
        XCTAssertTrue(waitUntil(10) { self.m.read("tests/status") == nil }, "tests removed")
        XCTAssertEqual(m.sh("ls $MNT/history").out.hasPrefix("tests-"), true)
        ui.wait("tests gone from the list") { $0.contains("4 sessions:") && !$0.contains("  tests ") }

        // A new session, in the directory top was started in.
        ui.keys("n"); ui.type("fresh agent=shell command=\"sleep 300\""); ui.keys("Enter")
        m.waitState("fresh", ["working", "idle"])
        XCTAssertEqual(m.status("fresh", "dir"), m.root)
        ui.wait("fresh selected") { $0.contains("> fresh ") }

        ui.keys("q")
        XCTAssertTrue(waitUntil(5) { !ui.alive }, "q quits")
    }

    func testAttachHandsTheTerminalOverAndComesBack() {
        newShell("pane", "sh -c 'echo I am the pane; cat'")
        let ui = startTop()
        ui.waitRow("pane", "shell")
        ui.keys("Enter")
        ui.wait("the agent's own terminal") { $0.contains("I am the pane") && $0.contains("[pane]") && !$0.contains("hivefs top") }
        ui.type("typed in the pane"); ui.keys("Enter")
        XCTAssertTrue(waitUntil(10) { (self.m.read("pane/screen") ?? "").contains("typed in the pane\ntyped in the pane") })
        ui.keys("C-b", "d")
        ui.wait("back in top") { $0.contains("hivefs top") && $0.contains("back from pane") }
        XCTAssertEqual(m.state("pane") == "exited", false, "detaching leaves the agent running")
    }

    func testResizeNarrowAndShortTerminals() {
        newShell("a-session-with-a-long-name", "sleep 300")
        newShell("b", "sleep 300")
        let ui = startTop(width: 150, height: 40)
        ui.wait("every column at 150") { $0.contains("BRANCH") && $0.contains("CHG") && $0.contains("── ") }
        _ = m.sh("\(ui.tmux) resize-window -t ui -x 60 -y 14")
        ui.wait("the narrow layout") { t in
            !t.contains("BRANCH") && t.contains("NAME") && t.contains("STATE") && !t.contains("── ")
                && t.split(separator: "\n").count <= 14
        }
        XCTAssertNotNil(ui.row("b"))
        _ = m.sh("\(ui.tmux) resize-window -t ui -x 24 -y 6")
        ui.wait("a tiny terminal keeps the names") { $0.contains("NAME") && $0.contains("a-session") }
        _ = m.sh("\(ui.tmux) resize-window -t ui -x 150 -y 40")
        ui.wait("wide again") { $0.contains("BRANCH") && $0.contains("── ") }
        XCTAssertTrue(ui.alive)
    }

    func testSIGTERMGivesTheTerminalBack() throws {
        newShell("b", "sleep 300")
        let ui = startTop()
        ui.waitRow("b", "idle")
        // Keep the pane after top ends, to see what it left on the terminal, and
        // record what it writes from now on.
        let written = m.root + "/top-output"
        _ = m.sh("\(ui.tmux) set-option -t ui remain-on-exit on")
        _ = m.sh("\(ui.tmux) pipe-pane -t ui -o 'cat >> \(written)'")
        ui.wait("the recording has begun") { _ in (try? String(contentsOfFile: written, encoding: .utf8))?.isEmpty == false }
        let pid = try XCTUnwrap(pid_t(m.sh("\(ui.tmux) display-message -p -t ui '#{pane_pid}'").out
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGTERM)
        XCTAssertTrue(waitUntil(5) { self.m.sh("\(ui.tmux) display-message -p -t ui '#{pane_dead}'").out == "1\n" }, "it ended")
        XCTAssertEqual(m.sh("\(ui.tmux) display-message -p -t ui '#{alternate_on}'").out, "0\n", "the shell's screen back")
        XCTAssertFalse(ui.text.contains("hivefs top"), ui.text)
        let bytes = (try? String(contentsOfFile: written, encoding: .utf8)) ?? ""
        XCTAssertTrue(bytes.hasSuffix("\u{1B}[?1049l\u{1B}[?25h"), "the last it wrote: the main screen, then the cursor shown")
    }

    func testAMountThatGoesAwayIsSaidAndFoundAgain() throws {
        newShell("survivor", "sleep 300")
        let ui = startTop()
        ui.waitRow("survivor", "idle")
        XCTAssertEqual(m.sh("\(MountFixture.binary) unmount \(m.mnt)").status, 0)
        ui.wait("the mount is gone") { $0.contains("cannot read the mount: ENOENT") && $0.contains("retrying every 2 s") }
        XCTAssertTrue(ui.alive)
        try m.mount()
        ui.wait("found again") { $0.contains("1 session:") && !$0.contains("cannot read the mount") }
        ui.waitRow("survivor", "idle")
    }

    func testWithoutATerminalItSaysSoAndOncePrintsAFrame() {
        newShell("plain", "sleep 300")
        let r = m.sh("'\(MountFixture.binary)' top --mount $MNT < /dev/null")
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.err, "hivefs: ENOTTY hivefs top needs a terminal (use --once to print one frame)\n")
        let once = m.sh("'\(MountFixture.binary)' top --mount $MNT --once --size 80x20")
        XCTAssertEqual(once.status, 0, once.err)
        let lines = once.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, 20)
        XCTAssertTrue(lines.allSatisfy { $0.count <= 80 })
        XCTAssertTrue(once.out.contains("> plain ") && once.out.contains("1 session:"), once.out)
        XCTAssertFalse(once.out.contains("\u{1B}"), "plain text, no colours")
        let gone = m.sh("'\(MountFixture.binary)' top --mount \(m.root)/nothing --once")
        XCTAssertEqual(gone.status, 64)
        XCTAssertTrue(gone.err.hasPrefix("hivefs: cannot read \(m.root)/nothing: ENOENT"), gone.err)
    }

    func testADaemonThatStopsAnsweringIsSaidAndTheKeysStillWork() throws {
        newShell("held", "sleep 300")
        let ui = startTop()
        ui.waitRow("held", "idle")
        let daemon = try XCTUnwrap(m.daemon)
        kill(daemon, SIGSTOP)
        defer { kill(daemon, SIGCONT) }
        ui.wait("the silence is said") { $0.contains("the mount has not answered for") }
        ui.keys("p")
        ui.wait("a write is refused rather than queued") { $0.contains("the mount does not answer; nothing was written") }
        kill(daemon, SIGCONT)
        ui.wait("answering again") { !$0.contains("has not answered") && $0.contains("1 session:") }
        XCTAssertEqual(m.state("held"), "idle", "the refused pause was never written")
        kill(daemon, SIGSTOP)
        ui.wait("silent again") { $0.contains("the mount has not answered for") }
        // q gives the terminal back at once. The process may only end once the daemon
        // answers: a request the daemon has already taken cannot be abandoned.
        ui.keys("q")
        XCTAssertTrue(waitUntil(5) { !ui.alive || self.m.sh("\(ui.tmux) display-message -p -t ui '#{alternate_on}'").out == "0\n" },
                      "the shell's screen is back")
        kill(daemon, SIGCONT)
        XCTAssertTrue(waitUntil(10) { !ui.alive }, "and it has ended")
    }

    func testTwoHundredSessions() {
        let lines = (0..<200).map { String(format: "new s%03d agent=shell dir=\(m.root) command=\"sleep 600\"\n", $0) }
        for chunk in stride(from: 0, to: 200, by: 50) {
            XCTAssertEqual(m.write("control", lines[chunk..<(chunk + 50)].joined()), 0, m.read("control") ?? "")
        }
        XCTAssertTrue(waitUntil(120) { self.m.sh("grep -c ' idle ' $MNT/status").out == "200\n" }, m.read("status") ?? "")
        let ui = startTop(width: 100, height: 30)
        ui.wait("200 sessions") { $0.contains("200 sessions: 200 idle") && $0.contains("> s000 ") }
        ui.keys("G")
        ui.wait("the last one, scrolled to") { $0.contains("> s199 ") && !$0.contains(" s000 ") }
        ui.keys("PageUp")
        ui.wait("a page up") { t in t.contains("> s1") && !t.contains("> s199 ") }
        ui.keys("/"); ui.type("s15")
        ui.wait("the filter narrows as it is typed") { t in
            let rows = t.split(separator: "\n").filter { $0.dropFirst(2).hasPrefix("s15") }
            return rows.count == 10 && t.contains("> s150 ")
        }
        ui.keys("Escape")
        ui.wait("every row again") { $0.contains("> s1") && !$0.contains("/s15") }
    }
}
