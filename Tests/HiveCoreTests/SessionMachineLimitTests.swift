import XCTest
@testable import HiveCore

/// `limit`, OOM kills and what a run used, through the machine (`MachineHarness`).
final class SessionMachineLimitTests: XCTestCase {
    private let gig: Int64 = 1 << 30

    func testALimitOnARunningSessionIsRecordedOnceTheKernelTookIt() {
        var h = MachineHarness { $0.limits.memory = 1 << 30 }
        h.started()
        let fx = h.feed(.command(.limit(.cpu, 150), uid: 7))
        XCTAssertEqual(fx.events.map(\.detail), ["limit cpu 150%"], "the line only")
        XCTAssertEqual(fx.events.first?.uid, 7)
        XCTAssertEqual(fx.notAppends, [.setLimits(ResourceLimits(memory: gig, cpu: 150))], "the spec's limits and the new one")
        XCTAssertNil(h.m.record.limitsSet, "not in force until the cgroup took it")
        XCTAssertEqual(h.m.record.limits, ResourceLimits(memory: gig))

        let set = h.feed(.limitsSet(ResourceLimits(memory: gig, cpu: 150)))
        XCTAssertEqual(set.events.map(\.kind), [EventKind.policy])
        XCTAssertEqual(set.events.first?.key, "limits")
        XCTAssertEqual(set.events.first?.value, "memory=1G cpu=150%")
        XCTAssertEqual(set.events.first?.detail, "limits memory=1G cpu=150%")
        XCTAssertEqual(h.m.record.limits, ResourceLimits(memory: gig, cpu: 150))
        XCTAssertTrue(set.notAppends.isEmpty)

        XCTAssertEqual(h.feed(.command(.limit(.memory, nil), uid: 7)).notAppends, [.setLimits(ResourceLimits(cpu: 150))],
                       "off lifts one and keeps the others")
    }

