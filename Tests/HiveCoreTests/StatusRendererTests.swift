import Foundation
import XCTest
@testable import HiveCore

final class StatusRendererTests: XCTestCase {
    /// The keys of DESIGN.md §2, in its order.
    static let keys = [
        "name", "state", "agent", "command", "dir", "branch", "worktree", "parent", "changed", "pid", "cpu", "memory",
        "memory.peak", "cpu.seconds", "pids", "pids.refused", "oom", "limit.memory", "limit.cpu", "limit.pids", "cgroup", "sandbox", "sandbox.network",
        "created", "started", "activity",
        "idle", "tool", "model", "agent.session", "reports", "tokens.input", "tokens.output", "tokens.cache_read",
        "tokens.cache_write", "cost.usd", "cost.unpriced", "cost.source", "transcript.skipped", "message", "budget", "budget.left", "idle-timeout",
        "idle-timeout.left", "queue", "events", "disk", "attach",
        "ended", "exit", "reason",
    ]
    static let numeric: Set<String> = ["pid", "cpu", "memory", "memory.peak", "cpu.seconds", "pids", "pids.refused", "oom", "limit.memory",
                                       "limit.cpu", "limit.pids", "idle", "tokens.input", "tokens.output", "tokens.cache_read",
                                       "tokens.cache_write", "cost.usd", "transcript.skipped", "idle-timeout",
                                       "idle-timeout.left", "queue", "events", "exit"]

    private let ctx = RenderContext(now: t(11_512), socket: "hive")

    private func newRecord() -> SessionRecord {
        SessionRecord.replay([Log.created("auth-feature", at: 0)])!
    }

    private func workingRecord() -> SessionRecord {
        var spec = SessionSpec(); spec.dir = "/home/ana/src/app"
        return SessionRecord.replay([
            Log.created("auth-feature", at: 0, spec: spec),
            Log.state(.starting, "auth-feature", at: 214, pid: 48211, command: "claude --session-id 4f1c"),
            Log.state(.working, "auth-feature", at: 2_512),
        ])!
    }

    private func killedRecord() -> SessionRecord {
        SessionRecord.replay([
            Log.created("auth-feature", at: 0),
            Log.state(.starting, "auth-feature", at: 214, pid: 48211, command: "claude"),
            Log.state(.killed, "auth-feature", at: 5_000, exit: 143, reason: "kill\nfrom uid 1000"),
        ])!
    }

