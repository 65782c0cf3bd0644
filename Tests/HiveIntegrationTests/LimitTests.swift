import Foundation
import XCTest

/// `limit.memory`, `limit.cpu` and `limit.pids`, enforced by the kernel's cgroups on
/// this machine (cgroup v1 controllers, as root: what the test machine has), the
/// freezer behind `pause`, and what `status`, `events` and `summary` say of them.
final class LimitTests: MountedTestCase {
    override func setUpWithError() throws {
        // A machine that gives hivefs no cgroup cannot run these: said, not failed.
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes")
            || FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") else {
            throw XCTSkip("no cgroup memory controller here")
        }
        try super.setUpWithError()
    }

    private func number(_ name: String, _ key: String) -> Double? { m.status(name, key).flatMap(Double.init) }

    /// A shell session that counts in FILE once every 50 ms: whether it runs is what its file says.
    private func newCounter(_ name: String, extra: String = "") -> String {
        let file = m.root + "/\(name).count"
        newShell(name, "sh -c 'while :; do echo x >> \(file); sleep 0.05; done'", extra: extra)
        return file
    }

    private func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1 }

    private func grows(_ path: String, within seconds: Double = 3) -> Bool {
        let before = size(path)
        return waitUntil(seconds) { self.size(path) > before }
    }

    func testAMemoryHogIsKilledWithReasonOOMAndItsNeighbourIsUntouched() throws {
        let neighbour = newCounter("calm")
        newShell("hog", "python3 -c 'import time; x = bytearray(256 << 20); time.sleep(60)'", extra: "limit.memory=64M", wait: false)
        m.waitState("hog", ["exited"], timeout: 20)
        XCTAssertEqual(m.status("hog", "reason"), "oom", m.read("hog/status") ?? "")
        XCTAssertEqual(m.status("hog", "limit.memory"), String(64 << 20))
        XCTAssertGreaterThanOrEqual(Int(m.status("hog", "oom") ?? "") ?? 0, 1)
        let peak = Int64(m.status("hog", "memory.peak") ?? "") ?? 0
        XCTAssertGreaterThan(peak, 32 << 20, "it did get memory before the limit acted")
        XCTAssertLessThanOrEqual(peak, 64 << 20, "never more than the limit")
        let events = m.read("hog/events") ?? ""
        XCTAssertTrue(events.contains(" limit oom: the kernel killed a process for memory (limit.memory 64M)"), events)
        XCTAssertTrue(events.contains(" usage cpu "), events)
        XCTAssertTrue(events.contains(" state exited 137 oom"), events)
        XCTAssertTrue(waitUntil(5) { self.m.read("hog/summary") != nil })
        let summary = m.read("hog/summary") ?? ""
        XCTAssertTrue(summary.contains("how exited oom") || summary.contains("oom"), summary)
        XCTAssertTrue(summary.contains("memory.peak \(peak)"), summary)

        // The neighbour ran on, and the kernel killed nothing of it.
        XCTAssertTrue(["working", "idle"].contains(m.state("calm")))
        XCTAssertTrue(grows(neighbour))
        XCTAssertEqual(m.status("calm", "oom"), "0")
        XCTAssertEqual(m.status("calm", "limit.memory"), "-")
    }

    func testASandboxedSessionKilledForMemoryEndsWithReasonOOM() throws {
        try skipUnlessBwrapRuns()
        // A sandboxed session needs a folder of its own; bwrap's pid is the agent's, python its grandchild.
        try FileManager.default.createDirectory(atPath: m.root + "/proj", withIntermediateDirectories: true)
        let hog = "python3 -c 'import time; x = bytearray(256 << 20); time.sleep(60)'"
        XCTAssertEqual(m.write("control", "new hog agent=shell dir=\(m.root)/proj sandbox=bwrap limit.memory=64M command=\"\(hog)\"\n"), 0,
                       m.read("control") ?? "")
        m.waitState("hog", ["exited"], timeout: 20)
        XCTAssertEqual(m.status("hog", "sandbox"), "bwrap")
        XCTAssertEqual(m.status("hog", "reason"), "oom", m.read("hog/status") ?? "")
        XCTAssertGreaterThanOrEqual(Int(m.status("hog", "oom") ?? "") ?? 0, 1)
        XCTAssertTrue((m.read("hog/events") ?? "").contains(" state exited 137 oom"), m.read("hog/events") ?? "")
    }

    func testAPidsLimitStopsAForkBombAndOnlyIt() throws {
        let neighbour = newCounter("calm")
        // The classic bomb: each function call forks two more, forever.
        newShell("bomb", "bash -c 'f() { f | f & }; f; sleep 60'", extra: "limit.pids=20", wait: false)
        var most: Int64 = 0
        for _ in 0..<20 {
            most = max(most, Int64(m.status("bomb", "pids") ?? "") ?? 0)
            usleep(100_000)
        }
        XCTAssertGreaterThan(most, 0, m.read("bomb/status") ?? "")
        XCTAssertLessThanOrEqual(most, 20, "the kernel never let it past its limit")
        XCTAssertTrue(waitUntil(5) { (self.m.read("bomb/screen") ?? "").contains("Resource temporarily unavailable") },
                      "bash says why its forks fail: \(m.read("bomb/screen") ?? "")")
        // Outside it, forking goes on: the neighbour counts, and a new session starts and ends.
        XCTAssertTrue(grows(neighbour))
        newShell("after", "sh -c 'echo started-fine; sleep 30'")
        XCTAssertTrue(waitUntil(5) { (self.m.read("after/screen") ?? "").contains("started-fine") })

        XCTAssertGreaterThan(Int(m.status("bomb", "pids.refused") ?? "") ?? 0, 0, m.read("bomb/status") ?? "")
        XCTAssertEqual(m.status("calm", "pids.refused"), "0")
        XCTAssertEqual(m.write("bomb/control", "kill\n"), 0)
        m.waitState("bomb", ["killed"])
        XCTAssertTrue((m.read("bomb/events") ?? "").contains(" limit pids: the kernel refused "), m.read("bomb/events") ?? "")
        XCTAssertTrue((m.read("bomb/events") ?? "").contains(" forks at limit.pids 20\n"))
        XCTAssertTrue(waitUntil(5) { !self.m.cgroupFolders.contains { $0.hasSuffix("/bomb") } },
                      "its cgroup goes with it: \(m.cgroupFolders)")
        XCTAssertTrue(grows(neighbour))
    }

    func testACPULimitKeepsABusyLoopNearItsShareAndChangesWhileItRuns() throws {
        newShell("busy", "sh -c 'while :; do :; done'", extra: "limit.cpu=50%")
        XCTAssertEqual(m.status("busy", "limit.cpu"), "50")
        func rate(over seconds: Double) -> Double {
            let a = number("busy", "cpu.seconds") ?? 0
            let start = Date()
            usleep(UInt32(seconds * 1_000_000))
            let b = number("busy", "cpu.seconds") ?? 0
            return (b - a) / Date().timeIntervalSince(start)
        }
        usleep(500_000)
        let half = rate(over: 5)
        XCTAssertLessThanOrEqual(half, 0.6, "a busy loop under limit.cpu=50% used \(half) of a core")
        XCTAssertGreaterThanOrEqual(half, 0.3, "it still runs: \(half) of a core")

        XCTAssertEqual(m.write("busy/control", "limit cpu 20%\n"), 0, m.read("busy/control") ?? "")
        XCTAssertEqual(m.status("busy", "limit.cpu"), "20")
        let fifth = rate(over: 5)
        XCTAssertLessThanOrEqual(fifth, 0.3, "after limit cpu 20% it used \(fifth) of a core")
        XCTAssertTrue((m.read("busy/events") ?? "").contains(" policy limits cpu=20%"), m.read("busy/events") ?? "")

        // Lifted, it takes what the machine gives (on two cores shared with other tests, more than its limit was).
        XCTAssertEqual(m.write("busy/control", "limit cpu off\n"), 0)
        XCTAssertEqual(m.status("busy", "limit.cpu"), "-")
        XCTAssertGreaterThan(rate(over: 2), 0.3)
    }

    func testLimitRefusesNonsenseWithTheErrnoAndKeepsWhatWasSet() throws {
        newShell("s", "sleep 300", extra: "limit.memory=512M limit.pids=100")
        for (line, expected) in [("limit memory 1", ERANGE), ("limit memory 2048T", ERANGE), ("limit cpu 0%", ERANGE),
                                 ("limit pids 0", ERANGE), ("limit pids 99999999", ERANGE), ("limit memory lots", EINVAL),
                                 ("limit cpu fast", EINVAL), ("limit disk 1G", EINVAL), ("limit memory", EINVAL)] {
            XCTAssertEqual(m.write("s/control", line + "\n"), expected, line)
        }
        XCTAssertEqual(m.status("s", "limit.memory"), String(512 << 20))
        XCTAssertEqual(m.status("s", "limit.pids"), "100")
        XCTAssertTrue((m.read("s/control") ?? "").contains("ERANGE") || (m.read("s/control") ?? "").contains("EINVAL"))

        XCTAssertEqual(m.write("s/control", "limit memory 1.5G\n"), 0)
        XCTAssertEqual(m.status("s", "limit.memory"), String(1536 << 20))
        XCTAssertEqual(m.write("s/control", "limit pids off\n"), 0)
        XCTAssertEqual(m.status("s", "limit.pids"), "-")
        XCTAssertTrue((m.read("s/events") ?? "").contains(" policy limits memory=1.5G"), m.read("s/events") ?? "")
        // A bad key at `new` is refused whole: no session is made.
        XCTAssertEqual(m.write("control", "new t agent=shell command=true limit.memory=tiny\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new t agent=shell command=true limit.cpu=0.001\n"), ERANGE)
        XCTAssertNil(m.read("t/state"))

        // The limits and what the kernel counts, in status.json too.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((m.read("s/status.json") ?? "").utf8)) as? [String: Any])
        XCTAssertEqual((json["limit.memory"] as? NSNumber)?.int64Value, 1536 << 20)
        XCTAssertTrue(json["limit.pids"] is NSNull)
        XCTAssertNotNil(json["memory.peak"] as? NSNumber)
        XCTAssertNotNil(json["cpu.seconds"] as? NSNumber)
        XCTAssertEqual((json["oom"] as? NSNumber)?.intValue, 0)
        XCTAssertTrue((json["cgroup"] as? String)?.hasSuffix("/\(m.cgroupTag)/s") == true, "\(json)")
    }

    func testLoweringMemoryBelowWhatTheSessionHoldsIsRefusedWithEBUSYAndChangesNothing() throws {
        guard FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes") else {
            throw XCTSkip("only cgroup v1 refuses such a limit; v2 reclaims, else its OOM killer acts in the session")
        }
        // 96 MiB written, so held in memory (this machine has no swap to reclaim it to).
        newShell("held", "python3 -c 'import time; x = bytearray(96 << 20); time.sleep(300)'", extra: "limit.memory=512M")
        XCTAssertTrue(waitUntil(10) { (Int64(self.m.status("held", "memory") ?? "") ?? 0) > 90 << 20 }, m.read("held/status") ?? "")
        XCTAssertEqual(m.write("held/control", "limit memory 32M\n"), EBUSY)
        let said = m.read("held/control") ?? ""
        XCTAssertTrue(said.contains("EBUSY") && said.contains("the kernel could not reclaim it"), said)
        XCTAssertEqual(m.status("held", "limit.memory"), String(512 << 20), "the limit stays as it was")
        XCTAssertEqual(m.status("held", "oom"), "0", "nothing was killed")
        XCTAssertTrue(["working", "idle"].contains(m.state("held")))
        XCTAssertFalse((m.read("held/events") ?? "").contains("policy limits memory=32M"), m.read("held/events") ?? "")
        // Above what it holds, the same verb is taken.
        XCTAssertEqual(m.write("held/control", "limit memory 256M\n"), 0, m.read("held/control") ?? "")
        XCTAssertEqual(m.status("held", "limit.memory"), String(256 << 20))
        // Its cgroup, and with the last session's the daemon's hivefs-HASH folders, go when it ends.
        XCTAssertEqual(m.write("held/control", "kill\n"), 0)
        m.waitState("held", ["killed"], timeout: 15)
        XCTAssertTrue(waitUntil(5) { self.m.cgroupFolders.isEmpty }, "left: \(m.cgroupFolders)")
    }

    func testHivefsNewTakesTheSandboxTheLimitsAndAForkAsOptions() throws {
        let proj = m.root + "/proj"
        for d in [proj, m.root + "/extra"] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let made = m.sh("cd \(proj) && '\(MountFixture.binary)' new boxed --mount $MNT --sandbox bwrap --no-network --write ../extra "
                        + "--limit memory=64M --limit pids=100 --limit cpu=50% -- sh -c 'echo hi > ../extra/f; exec sleep 300'")
        XCTAssertEqual(made.status, 0, made.err)
        m.waitState("boxed", bwrapRuns() ? ["working", "idle"] : ["failed"])
        for (key, value) in [("sandbox", "bwrap"), ("sandbox.network", "off"), ("limit.memory", String(64 << 20)),
                             ("limit.pids", "100"), ("limit.cpu", "50"), ("dir", proj)] {
            XCTAssertEqual(m.status("boxed", key), value, key)
        }
        if bwrapRuns() {
            XCTAssertTrue(waitUntil(5) { FileManager.default.fileExists(atPath: self.m.root + "/extra/f") }, "--write opened ../extra: " + (m.read("boxed/screen") ?? ""))
        }
        // A fork by its parent's name keeps its parent's agent and folder.
        let fork = m.sh("'\(MountFixture.binary)' new again --mount $MNT --from boxed")
        XCTAssertEqual(fork.status, 0, fork.err)
        XCTAssertEqual(m.status("again", "parent"), "boxed")
        XCTAssertEqual(m.status("again", "sandbox"), "bwrap")
        XCTAssertEqual(m.status("again", "dir"), proj)
        // Bad words are the mount's to refuse, with its errno; a limit without its value is the command's.
        let nonsense = m.sh("cd \(proj) && '\(MountFixture.binary)' new bad --mount $MNT --limit memory=1 -- true")
        XCTAssertEqual(nonsense.status, 64)
        XCTAssertTrue(nonsense.err.hasPrefix("hivefs: ERANGE "), nonsense.err)
        let half = m.sh("cd \(proj) && '\(MountFixture.binary)' new bad --mount $MNT --limit memory -- true")
        XCTAssertNotEqual(half.status, 0)
        XCTAssertTrue(half.err.contains("--limit takes KEY=VALUE"), half.err)
        XCTAssertNil(m.read("bad/state"))
    }

    func testPauseFreezesEveryProcessAtOnceWithTheFreezer() throws {
        // A session that forks all the time: signals would have to chase it; the freezer does not.
        let file = m.root + "/forks.count"
        newShell("forky", "sh -c 'while :; do (echo x >> \(file)) & sleep 0.02; done'")
        XCTAssertTrue(grows(file))
        XCTAssertEqual(m.write("forky/control", "pause\n"), 0)
        XCTAssertEqual(m.state("forky"), "paused")
        usleep(200_000)
        let frozen = size(file)
        usleep(1_000_000)
        XCTAssertEqual(size(file), frozen, "nothing ran while paused")
        // Frozen by the cgroup, not stopped by signals: no process shows state T.
        let pid = try XCTUnwrap(m.pid("forky"))
        let states = processTree(pid)
        XCTAssertFalse(states.isEmpty)
        XCTAssertFalse(states.values.contains("T"), "\(states)")
        XCTAssertEqual(m.write("forky/control", "resume\n"), 0)
        XCTAssertTrue(grows(file))
        // Kill works on a frozen session too (a frozen v1 task takes no signal until thawed).
        XCTAssertEqual(m.write("forky/control", "pause\n"), 0)
        XCTAssertEqual(m.write("forky/control", "kill\n"), 0)
        XCTAssertEqual(m.state("forky"), "killed")
        XCTAssertTrue(waitUntil(3) { states.keys.allSatisfy { !alive($0) } })
    }

    func testARestartedDaemonFindsTheSessionsCgroupAgain() throws {
        let file = newCounter("kept", extra: "limit.memory=256M")
        let cgroup = try XCTUnwrap(m.status("kept", "cgroup"))
        m.crashDaemon()
        try m.mount()
        m.waitState("kept", ["working", "idle"])
        XCTAssertEqual(m.status("kept", "cgroup"), cgroup, "found from the agent's /proc/PID/cgroup")
        XCTAssertEqual(m.write("kept/control", "limit memory 128M\n"), 0, m.read("kept/control") ?? "")
        XCTAssertEqual(m.write("kept/control", "pause\n"), 0)
        let frozen = size(file)
        usleep(500_000)
        XCTAssertEqual(size(file), frozen)
        XCTAssertEqual(m.write("kept/control", "resume\n"), 0)
        XCTAssertTrue(grows(file))
        XCTAssertEqual(m.write("kept/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(5) { !self.m.cgroupFolders.contains { $0.hasSuffix("/kept") } }, "\(m.cgroupFolders)")
    }
}

/// The same with `cgroups = "off"`: a machine where hivefs can make no cgroup.
final class NoCgroupTests: MountedTestCase {
    override func prepare(_ m: MountFixture) throws {
        try "cgroups = \"off\"\n".write(toFile: m.root + "/none.toml", atomically: true, encoding: .utf8)
    }

    func testLimitsAreRefusedWithENOTSUPAndPauseStopsBySignals() throws {
        XCTAssertEqual(m.write("control", "new big agent=shell command=true limit.memory=1G\n"), ENOTSUP)
        XCTAssertTrue((m.read("control") ?? "").contains("cgroups = \"off\""), m.read("control") ?? "")
        XCTAssertNil(m.read("big/state"), "nothing was made")

        newShell("s", "sh -c 'while :; do sleep 0.05; done'")
        XCTAssertEqual(m.write("s/control", "limit memory 1G\n"), ENOTSUP)
        XCTAssertEqual(m.write("s/control", "limit memory off\n"), 0, "lifting nothing is allowed")
        XCTAssertEqual(m.status("s", "cgroup"), "-")
        XCTAssertNotEqual(m.status("s", "memory"), "-", "measured from /proc instead")
        XCTAssertEqual(m.status("s", "memory.peak"), "-")
        XCTAssertTrue(m.cgroupFolders.isEmpty, "\(m.cgroupFolders)")

        XCTAssertEqual(m.write("s/control", "pause\n"), 0)
        let pid = try XCTUnwrap(m.pid("s"))
        XCTAssertEqual(processTree(pid)[pid], "T", "stopped by SIGSTOP")
        XCTAssertEqual(m.write("s/control", "resume\n"), 0)
        XCTAssertTrue(waitUntil(2) { processTree(pid)[pid] != "T" })
    }
}
