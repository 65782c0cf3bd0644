import Foundation
import HiveCore
import XCTest

/// Three hosts as one fleet: this one and two others over real ssh (`box` and
/// `vm`, each sshd in a network namespace of the test's own). The root `status`,
/// `status.json` and `events` here show every host's sessions, named
/// `@HOST/SESSION`, and nothing of theirs is lost or doubled across a cut link.
final class FleetTests: MountedTestCase {
    var box: SSHHost!
    var vm: SSHHost!

    override func prepare(_ m: MountFixture) throws {
        box = try SSHHost(name: "box")
        addTeardownBlock { [box] in box?.tearDown() }
        vm = try SSHHost(name: "vm")
        addTeardownBlock { [vm] in vm?.tearDown() }
        try (box.hostsEntry() + vm.hostsEntry()).write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
        for (host, name) in [(box!, "far"), (vm!, "away")] {
            XCTAssertEqual(host.daemon.write("control", "new \(name) agent=shell dir=\(host.daemon.root) command=\"sleep 300\"\n"), 0)
            host.daemon.waitState(name, ["idle"])
        }
    }

    /// A session of this host's own.
    func makeNear() {
        XCTAssertEqual(m.write("control", "new near agent=shell dir=\(m.root) command=\"sleep 300\"\n"), 0)
        m.waitState("near", ["idle"])
    }

    /// The lines of a root `events` file, as read through a mount.
    func lines(_ f: MountFixture, _ path: String = "events") -> [String] {
        (f.read(path) ?? "").split(separator: "\n").map(String.init)
    }

    /// This host's root `events` lines of another host, without their `@HOST/`.
    func theirs(_ host: String) -> [String] {
        lines(m).filter { $0.hasPrefix("@\(host)/") }.map { String($0.dropFirst(host.count + 2)) }
    }

