import XCTest
@testable import HiveTop

final class DashboardTests: XCTestCase {
    func rows(_ n: Int, state: String = "working") -> [SessionRow] {
        (0..<n).map { i in
            var r = SessionRow(name: String(format: "agent-%03d", i), state: state, agent: "claude")
            r.tool = "Edit src/file\(i).swift"; r.idle = Int64(i); r.tokens = Int64(i * 1000); r.cost = Double(i) / 10
            r.branch = "hive/agent-\(i)"; r.changed = Int64(i % 7)
            return r
        }
    }

    func dashboard(_ rows: [SessionRow]) -> Dashboard {
        var d = Dashboard(mount: "/home/ana/hive", defaultDir: "/home/ana/src")
        d.update(rows)
        return d
    }

    func testKeysBecomeTheWritesAScriptWouldMake() {
        var d = dashboard(rows(3))
        XCTAssertEqual(d.selected, "agent-000")
        XCTAssertEqual(d.handle(.char("j"), page: 10), .select)
        XCTAssertEqual(d.handle(.char("p"), page: 10), .control("agent-001", "pause"))
        XCTAssertEqual(d.handle(.char("r"), page: 10), .control("agent-001", "resume"))
        XCTAssertEqual(d.handle(.char("i"), page: 10), .control("agent-001", "interrupt"))
        XCTAssertEqual(d.handle(.enter, page: 10), .attach("agent-001"))
        // Kill asks first; anything but y cancels.
        XCTAssertNil(d.handle(.char("K"), page: 10))
        XCTAssertEqual(d.mode, .confirm(.kill("agent-001")))
        XCTAssertNil(d.handle(.char("n"), page: 10))
        XCTAssertEqual(d.message?.text, "cancelled")
        XCTAssertNil(d.handle(.char("K"), page: 10))
        XCTAssertEqual(d.handle(.char("y"), page: 10), .control("agent-001", "kill"))
        // A prompt: typed, then sent as it was typed.
        XCTAssertNil(d.handle(.char("s"), page: 10))
        for c in "Use the \"TokenStore\"" { XCTAssertNil(d.handle(.char(c), page: 10)) }
        XCTAssertEqual(d.handle(.enter, page: 10), .control("agent-001", "send Use the \"TokenStore\""))
        XCTAssertEqual(d.mode, .browse)
        // Escape cancels a prompt.
        _ = d.handle(.char("s"), page: 10); _ = d.handle(.char("x"), page: 10)
        XCTAssertNil(d.handle(.escape, page: 10))
        XCTAssertEqual(d.mode, .browse)
        XCTAssertEqual(d.handle(.char("q"), page: 10), .quit)
    }

    func testNewRunsInTheDirectoryTopWasStartedInUnlessOneIsGiven() {
        var d = dashboard([])
        _ = d.handle(.char("n"), page: 10)
        for c in "fix agent=shell command=\"make test\"" { _ = d.handle(.char(c), page: 10) }
        XCTAssertEqual(d.handle(.enter, page: 10), .rootControl("new fix agent=shell command=\"make test\" dir=/home/ana/src"))
        _ = d.handle(.char("n"), page: 10)
        for c in "fix dir=/tmp" { _ = d.handle(.char(c), page: 10) }
        XCTAssertEqual(d.handle(.enter, page: 10), .rootControl("new fix dir=/tmp"))
    }

    func testAnEndedSessionCannotBeAttachedAndMustBeKilledBeforeRemoval() {
        var d = dashboard(rows(1, state: "killed"))
        XCTAssertNil(d.handle(.char("a"), page: 10))
        XCTAssertEqual(d.message?.isError, true)
        XCTAssertNil(d.handle(.char("x"), page: 10))
        XCTAssertEqual(d.handle(.char("y"), page: 10), .remove("agent-000"))
        var live = dashboard(rows(1))
        XCTAssertNil(live.handle(.char("x"), page: 10))
        XCTAssertEqual(live.mode, .browse)
        XCTAssertEqual(live.message?.text, "agent-000 is working; kill it (K) before removing it")
    }

    func testTheSelectionFollowsItsSessionAndScrolls() {
        var d = dashboard(rows(200))
        XCTAssertEqual(d.handle(.end, page: 20), .select)
        XCTAssertEqual(d.selected, "agent-199")
        d.scroll(height: 20)
        XCTAssertEqual(d.top, 180)
        _ = d.handle(.pageUp, page: 20)
        XCTAssertEqual(d.selected, "agent-179")
        d.scroll(height: 20)
        XCTAssertEqual(d.top, 179)
        // Its session gone, the selection moves to the row that took its place.
        var fewer = rows(200)
        fewer.remove(at: 179)
        d.update(fewer)
        XCTAssertEqual(d.selected, "agent-180")
        // A filter narrows the list as it is typed.
        _ = d.handle(.char("/"), page: 20)
        for c in "-05" { _ = d.handle(.char(c), page: 20) }
        XCTAssertEqual(d.visible.map(\.name), (50...59).map { "agent-0\($0)" })
        XCTAssertEqual(d.selected, "agent-050")
        _ = d.handle(.escape, page: 20)
        XCTAssertEqual(d.visible.count, 199)
    }

    func testOrderByAttentionPutsWhoNeedsAPersonFirst() {
        func row(_ n: String, _ state: String, _ idle: Int64?) -> SessionRow {
            var r = SessionRow(name: n, state: state); r.idle = idle; return r
        }
        var d = dashboard([row("a", "working", 0), row("b", "idle", 30), row("c", "waiting", 5), row("d", "killed", nil),
                           row("e", "waiting", 90), row("f", "failed", nil), row("g", "idle", 400)])
        XCTAssertEqual(d.visible.map(\.name), ["a", "b", "c", "d", "e", "f", "g"])
        XCTAssertNil(d.handle(.char("o"), page: 10))
        XCTAssertEqual(d.order, .attention)
        XCTAssertEqual(d.visible.map(\.name), ["e", "c", "f", "g", "b", "a", "d"], "waiting longest first, failed, idle, working, ended")
        _ = d.handle(.char("o"), page: 10)
        XCTAssertEqual(d.visible.map(\.name), ["g", "e", "b", "c", "a", "d", "f"], "idle longest first; not running last")
        _ = d.handle(.char("o"), page: 10)
        XCTAssertEqual(d.order, .name)
        // The selection stays on its session whatever the order.
        d.selected = "e"
        _ = d.handle(.char("o"), page: 10)
        XCTAssertEqual(d.selectedRow?.name, "e")
        XCTAssertEqual(d.handle(.down, page: 10), .select)
        XCTAssertEqual(d.selected, "c", "down moves in the order shown")
        let text = DashboardRenderer.render(d, width: 120, height: 30, clock: "00:00:00").frame.text
        XCTAssertTrue(text.contains("by attention"), text)
    }

    func testHelpListsTheKeysAndAnyKeyClosesIt() {
        var d = dashboard(rows(2))
        _ = d.handle(.char("?"), page: 10)
        let text = DashboardRenderer.render(d, width: 120, height: 30, clock: "00:00:00").frame.text
        XCTAssertTrue(text.contains("── keys") && text.contains("Enter or a   attach"), text)
        XCTAssertNil(d.handle(.escape, page: 10))
        XCTAssertFalse(d.showHelp)
        XCTAssertFalse(DashboardRenderer.render(d, width: 120, height: 30, clock: "00:00:00").frame.text.contains("── keys"))
    }
}