    private func json(_ s: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any], file: file, line: line)
    }

    // MARK: status

    func testTextKeysInTheDesignOrder() {
        for r in [newRecord(), workingRecord(), killedRecord()] {
            XCTAssertEqual(keyValues(StatusRenderer.text(r, ctx)).map(\.0), Self.keys, "\(r.state)")
        }
    }

    func testTextOfAWorkingSession() {
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(workingRecord(), ctx)))
        XCTAssertEqual(kv["name"], "auth-feature")
        XCTAssertEqual(kv["state"], "working")
        XCTAssertEqual(kv["agent"], "claude")
        XCTAssertEqual(kv["command"], "claude --session-id 4f1c")
        XCTAssertEqual(kv["dir"], "/home/ana/src/app")
        XCTAssertEqual(kv["pid"], "48211")
        XCTAssertEqual(kv["created"], "2026-11-24T10:00:00.000Z")
        XCTAssertEqual(kv["started"], "2026-11-24T10:00:00.214Z")
        XCTAssertEqual(kv["activity"], "2026-11-24T10:00:02.512Z")
        XCTAssertEqual(kv["idle"], "9")
        XCTAssertEqual(kv["events"], "3")
        XCTAssertEqual(kv["attach"], "tmux -L hive attach -t auth-feature")
        XCTAssertEqual(kv["ended"], "-")
        XCTAssertEqual(kv["exit"], "-")
        XCTAssertEqual(kv["reason"], "-")
        XCTAssertEqual(kv["tool"], "-")
    }

    func testTextOfANewSessionShowsDashForUnknowns() {
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(newRecord(), ctx)))
        XCTAssertEqual(kv["state"], "new")
        for key in ["command", "dir", "branch", "pid", "cpu", "memory", "started", "idle", "tool", "ended", "exit", "reason", "attach", "cost.usd"] {
            XCTAssertEqual(kv[key], "-", key)
        }
        XCTAssertEqual(kv["events"], "1")
        XCTAssertEqual(kv["activity"], "2026-11-24T10:00:00.000Z")
    }

    func testTextOfAnEndedSession() {
        let text = StatusRenderer.text(killedRecord(), ctx)
        let kv = Dictionary(uniqueKeysWithValues: keyValues(text))
        XCTAssertEqual(kv["state"], "killed")
        XCTAssertEqual(kv["ended"], "2026-11-24T10:00:05.000Z")
        XCTAssertEqual(kv["exit"], "143")
        XCTAssertEqual(kv["reason"], "kill\\nfrom uid 1000", "a newline in a value is escaped")
        XCTAssertEqual(kv["pid"], "-", "no pid once the agent is gone")
        XCTAssertEqual(kv["cpu"], "-")
        XCTAssertEqual(kv["memory"], "-")
        XCTAssertEqual(kv["idle"], "-", "idle is for live sessions")
        XCTAssertEqual(kv["attach"], "-")
        XCTAssertEqual(lines(of: text).count, Self.keys.count, "one line per key even with a newline in a value")
    }

    func testEveryLineIsKeySpaceValue() {
        for r in [newRecord(), workingRecord(), killedRecord()] {
            for l in lines(of: StatusRenderer.text(r, ctx)) {
                let parts = l.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                XCTAssertEqual(parts.count, 2, l)
                XCTAssertFalse(parts[1].isEmpty, "a value is never empty: \(l)")
                XCTAssertFalse(parts[1].hasPrefix(" "), "one space between key and value: \(l)")
                XCTAssertEqual(String(parts[0]), parts[0].lowercased(), l)
            }
        }
    }

    func testIdleCountsFromTerminalOutputWhenLater() {
        let r = workingRecord()
        let c = RenderContext(now: t(11_512), socket: "hive", output: t(10_000))
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(r, c)))
        XCTAssertEqual(kv["activity"], "2026-11-24T10:00:10.000Z")
        XCTAssertEqual(kv["idle"], "1")
        let older = RenderContext(now: t(11_512), socket: "hive", output: t(1_000))
        XCTAssertEqual(StatusRenderer.activity(r, older), t(2_512), "older output does not move activity back")
    }

    func testTextStaysTheSameUntilItsNextTickAndChangesThen() throws {
        var idle = workingRecord()
        idle.apply(Log.state(.idle, "auth-feature", at: 4_700))
        idle.idleTimeout = 600
        for (r, output) in [(workingRecord(), nil), (workingRecord(), t(10_250)), (idle, t(3_000))] {
            for now in stride(from: Int64(5_000), to: 16_000, by: 333) {
                let c = RenderContext(now: t(now), socket: "hive", output: output)
                let until = try XCTUnwrap(StatusRenderer.unchangedUntil(r, c))
                XCTAssertGreaterThan(until, t(now))
                let text = StatusRenderer.text(r, c)
                let from = t(now).milliseconds
                for later in [from + 1, (from + until.milliseconds) / 2, until.milliseconds - 1] where later < until.milliseconds {
                    let at = RenderContext(now: Timestamp(milliseconds: later), socket: "hive", output: output)
                    XCTAssertEqual(StatusRenderer.text(r, at), text, "at \(later), before \(until.milliseconds)")
                }
                XCTAssertNotEqual(StatusRenderer.text(r, RenderContext(now: until, socket: "hive", output: output)), text,
                                  "a shown second ticks at \(until.milliseconds)")
            }
        }
    }

    func testAnEndedSessionsTextDoesNotDependOnTheClock() {
        XCTAssertNil(StatusRenderer.unchangedUntil(killedRecord(), ctx))
        XCTAssertEqual(StatusRenderer.text(killedRecord(), ctx),
                       StatusRenderer.text(killedRecord(), RenderContext(now: t(9_000_000), socket: "hive")))
    }

    func testAttachUsesTheSocket() {
        let c = RenderContext(now: t(0), socket: "hive-test")
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(workingRecord(), c)))
        XCTAssertEqual(kv["attach"], "tmux -L hive-test attach -t auth-feature")
    }

    func testWaitingShowsWhatItWaitsFor() {
        var r = workingRecord()
        r.apply(Log.state(.waiting, "auth-feature", at: 3_000, reason: "permission: Bash(rm -rf build)"))
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(r, ctx)))
        XCTAssertEqual(kv["state"], "waiting")
        XCTAssertEqual(kv["reason"], "permission: Bash(rm -rf build)")
        XCTAssertEqual(kv["pid"], "48211")
    }

    func testCPUAndMemoryOfARunningSession() throws {
        var c = ctx
        c.cpu = 12.46
        c.memory = 187_432_960
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(workingRecord(), c)))
        XCTAssertEqual(kv["cpu"], "12.5", "one decimal")
        XCTAssertEqual(kv["memory"], "187432960")
        let s = StatusRenderer.json(workingRecord(), c)
        XCTAssertTrue(s.contains(#""pid":48211,"cpu":12.5,"memory":187432960,"memory.peak":null,"#), s)
        let obj = try json(s)
        XCTAssertEqual((obj["cpu"] as? NSNumber)?.doubleValue, 12.5)
        XCTAssertEqual((obj["memory"] as? NSNumber)?.int64Value, 187_432_960)
        c.cpu = 0
        XCTAssertTrue(StatusRenderer.json(workingRecord(), c).contains(#""cpu":0.0,"#))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(workingRecord(), c)))["cpu"], "0.0")
    }

    func testCPUAndMemoryAreUnknownOnceEnded() throws {
        var c = ctx
        c.cpu = 3.2
        c.memory = 4096
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(killedRecord(), c)))
        XCTAssertEqual(kv["cpu"], "-", "only a running session has processes to measure")
        XCTAssertEqual(kv["memory"], "-")
        let obj = try json(StatusRenderer.json(killedRecord(), c))
        XCTAssertTrue(obj["cpu"] is NSNull)
        XCTAssertTrue(obj["memory"] is NSNull)
    }

    // MARK: status.json

    func testJSONHasTheSameKeysInTheSameOrder() throws {
        for r in [newRecord(), workingRecord(), killedRecord()] {
            let s = StatusRenderer.json(r, ctx)
            XCTAssertTrue(s.hasSuffix("}\n"))
            XCTAssertEqual(s.filter { $0 == "\n" }.count, 1, "one line")
            let obj = try json(s)
            XCTAssertEqual(Set(obj.keys), Set(Self.keys))
            var last = s.startIndex
            for key in Self.keys {
                guard let range = s.range(of: "\"\(key)\":") else { XCTFail("\(key) missing"); continue }
                XCTAssertGreaterThan(range.lowerBound, last, "\(key) out of order")
                last = range.lowerBound
            }
        }
    }

    func testJSONAgreesWithText() throws {
        for r in [newRecord(), workingRecord(), killedRecord()] {
            try assertJSONTwin(keyValues(StatusRenderer.text(r, ctx)), try json(StatusRenderer.json(r, ctx)),
                               numeric: Self.numeric, "\(r.state)")
        }
    }

    func testJSONKeepsTheValueUnescaped() throws {
        let obj = try json(StatusRenderer.json(killedRecord(), ctx))
        XCTAssertEqual(obj["reason"] as? String, "kill\nfrom uid 1000")
        XCTAssertEqual(obj["exit"] as? Int, 143)
        XCTAssertEqual(obj["events"] as? Int, 3)
    }

    func testJSONNumbersAreNumbers() throws {
        let s = StatusRenderer.json(workingRecord(), ctx)
        XCTAssertTrue(s.contains(#""pid":48211"#), s)
        XCTAssertTrue(s.contains(#""idle":9"#), s)
        XCTAssertTrue(s.contains(#""events":3"#), s)
        XCTAssertTrue(s.contains(#""tokens.input":null"#), s)
        XCTAssertTrue(s.contains(#""ended":null"#), s)
    }

    func testEmptyStringsAreUnknown() throws {
        var r = killedRecord()
        r.reason = ""
        r.commandLine = ""
        let kv = Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(r, ctx)))
        XCTAssertEqual(kv["reason"], "-")
        XCTAssertEqual(kv["command"], "-")
        let obj = try json(StatusRenderer.json(r, ctx))
        XCTAssertTrue(obj["reason"] is NSNull)
        XCTAssertTrue(obj["command"] is NSNull)
    }

    // MARK: root status

    private func row(_ name: String, _ state: SessionState, agent: AgentName = .claude, lastMs: Int64) -> (SessionRecord, RenderContext) {
        var spec = SessionSpec(); spec.agent = agent
        var r = SessionRecord(name: name, spec: spec, created: t(0))
        r.apply(Log.created(name, at: 0, spec: spec))
        if state != .new { r.apply(Log.state(state, name, at: lastMs, pid: 1)) }
        return (r, RenderContext(now: t(60_000), socket: "hive"))
    }

    func testRootStatusWithNoSessionsIsTheHeader() {
        XCTAssertEqual(RootStatusRenderer.text([]), "NAME  STATE  AGENT  IDLE  TOKENS  COST  BRANCH  CPU  MEM  REASON\n")
    }

    func testRootStatusTable() {
        let text = RootStatusRenderer.text([
            row("auth-feature", .working, lastMs: 60_000),
            row("b", .idle, agent: .shell, lastMs: 0),
            row("fresh", .new, lastMs: 0),
        ])
        XCTAssertEqual(text, """
            NAME          STATE    AGENT   IDLE  TOKENS  COST  BRANCH  CPU  MEM  REASON
            auth-feature  working  claude  0     -       -     -       -    -    -
            b             idle     shell   60    -       -     -       -    -    -
            fresh         new      claude  -     -       -     -       -    -    -

            """)
    }

    func testRootStatusColumnsAlign() {
        let text = RootStatusRenderer.text([
            row("a", .working, lastMs: 0),
            row(String(repeating: "x", count: 40), .killed, lastMs: 0),
            row("mid-length", .paused, agent: .shell, lastMs: 59_000),
        ])
        let ls = lines(of: text)
        XCTAssertEqual(ls.count, 4)
        func starts(_ l: String) -> [Int] {
            var out: [Int] = []
            var prevSpace = true
            for (i, c) in l.enumerated() {
                if c != " " && prevSpace { out.append(i) }
                prevSpace = c == " "
            }
            return out
        }
        let header = starts(ls[0])
        XCTAssertEqual(header.count, 10)
        for l in ls.dropFirst() {
            XCTAssertEqual(starts(l), header, l)
            XCTAssertFalse(l.hasSuffix(" "), "no trailing spaces: \(l.debugDescription)")
        }
        for l in ls {
            XCTAssertEqual(l.split(separator: " ").count, 10, "awk sees ten fields: \(l)")
        }
        XCTAssertTrue(ls[0].hasPrefix("NAME" + String(repeating: " ", count: 38) + "STATE"), ls[0])
    }
}

final class RootStatusJSONTests: XCTestCase {
    func testTheRootArrayHoldsEachSessionsObjectInOrder() throws {
        XCTAssertEqual(RootStatusRenderer.json([]), Array("[]\n".utf8))
        let text = String(decoding: RootStatusRenderer.json([Array("{\"name\":\"a\",\"changed\":2}\n".utf8),
                                                             Array("{\"name\":\"b\",\"changed\":null}\n".utf8)]), as: UTF8.self)
        XCTAssertEqual(text, "[\n{\"name\":\"a\",\"changed\":2},\n{\"name\":\"b\",\"changed\":null}\n]\n")
        let array = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        XCTAssertEqual(array.map { $0["name"] as? String }, ["a", "b"])
    }

    func testChangedIsGitsCountAndUnknownWithoutIt() {
        var ctx = RenderContext(now: Timestamp(milliseconds: 0), socket: "hive")
        guard let r = SessionRecord.replay([Log.created("x", at: 0)]) else { return XCTFail("no record") }
        XCTAssertTrue(StatusRenderer.text(r, ctx).contains("\nchanged -\n"))
        ctx.gitChanged = 3
        XCTAssertTrue(StatusRenderer.text(r, ctx).contains("\nchanged 3\n"))
        XCTAssertTrue(StatusRenderer.json(r, ctx).contains("\"changed\":3"))
    }
}
