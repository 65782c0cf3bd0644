import Foundation
import XCTest
@testable import HiveRuntime

/// `cpu` and `memory`: the fields read from /proc/PID/stat, the rate over recent
/// samples, and one scan of /proc serving every session read within a second.
final class ResourceMeterTests: XCTestCase {
    // MARK: /proc/PID/stat

    /// A stat line with fields 14–17 (CPU times) 150 25 7 3, 22 (start) 98765 and 24 (rss) 2048.
    private func statLine(pid: Int, command: String, state: String = "R", ppid: Int = 1, sid: Int = 1234) -> [UInt8] {
        Array(("\(pid) (\(command)) \(state) \(ppid) \(sid) \(sid) 34816 \(sid) 4194304 100 0 0 0 150 25 7 3 20 0 1 0 98765 "
            + "12345678 2048 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n").utf8)
    }

    func testStatFieldsAreCountedAfterTheLastParenthesis() throws {
        for command in ["sh", "a b", "x) R 9 9 9 (y", "((", ")", "tmux: server"] {
            let p = try XCTUnwrap(ProcessTree.parseStat(statLine(pid: 4242, command: command)), command)
            XCTAssertEqual(p.pid, 4242, command)
            XCTAssertEqual(p.ppid, 1, command)
            XCTAssertEqual(p.sid, 1234, command)
            XCTAssertEqual(p.state, "R", command)
            XCTAssertEqual(p.cpuTicks, 150 + 25 + 7 + 3, "utime, stime, cutime and cstime: \(command)")
            XCTAssertEqual(p.startTicks, 98765, command)
            XCTAssertEqual(p.rssPages, 2048, command)
        }
    }

    func testAShortStatLineStillGivesTheProcess() throws {
        let p = try XCTUnwrap(ProcessTree.parseStat(Array("7 (old) S 1 7 7\n".utf8)))
        XCTAssertEqual(p.pid, 7)
        XCTAssertEqual(p.state, "S")
        XCTAssertEqual(p.cpuTicks, 0)
        XCTAssertEqual(p.rssPages, 0)
        XCTAssertNil(ProcessTree.parseStat(Array("7 no parenthesis S 1 7 7".utf8)))
    }

    func testThisProcessHasTimeAndMemory() throws {
        let me = try XCTUnwrap(ProcessTree.read(getpid()))
        XCTAssertEqual(me.pid, getpid())
        XCTAssertGreaterThan(me.rssPages, 0)
        XCTAssertGreaterThan(me.startTicks, 0)
        XCTAssertGreaterThanOrEqual(me.cpuTicks, 0)
    }

    // MARK: CPUWindow

    func testTheRateIsTakenFromTheOldestSampleASecondOld() throws {
        var w = CPUWindow(ticksPerSecond: 100)
        XCTAssertNil(w.percent(now: 1_000, ticks: 0), "no sample yet")
        w.add(ms: 1_000, ticks: 0)
        XCTAssertNil(w.percent(now: 1_100, ticks: 10), "too short a span")
        XCTAssertEqual(try XCTUnwrap(w.percent(now: 1_250, ticks: 25)), 100, accuracy: 0.001, "200 ms or more will do meanwhile")
        w.add(ms: 2_000, ticks: 50)
        XCTAssertEqual(try XCTUnwrap(w.percent(now: 3_000, ticks: 100)), 50, accuracy: 0.001,
                       "100 ticks over 2 s: half a core, from the oldest sample")
        w.add(ms: 3_000, ticks: 100)
        XCTAssertEqual(try XCTUnwrap(w.percent(now: 3_500, ticks: 300)), 120, accuracy: 0.001, "300 ticks over 2.5 s")
    }

    func testSamplesOlderThanTheWindowAreDropped() throws {
        var w = CPUWindow(ticksPerSecond: 100)
        for s in 0...20 { w.add(ms: Int64(s) * 1_000, ticks: Int64(s) * 100) }
        XCTAssertEqual(w.samples.first?.ms, 10_000, "ten seconds kept")
        w.add(ms: 20_000, ticks: 5)
        XCTAssertEqual(w.samples.count, 11, "a sample no newer than the last is not kept")
        // A core busy for 20 s, then idle for one: 10 s of CPU over the 11 s since the oldest kept.
        XCTAssertEqual(try XCTUnwrap(w.percent(now: 21_000, ticks: 2_000)), 1_000.0 * 100_000 / (100 * 11_000), accuracy: 0.001)
    }

    func testASessionReadRarelyIsMeasuredSinceTheLastRead() throws {
        var w = CPUWindow(ticksPerSecond: 100)
        w.add(ms: 0, ticks: 0)
        w.add(ms: 30_000, ticks: 300)
        XCTAssertEqual(w.samples.map(\.ms), [0, 30_000], "the only sample a second old stays, however old")
        XCTAssertEqual(try XCTUnwrap(w.percent(now: 30_500, ticks: 300)), 300.0 * 100_000 / (100 * 30_500), accuracy: 0.001)
        w.add(ms: 31_000, ticks: 400)
        XCTAssertEqual(w.samples.map(\.ms), [30_000, 31_000], "now a newer one is")
    }

    func testTicksGoingDownCountZero() throws {
        var w = CPUWindow(ticksPerSecond: 100)
        w.add(ms: 0, ticks: 5_000)
        XCTAssertEqual(w.percent(now: 2_000, ticks: 100), 0, "a process that left with its time is not negative time")
        XCTAssertEqual(CPUWindow.percent(ticks: 100, overMS: 0, ticksPerSecond: 100), 0)
    }

