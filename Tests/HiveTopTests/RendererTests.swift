import XCTest
@testable import HiveTop

final class RendererTests: XCTestCase {
    func sample(_ n: Int) -> Dashboard {
        var d = Dashboard(mount: "/home/ana/hive", defaultDir: "/")
        d.update((0..<n).map { i in
            var r = SessionRow(name: "agent-\(i)-日本", state: ["working", "waiting", "idle", "paused", "killed"][i % 5], agent: "claude")
            r.tool = i % 2 == 0 ? "Bash swift build && swift test --filter 'ALongFilter'" : nil
            r.reason = i % 2 == 1 ? "permission Edit src/login.swift" : nil
            r.idle = Int64(i * 37); r.tokens = Int64(i * 12345); r.cost = Double(i) * 0.37
            r.branch = "hive/agent-\(i)"; r.changed = Int64(i); r.model = "claude-sonnet-4-5"; r.events = 40
            return r
        })
        d.events = (0..<60).map { "2026-11-26T03:00:\(String(format: "%02d", $0)).000Z tool Read src/file\($0).swift" }
        d.screen = (0..<30).map { "screen line \($0) 🐝" } + ["", "   "]
        return d
    }

    func testEveryFrameFitsItsTerminalExactly() {
        var d = sample(200)
        for width in [1, 10, 20, 33, 40, 60, 80, 100, 119, 120, 160, 240] {
            for height in [1, 2, 3, 5, 8, 15, 16, 24, 40, 60] {
                for mode in [Dashboard.Mode.browse, .prompt(.send("agent-1-日本"), LineEditor(String(repeating: "x", count: 300))),
                             .confirm(.kill("agent-1-日本"))] {
                    d.mode = mode
                    d.scroll(height: DashboardRenderer.listHeight(d, height: height))
                    let out = DashboardRenderer.render(d, width: width, height: height, clock: "03:00:00")
                    XCTAssertEqual(out.frame.lines.count, height, "\(width)x\(height)")
                    for line in out.frame.lines {
                        XCTAssertLessThanOrEqual(Cells.width(line.text), width, "\(width)x\(height) \(mode): \(line.text)")
                    }
                    if let c = out.cursor {
                        XCTAssertLessThan(c.row, height); XCTAssertLessThan(c.column, width)
                    }
                }
            }
        }
    }

    func testColumnsGiveWayInOrderAsTheTerminalNarrows() {
        let rows = sample(5).rows
        func kinds(_ w: Int) -> [String] { Columns.layout(rows, width: w).map(\.kind.rawValue) }
        XCTAssertEqual(kinds(160), ["NAME", "STATE", "AGENT", "DOING", "IDLE", "TOKENS", "COST", "CPU", "MEM", "BRANCH", "CHG"])
        XCTAssertEqual(kinds(80), ["NAME", "STATE", "AGENT", "DOING", "IDLE", "TOKENS", "COST", "CHG"])
        XCTAssertEqual(kinds(50), ["NAME", "STATE", "DOING", "IDLE"])
        XCTAssertEqual(kinds(30), ["NAME", "STATE"])
    }

    func testAFrameShowsTheFactsOfEachRowAndTheSelectedSessionsDetail() {
        var d = sample(3)
        d.selected = "agent-1-日本"
        let text = DashboardRenderer.render(d, width: 160, height: 30, clock: "03:00:00").frame.text
        XCTAssertTrue(text.contains("3 sessions: 1 working, 1 waiting, 1 idle  $1.11"), text)
        XCTAssertTrue(text.contains("> agent-1-日本"), text)
        XCTAssertTrue(text.contains("permission Edit src/login.swift"), text)
        XCTAssertTrue(text.contains("12.3k"), text)
        XCTAssertTrue(text.contains("hive/agent-2"), text)
        XCTAssertTrue(text.contains("── agent-1-日本  waiting  claude  claude-sonnet-4-5"), text)
        XCTAssertTrue(text.contains("03:00:59 tool Read src/file59.swift"), text)
        XCTAssertTrue(text.contains("│ screen line 29 🐝"), text)
        // Narrow: one pane at a time, switched with Tab.
        let narrow = DashboardRenderer.render(d, width: 80, height: 30, clock: "03:00:00").frame.text
        XCTAssertTrue(narrow.contains("events  (Tab: screen)"), narrow)
        XCTAssertFalse(narrow.contains("screen line"), narrow)
        _ = d.handle(.tab, page: 10)
        let other = DashboardRenderer.render(d, width: 80, height: 30, clock: "03:00:00").frame.text
        XCTAssertTrue(other.contains("screen line 29"), other)
    }

    func testAnUnreadableMountIsSaidAndTheLastRowsStay() {
        var d = sample(2)
        d.unreachable = "ENOTCONN /home/ana/hive/status.json: Transport endpoint is not connected"
        let text = DashboardRenderer.render(d, width: 120, height: 20, clock: "03:00:00").frame.text
        XCTAssertTrue(text.contains("not readable: ENOTCONN"), text)
        XCTAssertTrue(text.contains("retrying every 2 s"), text)
        XCTAssertTrue(text.contains("agent-0-日本"), text)
    }

    func testOnlyChangedLinesAreRewritten() {
        let a = Frame(lines: [Line("one"), Line("two"), Line("three")], width: 10)
        var b = a
        b.lines[1] = Line("TWO")
        let bytes = b.ansi(from: a, colour: false)
        XCTAssertEqual(bytes, "\u{1B}[2;1HTWO\u{1B}[K")
        XCTAssertTrue(a.ansi(from: nil).hasPrefix("\u{1B}[H\u{1B}[2J"))
        // A full line is not followed by an erase, which would wipe its last cell.
        let full = Frame(lines: [Line("0123456789")], width: 10)
        XCTAssertFalse(full.ansi(from: nil, colour: false).hasSuffix("\u{1B}[K"))
    }
}
