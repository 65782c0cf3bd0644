import Foundation
import HiveCore
import XCTest

/// The real Claude Code on another host (`box`, sshd in a network namespace of the
/// test's own), made, watched and steered from this one, with its link cut in the
/// middle of a turn: the agent works on there, and this host's view catches up by
/// itself with every event, once.
final class RemoteClaudeTests: RealClaudeTestCase {
    var box: SSHHost!

    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        box = try SSHHost()
        addTeardownBlock { [box] in box?.tearDown() }
        try box.hostsEntry().write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
        // box's daemon runs Claude Code as this host's would: the same program, home and model server.
        box.daemon.environment += m.environment
        box.daemon.crashDaemon()
        try box.daemon.mount()
    }

    /// This host's root `events` lines of box's session `name`, without `@box/`.
    func relayed(_ name: String) -> [String] {
        (m.read("events") ?? "").split(separator: "\n").filter { $0.hasPrefix("@box/\(name) ") }.map { String($0.dropFirst(5)) }
    }

    /// box's own root `events` lines of its session `name`.
    func there(_ name: String) -> [String] {
        (box.daemon.read("events") ?? "").split(separator: "\n").filter { $0.hasPrefix("\(name) ") }.map(String.init)
    }

    func testATurnThereGoesOnAcrossACutLinkAndNothingOfItIsLostHere() throws {
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@box").out.contains("control\n") }, m.daemonLog)
        // About 15 s of work: a read, then twenty words streamed 750 ms apart.
        let prompt = "[[slow 750]] [[read src/a.swift]] [[say Read it across the cut, slowly, one word at a time, "
            + "so that the link is cut and made again while this turn is still going on.]]"
        XCTAssertEqual(m.write("@box/control", "new turn agent=claude dir=\(work) prompt=\"\(prompt)\"\n"), 0,
                       m.read("@box/control") ?? "")
        XCTAssertTrue(waitUntil(60) { self.m.read("@box/turn/state") == "working\n" }, (m.read("@box/turn/events") ?? "") + m.daemonLog)
        XCTAssertTrue(waitUntil(10) { self.relayed("turn").contains { $0.contains(" tool Read src/a.swift") } },
                      relayed("turn").joined(separator: "\n"))

        let cut = Date()
        box.cut()
        XCTAssertTrue(waitUntil(25) { (self.m.read("@box/status") ?? "").contains("link down since") }, m.read("@box/status") ?? "")
        // Claude Code works on there, its hooks and events taken by box's own daemon.
        box.daemon.waitState("turn", ["idle"], timeout: 90)
        XCTAssertTrue(box.daemon.eventKinds("turn", ["idle"]).contains { $0.contains("Read it across the cut, slowly") })
        let idle = box.daemon.eventObjects("turn").last { $0["kind"] as? String == "idle" }?["time"] as? String
        XCTAssertGreaterThan(idle ?? "", Timestamp(milliseconds: Int64(cut.timeIntervalSince1970 * 1000)).rfc3339,
                             "the turn ended after the cut, while the link was down")
        XCTAssertTrue(box.daemon.eventKinds("turn", ["tool"]).contains("tool Read src/a.swift"))
        XCTAssertEqual(m.read("@box/turn/state"), nil, "nothing read there while cut")
        box.restore()

        // Caught up by itself: the files, the table and every event, once, in order.
        XCTAssertTrue(waitUntil(60) { self.m.read("@box/turn/state") == "idle\n" }, m.daemonLog)
        XCTAssertTrue(waitUntil(30) { self.relayed("turn") == self.there("turn") },
                      "here:\n\(relayed("turn").joined(separator: "\n"))\nthere:\n\(there("turn").joined(separator: "\n"))")
        XCTAssertTrue(relayed("turn").contains { $0.contains("tool Read src/a.swift") })
        XCTAssertEqual(m.read("@box/turn/events"), box.daemon.read("turn/events"))
        let row = (m.read("status") ?? "").split(separator: "\n").first { $0.hasPrefix("@box/turn ") }
        XCTAssertEqual(row?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first, "idle")
        XCTAssertEqual(m.read("@box/turn/status")?.split(separator: "\n").first { $0.hasPrefix("tokens.output ") },
                       box.daemon.read("turn/status")?.split(separator: "\n").first { $0.hasPrefix("tokens.output ") })
    }
}