    func testManySamplesAreCapped() {
        var w = CPUWindow(ticksPerSecond: 100)
        for ms in stride(from: Int64(0), to: 5_000, by: 10) { w.add(ms: ms, ticks: ms) }
        XCTAssertLessThanOrEqual(w.samples.count, CPUWindow.most)
    }

    // MARK: ResourceMeter

    /// A machine of made-up processes and a clock the test moves; it booted 10 s
    /// before the clock's 0.
    final class FakeMachine: @unchecked Sendable {
        private let lock = NSLock()
        private var procs: [ProcessTree.Proc] = []
        private var ms: Int64 = 0
        private(set) var scans = 0

        func set(_ p: [ProcessTree.Proc]) { lock.lock(); procs = p; lock.unlock() }
        func advance(_ d: Int64) { lock.lock(); ms += d; lock.unlock() }
        var now: Int64 { lock.lock(); defer { lock.unlock() }; return ms }
        func scan() -> [ProcessTree.Proc] { lock.lock(); defer { lock.unlock() }; scans += 1; return procs }

        var probe: ResourceMeter.Probe {
            ResourceMeter.Probe(scan: { self.scan() }, uptimeMS: { self.now + 10_000 }, monotonicMS: { self.now },
                                ticksPerSecond: 100, pageSize: 4096)
        }
    }

    private func proc(_ pid: pid_t, parent: pid_t, sid: pid_t, ticks: Int64, rss: Int64, start: Int64 = 0,
                      state: Character = "R") -> ProcessTree.Proc {
        ProcessTree.Proc(pid: pid, ppid: parent, sid: sid, state: state, cpuTicks: ticks, startTicks: start, rssPages: rss)
    }

    func testOneScanServesEverySessionReadWithinASecond() throws {
        let m = FakeMachine()
        var procs: [ProcessTree.Proc] = []
        for i in 0..<200 { procs.append(proc(pid_t(1000 + i), parent: 1, sid: pid_t(1000 + i), ticks: 0, rss: 1)) }
        m.set(procs)
        let meter = ResourceMeter(probe: m.probe)
        for i in 0..<200 { XCTAssertNotNil(meter.reading(.init(root: pid_t(1000 + i), leader: nil))) }
        XCTAssertEqual(m.scans, 1)
        XCTAssertEqual(meter.scans, 1)
        m.advance(999)
        _ = meter.reading(.init(root: 1000, leader: nil))
        XCTAssertEqual(m.scans, 1, "still the same second")
        m.advance(1)
        _ = meter.reading(.init(root: 1000, leader: nil))
        XCTAssertEqual(m.scans, 2)
    }

    func testTheTreeIsSummedAndItsRateFollowsIt() throws {
        let m = FakeMachine()
        // The launcher (10) leads the session; the agent (11) has a child (12); 13 was
        // orphaned but stays in the session; 14 is a zombie; 99 is someone else's.
        func machine(agent: Int64, child: Int64) -> [ProcessTree.Proc] {
            [proc(10, parent: 1, sid: 10, ticks: 900, rss: 1000),
             proc(11, parent: 10, sid: 10, ticks: agent, rss: 100),
             proc(12, parent: 11, sid: 10, ticks: child, rss: 50),
             proc(13, parent: 1, sid: 10, ticks: 0, rss: 10),
             proc(14, parent: 11, sid: 10, ticks: 5, rss: 0, state: "Z"),
             proc(99, parent: 1, sid: 99, ticks: 7_000, rss: 7_000)]
        }
        m.set(machine(agent: 100, child: 100))
        let meter = ResourceMeter(probe: m.probe)
        let scope = ProcessTree.Scope(root: 11, leader: 10)
        let first = try XCTUnwrap(meter.reading(scope))
        XCTAssertEqual(first.memory, (100 + 50 + 10) * 4096, "the launcher, the zombie and strangers are left out")
        XCTAssertEqual(first.cpu, 200.0 * 100_000 / (100 * 10_000), accuracy: 0.001,
                       "first measured: the average since the agent started (10 s ago)")
        m.advance(1_500)
        m.set(machine(agent: 175, child: 200))
        let second = try XCTUnwrap(meter.reading(scope))
        XCTAssertEqual(second.cpu, 175.0 * 100_000 / (100 * 1_500), accuracy: 0.001, "1.75 s of CPU over 1.5 s")
        m.advance(1_000)
        m.set(machine(agent: 175, child: 0).filter { $0.pid != 12 })
        let third = try XCTUnwrap(meter.reading(scope))
        XCTAssertEqual(third.cpu, 0, "the child ended unreaped: its time left the tree, and nothing counts less than 0")
        XCTAssertNil(meter.reading(.init(root: 4321, leader: nil)), "no such process")
    }

    func testAProcessReusingThePidStartsAfresh() throws {
        let m = FakeMachine()
        m.set([proc(20, parent: 1, sid: 20, ticks: 5_000, rss: 1, start: 0)])
        let meter = ResourceMeter(probe: m.probe)
        let scope = ProcessTree.Scope(root: 20, leader: nil)
        _ = meter.reading(scope)
        m.advance(2_000)
        // Started 1 s ago (uptime is the clock plus 10 s), 50 ticks since.
        m.set([proc(20, parent: 1, sid: 20, ticks: 50, rss: 1, start: (m.now + 10_000 - 1_000) / 10)])
        XCTAssertEqual(try XCTUnwrap(meter.reading(scope)).cpu, 50, accuracy: 0.001,
                       "measured over its own life, not against the old process's samples")
    }
}
