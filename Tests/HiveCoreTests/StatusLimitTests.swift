import Foundation
import XCTest
@testable import HiveCore

/// The keys `status` and `summary` show for limits, usage and the sandbox.
final class StatusLimitTests: XCTestCase {
    static let newKeys = ["memory.peak", "cpu.seconds", "pids", "pids.refused", "oom", "limit.memory", "limit.cpu", "limit.pids",
                          "cgroup", "sandbox", "sandbox.network"]

    private func spec(sandbox: String = "bwrap", network: Bool = false) -> SessionSpec {
        var s = SessionSpec()
        s.sandbox = sandbox
        s.sandboxNetwork = network
        s.limits = ResourceLimits(memory: 1 << 30, cpu: 150, pids: 512)
        return s
    }

    private func usageEvent(_ u: ResourceUsage, at ms: Int64) -> Event {
        var e = Event(time: t(ms), session: "a", kind: EventKind.usage, detail: u.description)
        e.key = "usage"
        e.value = u.text
        return e
    }

    private func oomEvent(_ n: Int64, at ms: Int64) -> Event {
        var e = Event(time: t(ms), session: "a", kind: EventKind.limit, detail: "oom")
        e.key = "oom"
        e.value = String(n)
        return e
    }

    private func working(_ spec: SessionSpec) -> SessionRecord {
        SessionRecord.replay([Log.created("a", at: 0, spec: spec), Log.state(.starting, "a", at: 10, pid: 42, command: "agent"),
                              Log.state(.working, "a", at: 20)])!
    }

    private func ended(_ spec: SessionSpec) -> SessionRecord {
        SessionRecord.replay([Log.created("a", at: 0, spec: spec), Log.state(.starting, "a", at: 10, pid: 42, command: "agent"),
                              oomEvent(1, at: 500),
                              usageEvent(ResourceUsage(cpuSeconds: 7.24, memoryPeak: 900 << 20, oom: 1), at: 900),
                              Log.state(.exited, "a", at: 1_000, exit: 137, reason: "oom")])!
    }

    private func live() -> RenderContext {
        var c = RenderContext(now: t(2_000), socket: "hive")
        c.memory = 100 << 20
        c.usage = ResourceUsage(cpuSeconds: 12.34, memoryPeak: 64 << 20, oom: 0)
        c.pids = 7
        c.cgroup = "/sys/fs/cgroup/user.slice/hivefs-0123abcd/a"
        return c
    }

    private func kv(_ r: SessionRecord, _ c: RenderContext) -> [String: String] {
        Dictionary(uniqueKeysWithValues: keyValues(StatusRenderer.text(r, c)))
    }

    private func json(_ s: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
    }

    func testTheNewKeysComeBetweenMemoryAndCreated() {
        for r in [working(spec()), ended(spec()), working(SessionSpec())] {
            let keys = keyValues(StatusRenderer.text(r, live())).map(\.0)
            let from = keys.firstIndex(of: "memory").map { $0 + 1 } ?? 0
            let to = keys.firstIndex(of: "created") ?? 0
            XCTAssertEqual(Array(keys[from..<to]), Self.newKeys)
            XCTAssertEqual(keys, StatusRendererTests.keys)
        }
    }