    func testOtherHostsEventsJoinTheRootEventsOnceEachAcrossACutLink() {
        makeNear()
        XCTAssertTrue(waitUntil(15) { self.m.read("@box/far/state") == "idle\n" }, m.daemonLog)
        // Followed from the end of box's events when first linked: what comes next arrives here.
        XCTAssertEqual(box.daemon.write("far/control", "pause\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.theirs("box").contains { $0.hasPrefix("far ") && $0.contains("paused") } },
                      "root events: \(lines(m).suffix(5))\nlog: \(m.daemonLog)")
        XCTAssertTrue(theirs("vm").isEmpty, "nothing of vm happened")

        // Cut until this side knows it is down; box goes on meanwhile.
        box.cut()
        XCTAssertTrue(waitUntil(25) { (self.m.read("@box/status") ?? "").contains("link down since") }, m.read("@box/status") ?? "")
        for verb in ["resume", "pause", "resume", "budget 1000000", "budget off"] {
            XCTAssertEqual(box.daemon.write("far/control", verb + "\n"), 0, verb)
        }
        XCTAssertEqual(box.daemon.write("control", "new later agent=shell dir=\(box.daemon.root) command=\"sleep 300\"\n"), 0)
        box.daemon.waitState("later", ["idle"])
        let there = lines(box.daemon)
        box.restore()

        // Caught up by itself: every line box wrote since the first one seen here, once, in order.
        XCTAssertTrue(waitUntil(60) { self.theirs("box").last == there.last }, "here: \(theirs("box").suffix(3))\nthere: \(there.suffix(3))\nlog: \(m.daemonLog)")
        let here = theirs("box")
        guard let first = here.first, let start = there.firstIndex(of: first) else { return XCTFail("\(here.prefix(2)) not in box's events") }
        XCTAssertEqual(here, Array(there[start...]), "nothing lost, nothing doubled")
        XCTAssertTrue(here.contains { $0.hasPrefix("later ") }, "a session made there during the cut")

        // A restart here reads on from where it stood: once that is kept (a crash
        // between the lines written here and the offset kept may repeat the last
        // lines, as hivefs(5) says; never lose one).
        let farEvents = box.daemon.state + "/events"
        func kept() -> String? {
            (try? String(contentsOfFile: m.state + "/hosts.events", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("box ") }.map { String($0.dropFirst(4)) }
        }
        XCTAssertTrue(waitUntil(5) { kept() == ((try? FileManager.default.attributesOfItem(atPath: farEvents))?[.size] as? Int).map(String.init) },
                      "kept: \(kept() ?? "none")")
        m.crashDaemon()
        XCTAssertEqual(box.daemon.write("far/control", "pause\n"), 0)
        XCTAssertNoThrow(try m.mount())
        let after = lines(box.daemon)
        XCTAssertTrue(waitUntil(30) { self.theirs("box").last == after.last }, m.daemonLog)
        XCTAssertEqual(theirs("box"), Array(after[start...]), "across a restart too")
        // Local sessions' lines stay as they were: no prefix.
        XCTAssertTrue(lines(m).contains { $0.hasPrefix("near ") })
    }

    /// The root `status.json` here, as objects.
    func fleet() -> [[String: Any]] {
        let data = Data((m.read("status.json") ?? "").utf8)
        return ((try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]) ?? []
    }

    func row(_ name: String) -> [String: Any]? { fleet().first { $0["name"] as? String == name } }

    /// The root `status` table's line for a name, as words.
    func line(_ name: String) -> [String]? {
        (m.read("status") ?? "").split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == name }
    }

    /// The dashboard shows other hosts' sessions, follows their changes, and steers them.
    func testTheWebPageShowsAndSteersOtherHostsSessions() throws {
        makeNear()
        XCTAssertTrue(waitUntil(15) { self.m.read("@box/far/state") == "idle\n" }, m.daemonLog)
        let (_, b) = try openDashboard(m)
        try b.wait("return ['near', '@box/far', '@vm/away'].every(n => document.querySelector(`.card[data-name=\"${n}\"]`))", timeout: 10)
        // A change made on box shows here, pushed through the link.
        XCTAssertEqual(box.daemon.write("far/control", "pause\n"), 0)
        try b.wait("return document.querySelector('.card[data-name=\"@box/far\"]').dataset.state === 'paused'", timeout: 5)
        // Its page shows its events and screen, and its buttons act there.
        try b.click(".card[data-name=\"@box/far\"] h2 a")
        try b.wait("return document.getElementById('s-name').textContent === '@box/far' && document.querySelectorAll('#s-events li').length > 0", timeout: 10)
        try b.click("#s-actions [data-verb=resume]")
        box.daemon.waitState("far", ["idle", "working"])
        try b.wait("return document.getElementById('s-state').textContent !== 'paused'", timeout: 5)
        try b.wait("return [...document.querySelectorAll('#s-events li')].some(e => e.textContent.includes('control resume'))", timeout: 5)
    }

    func testTheRootStatusShowsEveryHostsSessions() throws {
        makeNear()
        XCTAssertTrue(waitUntil(15) { self.line("@box/far")?[1] == "idle" && self.line("@vm/away")?[1] == "idle" },
                      (m.read("status") ?? "") + m.daemonLog)
        XCTAssertEqual(line("near")?[1], "idle")
        XCTAssertEqual(fleet().compactMap { $0["name"] as? String }, ["near", "@box/far", "@vm/away"], "this host's first, then host by host")
        let far = try XCTUnwrap(row("@box/far"))
        XCTAssertEqual(far["state"] as? String, "idle")
        XCTAssertEqual(far["agent"] as? String, "shell")
        XCTAssertEqual(far["dir"] as? String, box.daemon.root, "the far side's facts, as it tells them")

        // Its attach line runs tmux there through ssh: asked whether the session is there, tmux says yes.
        let attach = try XCTUnwrap(far["attach"] as? String)
        XCTAssertTrue(attach.hasPrefix("ssh "), attach)
        let words = try CommandLineWords.split(attach)
        XCTAssertTrue(words.contains("-t") && words.contains("box"), attach)
        let probe = CommandLineWords.join(words.map { $0.replacingOccurrences(of: " attach ", with: " has-session ") })
        let asked = m.sh(probe + " </dev/null")
        XCTAssertEqual(asked.status, 0, probe + ": " + asked.err)

        // A change there shows at the next read here, without waiting for anything.
        XCTAssertEqual(m.write("@vm/away/control", "pause\n"), 0)
        XCTAssertEqual(line("@vm/away")?[1], "paused")
        XCTAssertTrue(m.sh("'\(MountFixture.binary)' top --once --size 160x20 --mount $MNT").out.contains("@vm/away"))

        // A cut link: its host is one row saying why, the others as they were.
        box.cut()
        XCTAssertTrue(waitUntil(25) { self.line("@box")?[1] == "down" }, m.read("status") ?? "")
        XCTAssertTrue(line("@box")?.joined(separator: " ").contains("link down since") == true)
        XCTAssertNil(line("@box/far"))
        XCTAssertEqual(row("@box")?["state"] as? String, "down")
        XCTAssertEqual(line("@vm/away")?[1], "paused")
        XCTAssertEqual(line("near")?[1], "idle")
        box.restore()
        XCTAssertTrue(waitUntil(60) { self.line("@box/far")?[1] == "idle" }, (m.read("status") ?? "") + m.daemonLog)
        XCTAssertNil(line("@box"))
    }

    /// `hivefs COMMAND --mount MNT ARGS`.
    func hivefs(_ command: String, _ args: String) -> MountFixture.Result {
        m.sh("'\(MountFixture.binary)' \(command) --mount $MNT \(args)")
    }

    func testTheCommandLineTakesOtherHostsSessions() {
        XCTAssertTrue(waitUntil(15) { self.m.read("@vm/away/state") == "idle\n" }, m.daemonLog)
        // new @HOST/NAME: made there, in its directory (or its home).
        let made = hivefs("new", "@vm/made --dir \(vm.daemon.root) -- sleep 300")
        XCTAssertEqual(made.status, 0, made.err)
        vm.daemon.waitState("made", ["idle", "working"])
        XCTAssertEqual(vm.daemon.read("made/dir"), vm.daemon.root + "\n")
        XCTAssertTrue(hivefs("status", "@vm/made").out.contains("name made\n"))
        let bad = hivefs("new", "@vm/made -- true")
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.err.contains("EEXIST"), bad.err)
        XCTAssertNotEqual(hivefs("new", "@vm -- true").status, 0, "@HOST alone names no session")

        // Completion offers them as @HOST/NAME.
        XCTAssertTrue(waitUntil(5) { self.m.bashCompletion("hivefs attach --mount \(self.m.mnt) @vm/").contains("@vm/made") })
        XCTAssertEqual(Set(m.bashCompletion("hivefs status --mount \(m.mnt) @vm/")), ["@vm/away", "@vm/made"])
        XCTAssertTrue(m.bashCompletion("hivefs status --mount \(m.mnt) ").contains("@box/far"))

        // attach says why it cannot.
        let none = hivefs("attach", "@vm/nope")
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.err.contains("no session @vm/nope"), none.err)
        vm.cut()
        XCTAssertTrue(waitUntil(25) { self.line("@vm")?[1] == "down" })
        let down = hivefs("attach", "@vm/made")
        XCTAssertNotEqual(down.status, 0)
        XCTAssertTrue(down.err.contains("vm is down: link down since"), down.err)
        vm.restore()
    }

    func testAFarDaemonThatCrashedIsSaidSoAndSeenAgainOnceBack() throws {
        XCTAssertTrue(waitUntil(15) { self.m.read("@box/far/state") == "idle\n" }, m.daemonLog)
        box.daemon.crashDaemon()
        XCTAssertTrue(waitUntil(20) { (self.m.read("@box/status") ?? "").contains("no hivefs daemon is running") },
                      (m.read("@box/status") ?? "") + m.daemonLog)
        XCTAssertEqual(m.write("@box/far/control", "pause\n"), ENOTCONN, m.sh("ls -l $MNT/@box/far; cat $MNT/@box/status").out)
        XCTAssertEqual(line("@box")?[1], "down")
        XCTAssertEqual(line("@vm/away")?[1], "idle", "the other host is not touched")

        // Mounted again there, it adopts its agents (which ran on), and this host sees it by itself.
        XCTAssertNoThrow(try box.daemon.mount())
        XCTAssertTrue(waitUntil(45) { self.m.read("@box/far/state") == "idle\n" }, m.daemonLog)
        XCTAssertEqual(m.write("@box/far/control", "pause\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.theirs("box").filter { $0.hasPrefix("far ") && $0.hasSuffix("state paused") }.count == 1 },
                      "\(theirs("box"))")
        XCTAssertEqual(line("@box/far")?[1], "paused")
    }

    func testHostsThatNameEachOtherShowEachOthersSessionsOnce() throws {
        makeNear()
        // box names this host `back`, reached by a stand-in for ssh that runs the far command here.
        let fake = m.root + "/fake-ssh"
        try "#!/bin/sh\nwhile [ $# -gt 0 ] && [ \"$1\" != -- ]; do shift; done\nshift\nexec sh -c \"$*\"\n"
            .write(toFile: fake, atomically: false, encoding: .utf8)
        chmod(fake, 0o755)
        let serve = "'\(MountFixture.binary)' serve --stdio --state '\(m.state)'".replacingOccurrences(of: "'", with: "\\u0027")
        try "[hosts.back]\ndestination = \"back\"\nssh = \"\(fake)\"\ncommand = \"\(serve)\"\n"
            .write(toFile: box.daemon.root + "/none.toml", atomically: false, encoding: .utf8)
        box.daemon.crashDaemon()
        try box.daemon.mount()
        XCTAssertTrue(waitUntil(20) { self.box.daemon.read("@back/near/state") == "idle\n" }, box.daemon.daemonLog)
        XCTAssertTrue(waitUntil(20) { self.m.read("@box/far/state") == "idle\n" }, m.daemonLog)

        XCTAssertEqual(m.write("near/control", "pause\n"), 0)
        XCTAssertEqual(box.daemon.write("far/control", "pause\n"), 0)
        XCTAssertTrue(waitUntil(5) { self.theirs("box").contains { $0.hasPrefix("far ") && $0.hasSuffix("state paused") } })
        XCTAssertTrue(waitUntil(5) { self.lines(self.box.daemon).contains { $0.hasPrefix("@back/near ") && $0.hasSuffix("state paused") } })
        Thread.sleep(forTimeInterval: 2)
        XCTAssertFalse(lines(m).contains { $0.hasPrefix("@box/@") }, "a line never comes back: \(lines(m).suffix(6))")
        XCTAssertFalse(lines(box.daemon).contains { $0.hasPrefix("@back/@") }, "\(lines(box.daemon).suffix(6))")

        // Each lists the other's own sessions, never its own come back, and answers at once.
        let start = Date()
        XCTAssertEqual(fleet().compactMap { $0["name"] as? String }, ["near", "@box/far", "@vm/away"])
        let theirs = ((try? JSONSerialization.jsonObject(with: Data((box.daemon.read("status.json") ?? "").utf8))) as? [[String: Any]]) ?? []
        XCTAssertEqual(theirs.compactMap { $0["name"] as? String }, ["far", "@back/near"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 3, "no asking round in a circle")
    }

    /// `tail -f` on this host's root `events` and on another host's session `events`.
    func testTailFollowsOtherHostsEventsHereAndThere() {
        XCTAssertTrue(waitUntil(15) { self.m.read("@vm/away/state") == "idle\n" }, m.daemonLog)
        var tails: [(String, pid_t)] = []
        for path in ["events", "@vm/away/events"] {
            let out = m.root + "/tail-" + path.replacingOccurrences(of: "/", with: "_")
            let pid = spawn(["/usr/bin/tail", "-n", "0", "-f", m.mnt + "/" + path], stdout: out, stderr: "/dev/null") ?? -1
            XCTAssertGreaterThan(pid, 0)
            addTeardownBlock { if pid > 0 { kill(pid, SIGKILL); var st: Int32 = 0; waitpid(pid, &st, 0) } }
            tails.append((out, pid))
        }
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertEqual(vm.daemon.write("away/control", "pause\n"), 0)
        func printed(_ i: Int) -> String { (try? String(contentsOfFile: tails[i].0, encoding: .utf8)) ?? "" }
        XCTAssertTrue(waitUntil(5) { printed(0).contains("@vm/away ") && printed(0).hasSuffix("state paused\n") }, printed(0))
        XCTAssertTrue(waitUntil(5) { printed(1).contains("control pause") && printed(1).hasSuffix("state paused\n") }, printed(1))
        XCTAssertFalse(printed(1).contains("@vm"), "the session's own file, as vm shows it")
    }
}
