import Foundation
import XCTest

/// The daemon killed with SIGKILL at random moments while agents report through
/// their hooks: every report is in its session's `events` exactly once and in
/// order, no line is torn, and every session is found again live after each
/// restart. `make test` runs a short load; `make stress` (HIVEFS_STRESS=1) the full
/// one: 50 agents, 1,000 hook calls a second in all, five kills.
final class CrashUnderLoadTests: MountedTestCase {
    struct Load {
        var agents: Int
        var perAgent: Int
        /// Hook calls a second, per agent.
        var rate: Int
        var kills: Int
    }

    static var load: Load {
        ProcessInfo.processInfo.environment["HIVEFS_STRESS"] != nil
            ? Load(agents: 50, perAgent: 400, rate: 20, kills: 5)
            : Load(agents: 6, perAgent: 120, rate: 30, kills: 2)
    }

    static var firer: String { MountFixture.fixture("hook-firer") }

    private var hook: String { URL(fileURLWithPath: MountFixture.binary).deletingLastPathComponent().path + "/hivefs-hook" }

    /// The numbers N of the `tool.done Bash seq N` lines of a session's events, in order.
    private func numbers(_ name: String) -> [Int] {
        (m.read(name + "/events") ?? "").split(separator: "\n").compactMap { line in
            guard let r = line.range(of: " tool.done Bash seq ") else { return nil }
            return Int(line[r.upperBound...])
        }
    }

    func testKilledUnderLoadItLosesAndDoublesNothing() throws {
        let load = Self.load
        let names = (0..<load.agents).map { String(format: "a%02d", $0) }
        for n in names {
            let log = "\(m.state)/sessions/\(n)/hooks.log"
            newShell(n, "\(Self.firer) \(hook) \(log) \(load.perAgent) \(load.rate)", wait: false)
        }
        for n in names { m.waitState(n, ["working", "idle"]) }
        var readopt: [Double] = []
        let adopted = { (n: String) in (self.m.read(n + "/events") ?? "").components(separatedBy: " adopted pid ").count - 1 }
        for kill in 1...load.kills {
            usleep(UInt32.random(in: 300_000...1_500_000))
            m.crashDaemon()
            XCTAssertNotEqual(m.sh("ls $MNT").status, 0, "the mount is stale while no daemon runs")
            usleep(UInt32.random(in: 50_000...400_000))  // the agents report on, to nobody
            let t0 = Date()
            try m.mount()  // the new daemon cleans the stale mount by itself
            // Found again: each session has caught up with what was reported meanwhile
            // and recorded its adoption, and is live.
            let back = waitUntil(30) {
                names.allSatisfy { adopted($0) == kill && ["working", "idle"].contains(self.m.state($0)) }
            }
            XCTAssertTrue(back, "every session is found again live: \(names.map { "\($0)=\(m.state($0)) \(adopted($0))" })")
            readopt.append(Date().timeIntervalSince(t0))
        }
        // Every agent sent all it had to send…
        for n in names {
            XCTAssertTrue(waitUntil(Double(load.perAgent) / Double(load.rate) + 60) {
                (self.m.read(n + "/log") ?? "").contains("sent \(load.perAgent) failed 0")
            }, "\(n): \(m.read(n + "/log") ?? "")")
        }
        // …and all of it shows, once, in order.
        var found = 0
        for n in names {
            _ = waitUntil(30) { self.numbers(n).last == load.perAgent }
            let got = numbers(n)
            XCTAssertEqual(got, Array(1...load.perAgent), "\(n): \(got.count) lines")
            found += got.count
            XCTAssertEqual(adopted(n), load.kills, n)
            let events = m.read(n + "/events") ?? ""
            for line in events.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                XCTAssertNotNil(line.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z.]+( |$)"#, options: .regularExpression),
                                "\(n): a torn or foreign line: \(line)")
            }
            let jsonl = (try? String(contentsOfFile: "\(m.state)/sessions/\(n)/events.jsonl", encoding: .utf8)) ?? ""
            for line in jsonl.split(separator: "\n") {
                XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(line.utf8)), "\(n): torn events.jsonl line: \(line)")
            }
        }
        let sent = load.agents * load.perAgent
        // How fast they really went: each agent says how long its calls took.
        let took = names.compactMap { n -> Double? in
            guard let r = (m.read(n + "/log") ?? "").range(of: #"failed 0 in [0-9.]+s"#, options: .regularExpression) else { return nil }
            return Double((m.read(n + "/log") ?? "")[r].dropFirst("failed 0 in ".count).dropLast())
        }.max() ?? 0
        print("crash under load: \(load.agents) agents, \(sent) hook calls in \(String(format: "%.1f", took)) s "
              + "(\(took > 0 ? Int(Double(sent) / took) : 0) a second), \(load.kills) kills; \(found) events found, each once, in order; "
              + "re-adopted (caught up, adoption recorded, live) in \(readopt.map { String(format: "%.2f", $0) }.joined(separator: ", ")) s")
    }
}