    func testALiveSessionShowsItsCgroupsCountersNow() throws {
        let r = working(spec())
        let kv = kv(r, live())
        XCTAssertEqual(kv["memory"], "104857600")
        XCTAssertEqual(kv["memory.peak"], "67108864")
        XCTAssertEqual(kv["cpu.seconds"], "12.3")
        XCTAssertEqual(kv["pids"], "7")
        XCTAssertEqual(kv["oom"], "0")
        XCTAssertEqual(kv["limit.memory"], "1073741824")
        XCTAssertEqual(kv["limit.cpu"], "150")
        XCTAssertEqual(kv["limit.pids"], "512")
        XCTAssertEqual(kv["cgroup"], "/sys/fs/cgroup/user.slice/hivefs-0123abcd/a")
        XCTAssertEqual(kv["sandbox"], "bwrap")
        XCTAssertEqual(kv["sandbox.network"], "off")

        let s = StatusRenderer.json(r, live())
        XCTAssertTrue(s.contains(#""memory":104857600,"memory.peak":67108864,"cpu.seconds":12.3,"pids":7,"pids.refused":0,"oom":0,"#
            + #""limit.memory":1073741824,"limit.cpu":150,"limit.pids":512,"#
            + #""cgroup":"/sys/fs/cgroup/user.slice/hivefs-0123abcd/a","sandbox":"bwrap","sandbox.network":"off","created":"#), s)
        try assertJSONTwin(keyValues(StatusRenderer.text(r, live())), try json(s),
                           numeric: StatusRendererTests.numeric, "live")
    }

    func testALiveSessionWithoutACgroupShowsItsKillsAndLimitsOnly() {
        var r = working(spec(sandbox: "none", network: true))
        r.apply(oomEvent(2, at: 30))
        var c = RenderContext(now: t(2_000), socket: "hive")
        c.memory = 4096
        let kv = kv(r, c)
        for key in ["memory.peak", "cpu.seconds", "pids", "cgroup", "sandbox.network"] { XCTAssertEqual(kv[key], "-", key) }
        XCTAssertEqual(kv["oom"], "2", "the kills recorded in this run")
        XCTAssertEqual(kv["limit.memory"], "1073741824")
        XCTAssertEqual(kv["sandbox"], "none")
    }

    func testAnEndedSessionShowsWhatItsRunUsed() throws {
        let r = ended(spec(network: true))
        let kv = kv(r, live())
        XCTAssertEqual(kv["memory"], "-")
        XCTAssertEqual(kv["memory.peak"], "943718400", "from the record, not the context")
        XCTAssertEqual(kv["cpu.seconds"], "7.2")
        XCTAssertEqual(kv["pids"], "-", "no tasks once ended")
        XCTAssertEqual(kv["oom"], "1")
        XCTAssertEqual(kv["cgroup"], "-", "removed with the run")
        XCTAssertEqual(kv["limit.cpu"], "150", "the limits stay for its next start")
        XCTAssertEqual(kv["sandbox.network"], "on")
        XCTAssertEqual(kv["reason"], "oom")
        let obj = try json(StatusRenderer.json(r, live()))
        XCTAssertEqual((obj["memory.peak"] as? NSNumber)?.int64Value, 943_718_400)
        XCTAssertEqual((obj["cpu.seconds"] as? NSNumber)?.doubleValue, 7.2)
        XCTAssertTrue(obj["pids"] is NSNull)
        XCTAssertTrue(obj["cgroup"] is NSNull)
        XCTAssertEqual(obj["sandbox.network"] as? String, "on")
    }

    func testANewSessionShowsItsLimitsAndNoUsage() throws {
        var s = SessionSpec()
        s.limits.pids = 64
        let r = SessionRecord.replay([Log.created("a", at: 0, spec: s)])!
        let kv = kv(r, live())
        for key in ["memory.peak", "cpu.seconds", "pids", "oom", "limit.memory", "limit.cpu", "cgroup", "sandbox.network"] {
            XCTAssertEqual(kv[key], "-", key)
        }
        XCTAssertEqual(kv["limit.pids"], "64")
        XCTAssertEqual(kv["sandbox"], "none", "an empty sandbox is none")
        let obj = try json(StatusRenderer.json(r, live()))
        XCTAssertTrue(obj["limit.memory"] is NSNull)
        XCTAssertEqual((obj["limit.pids"] as? NSNumber)?.int64Value, 64)
    }

    func testLimitsSetByControlWinOverTheSpecs() {
        var r = working(spec())
        var e = Event(time: t(50), session: "a", kind: EventKind.policy, detail: "limits memory=64M")
        e.key = "limits"
        e.value = "memory=64M"
        r.apply(e)
        let kv = kv(r, live())
        XCTAssertEqual(kv["limit.memory"], "67108864")
        XCTAssertEqual(kv["limit.cpu"], "-", "the set replaces the spec's whole")
        XCTAssertEqual(kv["limit.pids"], "-")
    }

    // MARK: summary

    private func summary(_ r: SessionRecord) -> SessionSummary {
        SessionSummary(record: r, ledger: nil, prices: .standard, commits: nil, diff: nil)
    }

    func testTheSummaryKeepsWhatTheRunUsedAfterReason() throws {
        let s = summary(ended(spec()))
        let pairs = keyValues(s.text)
        let keys = pairs.map(\.0)
        let at = try XCTUnwrap(keys.firstIndex(of: "reason"))
        XCTAssertEqual(Array(keys[(at + 1)...(at + 9)]),
                       ["cpu.seconds", "memory.peak", "oom", "pids.refused", "limit.memory", "limit.cpu", "limit.pids", "sandbox", "tokens.input"])
        let kv = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(kv["how"], "oom")
        XCTAssertEqual(kv["exit"], "137")
        XCTAssertEqual(kv["cpu.seconds"], "7.2")
        XCTAssertEqual(kv["memory.peak"], "943718400")
        XCTAssertEqual(kv["oom"], "1")
        XCTAssertEqual(kv["limit.memory"], "1073741824")
        XCTAssertEqual(kv["limit.cpu"], "150")
        XCTAssertEqual(kv["limit.pids"], "512")
        XCTAssertEqual(kv["sandbox"], "bwrap")

        XCTAssertTrue(s.json.contains(#""how":"oom","exit":137,"reason":"oom","cpu.seconds":7.2,"memory.peak":943718400,"oom":1,"pids.refused":0,"#
            + #""limit.memory":1073741824,"limit.cpu":150,"limit.pids":512,"sandbox":"bwrap","tokens.input":null"#), s.json)
    }

    func testASummaryWithoutACgroupShowsDashes() throws {
        let r = SessionRecord.replay([Log.created("a", at: 0), Log.state(.starting, "a", at: 10, pid: 42),
                                      Log.state(.exited, "a", at: 1_000, exit: 0)])!
        let s = summary(r)
        let kv = Dictionary(keyValues(s.text), uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(kv["how"], "exit 0")
        for key in ["cpu.seconds", "memory.peak", "oom", "limit.memory", "limit.cpu", "limit.pids"] { XCTAssertEqual(kv[key], "-", key) }
        XCTAssertEqual(kv["sandbox"], "none")
        let obj = try json(s.json)
        for key in ["cpu.seconds", "memory.peak", "oom", "limit.memory", "limit.cpu", "limit.pids"] {
            XCTAssertTrue(obj[key] is NSNull, key)
        }
        XCTAssertEqual(obj["sandbox"] as? String, "none")
    }
}