    func testALimitTheRuntimeCouldNotSetIsNotRecorded() {
        var h = MachineHarness()
        h.started()
        h.feed(.command(.limit(.pids, 64), uid: 1))
        let fx = h.feed(.refused(HiveError(.notSupported, "a runs without a cgroup"), uid: 1))
        XCTAssertEqual(fx.refusal?.errno, .notSupported)
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.error])
        XCTAssertNil(h.m.record.limitsSet)
        XCTAssertTrue(h.m.record.limits.isEmpty)
    }

    func testALimitOnASessionThatIsNotRunningIsRecordedAtOnce() {
        var h = MachineHarness { $0.limits.memory = 1 << 30 }
        let fx = h.feed(.command(.limit(.pids, 64), uid: 1))
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.control, EventKind.policy])
        XCTAssertTrue(fx.notAppends.isEmpty, "no cgroup to change")
        XCTAssertEqual(h.m.record.limits, ResourceLimits(memory: gig, pids: 64), "for its start")

        var ended = MachineHarness()
        ended.started()
        ended.feed(.terminated(reason: "kill"))
        let later = ended.feed(.command(.limit(.memory, 512 << 20), uid: 1))
        XCTAssertEqual(later.events.map(\.kind), [EventKind.control, EventKind.policy])
        XCTAssertNil(later.refusal)
        XCTAssertTrue(later.notAppends.isEmpty)
        XCTAssertEqual(ended.m.record.limits, ResourceLimits(memory: 512 << 20), "kept for its next start")
    }

    func testOffLiftsALimitTheSpecSet() {
        var h = MachineHarness { $0.limits = ResourceLimits(memory: 1 << 30, pids: 10) }
        h.feed(.command(.limit(.memory, nil), uid: 1))
        h.feed(.command(.limit(.pids, nil), uid: 1))
        XCTAssertEqual(h.log.last?.value, "none")
        XCTAssertEqual(h.m.record.limitsSet, ResourceLimits(), "set, and empty: the spec's hold no more")
        XCTAssertTrue(h.m.record.limits.isEmpty)
    }

    func testWithoutCgroupsALimitIsENOTSUPButOffIsNot() {
        var s = MachineSettings(quietAfterMS: 500)
        s.limitsUnsupported = "no cgroup hivefs may write"
        var h = MachineHarness(settings: s)
        h.started()
        let fx = h.feed(.command(.limit(.memory, 1 << 30), uid: 1))
        XCTAssertEqual(fx.refusal?.errno, .notSupported)
        XCTAssertEqual(fx.refusal?.reason, "limit memory: no cgroup hivefs may write")
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.control, EventKind.error])
        XCTAssertFalse(fx.contains { if case .setLimits = $0 { return true }; return false })
        XCTAssertEqual(h.m.record.lastError?.errno, "ENOTSUP")
        XCTAssertEqual(h.feed(.command(.limit(.memory, nil), uid: 1)).notAppends, [.setLimits(ResourceLimits())],
                       "nothing set: nothing to refuse")

        var fresh = MachineHarness(settings: s)
        XCTAssertEqual(fresh.feed(.command(.limit(.cpu, 50), uid: 1)).refusal?.errno, .notSupported, "nor before the start")
        XCTAssertNil(fresh.m.record.limitsSet)
    }

    func testEachOOMKillIsRecordedOnce() {
        var h = MachineHarness { $0.limits.memory = 64 << 20 }
        h.started()
        let first = h.feed(.oomKilled(count: 1))
        XCTAssertEqual(first.events.map(\.kind), [EventKind.limit])
        XCTAssertEqual(first.events.first?.key, "oom")
        XCTAssertEqual(first.events.first?.value, "1")
        XCTAssertEqual(first.events.first?.detail, "oom: the kernel killed a process for memory (limit.memory 64M); 1 in this run")
        XCTAssertEqual(h.m.record.oomKills, 1)
        XCTAssertTrue(h.feed(.oomKilled(count: 1)).isEmpty, "the same count again: seen")
        XCTAssertTrue(h.feed(.oomKilled(count: 0)).isEmpty)
        XCTAssertEqual(h.feed(.oomKilled(count: 3)).events.map(\.value), ["3"])
        XCTAssertEqual(h.m.record.oomKills, 3)
        XCTAssertEqual(h.log.filter { $0.kind == EventKind.limit }.count, 2)

        var unlimited = MachineHarness()
        unlimited.started()
        XCTAssertEqual(unlimited.feed(.oomKilled(count: 1)).events.first?.detail, "oom: the kernel killed a process for memory; 1 in this run")
    }

    func testUsageIsAnEventTheRecordKeeps() {
        var h = MachineHarness()
        h.started()
        let u = ResourceUsage(cpuSeconds: 3.25, memoryPeak: 50 << 20, oom: 0)
        let fx = h.feed(.usage(u))
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.usage])
        XCTAssertEqual(fx.events.first?.value, "cpu=3.25 memory.peak=52428800 oom=0")
        XCTAssertEqual(fx.events.first?.detail, "cpu 3.3 s, memory peak 50M")
        XCTAssertEqual(h.m.record.usage, u)
    }

    func testAnAgentTheOOMKillerEndedExitsWithReasonOOM() {
        var h = MachineHarness()
        h.started()
        var how = Ending()
        how.signal = 9
        how.oom = true
        let fx = h.feed(.ended(how))
        XCTAssertEqual(h.state, .exited)
        XCTAssertEqual(h.m.record.reason, "oom")
        XCTAssertEqual(h.m.record.exitCode, 137)
        XCTAssertEqual(fx.events.last?.detail, "exited 137 oom")
        XCTAssertTrue(fx.contains(.summary))

        var shell = MachineHarness()
        shell.started()
        var byShell = Ending()
        byShell.status = 137
        byShell.oom = true
        shell.feed(.ended(byShell))
        XCTAssertEqual(shell.m.record.reason, "oom")
        XCTAssertEqual(shell.m.record.exitCode, 137, "a shell's status for a child killed by 9")
    }

    func testANewRunCountsAfresh() {
        var h = MachineHarness()
        h.started()
        h.feed(.oomKilled(count: 2))
        h.feed(.usage(ResourceUsage(cpuSeconds: 1, memoryPeak: 1 << 20, oom: 2)))
        var how = Ending()
        how.signal = 9
        how.oom = true
        h.feed(.ended(how))
        XCTAssertEqual(h.m.record.oomKills, 2)
        XCTAssertNotNil(h.m.record.usage, "an ended run keeps what it used")
        h.feed(.command(.restart, uid: 1))
        XCTAssertEqual(h.m.record.oomKills, 2, "until the new run starts")
        h.feed(.launched(Launched(pid: 43, commandLine: "agent", detail: "", workdir: "/w")))
        XCTAssertEqual(h.state, .starting)
        XCTAssertEqual(h.m.record.oomKills, 0)
        XCTAssertNil(h.m.record.usage)
        XCTAssertEqual(h.feed(.oomKilled(count: 1)).events.map(\.value), ["1"], "the new run's first kill is recorded")
    }

    func testASecondStartingEventOfOneRunIsNoNewRun() throws {
        var oom = Event(time: t(5), session: "a", kind: EventKind.limit, detail: "oom")
        oom.key = "oom"
        oom.value = "1"
        let r = try XCTUnwrap(SessionRecord.replay([
            Log.created("a", at: 0), Log.state(.starting, "a", at: 1), oom, Log.state(.starting, "a", at: 9, pid: 77, command: "agent"),
        ]))
        XCTAssertEqual(r.oomKills, 1, "setup done: the same run")
    }

    func testTheLogGivesTheLimitsUsageAndKillsBack() throws {
        var h = MachineHarness { $0.limits.pids = 100 }
        h.started()
        h.feed(.command(.limit(.memory, 3 << 29), uid: 1))
        h.feed(.limitsSet(ResourceLimits(memory: 3 << 29, pids: 100)))
        h.feed(.oomKilled(count: 1))
        h.feed(.oomKilled(count: 1))
        h.feed(.oomKilled(count: 2))
        h.feed(.usage(ResourceUsage(cpuSeconds: 12.345, memoryPeak: 3 << 29, oom: 2)))
        var how = Ending()
        how.signal = 9
        how.oom = true
        h.feed(.ended(how))
        let again = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: ShellAgent(), settings: h.m.settings))
        XCTAssertEqual(again.record, h.m.record)
        XCTAssertEqual(again.record.limits, ResourceLimits(memory: 3 << 29, pids: 100))
        XCTAssertEqual(again.record.usage, ResourceUsage(cpuSeconds: 12.345, memoryPeak: 3 << 29, oom: 2))
        XCTAssertEqual(again.record.oomKills, 2)
        XCTAssertEqual(again.record.reason, "oom")
    }

    func testALimitOfAnyFigureReadsBackTheSame() throws {
        var h = MachineHarness()
        h.feed(.command(.limit(.memory, 1_000_000_000), uid: 1))
        XCTAssertEqual(h.m.record.limits.memory, 1_000_000_000, "what the kernel will be given")
        let again = try XCTUnwrap(SessionMachine(replaying: h.log, adapter: ShellAgent(), settings: h.m.settings))
        XCTAssertEqual(again.record.limits.memory, 1_000_000_000)
    }

    func testAnOOMEventWithoutACountStillCounts() throws {
        var e = Event(time: t(5), session: "a", kind: EventKind.limit, detail: "oom")
        e.key = "oom"
        let r = try XCTUnwrap(SessionRecord.replay([Log.created("a", at: 0), Log.state(.starting, "a", at: 1, pid: 1), e, e]))
        XCTAssertEqual(r.oomKills, 2)
    }
}
