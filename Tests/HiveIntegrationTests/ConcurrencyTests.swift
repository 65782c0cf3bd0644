import Foundation
import XCTest

/// Many readers and writers on the same sessions while others are made and
/// removed: every answer is right, nothing deadlocks, and a second round leaves
/// the daemon with the file descriptors the first left it with, and no more
/// threads than its pools hold.
/// `make stress` (HIVEFS_STRESS=1) runs longer rounds.
final class ConcurrencyTests: MountedTestCase {
    static let stress = ProcessInfo.processInfo.environment["HIVEFS_STRESS"] != nil
    static let seconds: Double = stress ? 20 : 3

    /// Wrong answers seen by any thread.
    private let wrongLock = NSLock()
    private var wrong: [String] = []
    private func report(_ s: String) { wrongLock.lock(); if wrong.count < 50 { wrong.append(s) }; wrongLock.unlock() }

    private func count(_ what: String) -> Int {
        guard let d = m.daemon else { return -1 }
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(d)/\(what)")) ?? []).count
    }

    /// One round: 20 `tail -f` readers, 20 writers and a maker-and-remover, for `seconds`.
    private func round(_ index: Int) -> (writes: Int, made: Int) {
        let names = (0..<4).map { "c\($0)" }
        var tails: [pid_t] = []
        for i in 0..<20 {
            if let p = spawn(["/usr/bin/tail", "-f", m.mnt + "/" + names[i % 4] + "/events"],
                             stdout: "/dev/null", stderr: m.root + "/tail-\(i).err") { tails.append(p) }
        }
        let deadline = Date().addingTimeInterval(Self.seconds)
        let group = DispatchGroup()
        let totals = Totals()
        for w in 0..<20 {
            group.enter()
            let t = Thread { [self] in
                defer { group.leave() }
                var n = 0
                while Date() < deadline {
                    let s = names[(w + n) % 4]
                    switch n % 4 {
                    case 0:
                        let e = m.write(s + "/control", "send hello \(w) \(n)\n")
                        if e != 0 { report("send to \(s): \(String(cString: strerror(e)))") }
                    case 1:
                        let e = m.write(s + "/control", "budget \(1_000_000 + n)\n")
                        if e != 0 { report("budget of \(s): \(String(cString: strerror(e)))") }
                    case 2:
                        let e = m.write(s + "/control", "frobnicate\n")
                        if e != EINVAL { report("a bad verb to \(s) gave \(String(cString: strerror(e)))") }
                    default:
                        let status = m.read(s + "/status") ?? ""
                        if !status.hasPrefix("name \(s)\nstate ") { report("status of \(s): \(status.prefix(40))") }
                        if m.read("status")?.hasPrefix("NAME") != true { report("the root status") }
                    }
                    n += 1
                }
                totals.add(writes: n)
            }
            t.start()
        }
        group.enter()
        Thread { [self] in
            defer { group.leave() }
            var k = 0
            while Date() < deadline {
                let name = "t\(index)-\(k)"
                var e = m.write("control", "new \(name) agent=shell command=\"sleep 100\"\n")
                if e != 0 { report("new \(name): \(String(cString: strerror(e)))"); break }
                e = m.write(name + "/control", "kill\n")
                if e != 0 && e != ESRCH { report("kill \(name): \(String(cString: strerror(e)))") }
                var removed = false
                for _ in 0..<200 where !removed {
                    if rmdir(m.mnt + "/" + name) == 0 { removed = true } else if errno == EBUSY { usleep(20_000) } else {
                        report("rmdir \(name): \(String(cString: strerror(errno)))"); break
                    }
                }
                if !removed { report("\(name) could not be removed") }
                k += 1
            }
            totals.add(made: k)
        }.start()
        let finished = group.wait(timeout: .now() + Self.seconds + 60) == .success
        if !finished { report("round \(index) did not finish: a deadlock") }
        for p in tails {
            kill(p, SIGTERM)
            var st: Int32 = 0
            waitpid(p, &st, 0)
        }
        return totals.value
    }

    private final class Totals: @unchecked Sendable {
        private let lock = NSLock()
        private var writes = 0, made = 0
        func add(writes n: Int = 0, made k: Int = 0) { lock.lock(); writes += n; made += k; lock.unlock() }
        var value: (writes: Int, made: Int) { lock.lock(); defer { lock.unlock() }; return (writes, made) }
    }

    func testReadersWritersAndMakersTogether() throws {
        for n in 0..<4 { newShell("c\(n)", "sh -c 'while :; do echo tick; sleep 0.2; done'") }
        let first = round(1)
        sleep(2)  // what the round started settles
        let fds1 = count("fd"), threads1 = count("task")
        let second = round(2)
        sleep(2)
        let fds2 = count("fd"), threads2 = count("task")
        XCTAssertEqual(wrong, [])
        XCTAssertGreaterThan(first.writes, 100)
        XCTAssertGreaterThan(first.made, 0)
        XCTAssertEqual(fds2, fds1, "file descriptors leaked by a round")
        // The thread pools (libfuse's workers, Dispatch's) may settle a few higher; a
        // thread kept per session, or per request, would grow with what a round does.
        XCTAssertLessThan(threads2 - threads1, max(4, second.made / 4), "threads leaked by a round")
        for n in 0..<4 { XCTAssertTrue(["working", "idle"].contains(m.state("c\(n)"))) }
        XCTAssertEqual(m.sh("ls $MNT").out.split(separator: "\n").filter { $0.hasPrefix("t") }, [], "every made session was removed")
        print("concurrency: 2 rounds of \(Self.seconds) s: \(first.writes + second.writes) control writes and reads by 20 writers, "
              + "20 tail -f readers, \(first.made + second.made) sessions made, killed and removed; "
              + "daemon fds \(fds1) then \(fds2), threads \(threads1) then \(threads2)")
    }
}
