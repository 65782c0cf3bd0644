import Foundation
import HiveCore
import HiveFuzz
import XCTest

/// Random and mutated writes through the mount, and malformed hook records on disk:
/// the daemon neither crashes nor hangs, refuses each bad write with the errno its
/// parser gives, carries none of them out, and turns each record into one event.
/// `make test` runs 3,000 writes and 2,000 records; `make stress` 100,000 and 20,000.
final class FuzzMountTests: MountedTestCase {
    static var writes: Int { Fuzz.scale == 1 ? 3_000 : 10_000 * Fuzz.scale }
    static var records: Int { 2_000 * Fuzz.scale }

    /// The keys of a status that a refused write must leave as they were.
    private func steady(_ name: String) -> [String] {
        // What the kernel measures moves by itself too.
        let moving: Set<String> = ["idle", "activity", "events", "cpu", "memory", "memory.peak", "cpu.seconds", "pids"]
        return (m.read(name + "/status") ?? "").split(separator: "\n").map(String.init)
            .filter { !moving.contains(String($0.split(separator: " ")[0])) }
    }

    /// A write no parser accepts, and the errno it must be refused with.
    private func badWrite(_ r: inout FuzzRand, root: Bool) -> ([UInt8], Int32) {
        while true {
            let write: [UInt8]
            switch r.below(5) {
            case 0: write = r.bytes(1 + r.below(120))
            case 1: write = Array(r.pick(root ? Fuzz.rootLines : Fuzz.sessionLines).utf8) + [0]
            default: write = Fuzz.mutate(Array(r.pick(root ? Fuzz.rootLines : Fuzz.sessionLines).utf8), &r)
            }
            if write.isEmpty { continue }  // a write of no bytes never reaches a file system
            do {
                if root { _ = try ControlParser.rootCommands(write, home: "/", agents: .builtIn) } else { _ = try ControlParser.sessionCommands(write) }
            } catch {
                return (write, error.errno.rawValue)
            }
        }
    }

    func testBadControlWritesAreRefusedAndChangeNothing() throws {
        newShell("target", "sleep 300")
        guard let pid = m.pid("target") else { return XCTFail("no pid") }
        let before = steady("target")
        let sessionsBefore = m.sh("ls $MNT").out
        var r = FuzzRand(state: Fuzz.seed ^ 0x6D6F_756E)
        let wrong = Wrong()
        var refused = 0
        for i in 0..<Self.writes {
            let root = r.chance(20)
            let (write, expected) = badWrite(&r, root: root)
            let got = m.write(root ? "control" : "target/control", write)
            if got != expected {
                wrong.add("case \(i) (seed \(Fuzz.seed)): \(write.prefix(60)) gave \(got), expected \(expected)")
            }
            if got != 0 { refused += 1 }
        }
        // A command split across two writes is two bad writes, not one command.
        XCTAssertEqual(m.write("target/control", "ki"), EINVAL)
        XCTAssertEqual(m.write("target/control", "ll\n"), EINVAL)
        // Writers at once on one file.
        let group = DispatchGroup()
        for t in 0..<4 {
            group.enter()
            Thread { [m] in
                defer { group.leave() }
                var rr = FuzzRand(state: Fuzz.seed ^ UInt64(t))
                for _ in 0..<(Self.writes / 20) {
                    let (write, expected) = self.badWrite(&rr, root: false)
                    let got = m!.write("target/control", write)
                    if got != expected { wrong.add("concurrent: \(write.prefix(60)) gave \(got), expected \(expected)") }
                }
            }.start()
        }
        XCTAssertEqual(group.wait(timeout: .now() + 300), .success, "concurrent writers finished")
        XCTAssertEqual(wrong.items, [])
        XCTAssertEqual(refused, Self.writes)
        XCTAssertTrue(m.daemonRunning)
        XCTAssertEqual(steady("target"), before, "a refused write changed the session")
        XCTAssertEqual(m.pid("target"), pid)
        XCTAssertEqual(m.sh("ls $MNT").out, sessionsBefore, "a refused write made or removed a session")
        print("fuzz mount: \(Self.writes + 4 * (Self.writes / 20) + 2) bad writes to control, all refused with the parser's errno")
    }

    func testMalformedHookRecordsBecomeOneEventEach() throws {
        newShell("hooked", "sleep 300")
        let log = "\(m.state)/sessions/hooked/hooks.log"
        let jsonl = "\(m.state)/sessions/hooked/events.jsonl"
        let withHook = { ((try? String(contentsOfFile: jsonl, encoding: .utf8)) ?? "").components(separatedBy: "\"hook\":").count - 1 }
        let before = withHook()
        var r = FuzzRand(state: Fuzz.seed ^ 0x686B)
        var text: [UInt8] = []
        let payloads = [#"{"hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}"#,
                        #"{"hook_event_name":"Notification","message":"hi"}"#, #"{"hook_event_name":"Stop"}"#].map { Array($0.utf8) }
        for _ in 0..<Self.records {
            var line: [UInt8]
            switch r.below(4) {
            case 0: line = r.bytes(1 + r.below(100))
            case 1: line = Array("1764000000000 base64 ".utf8) + r.bytes(r.below(40))
            default: line = Array("1764000000000 line ".utf8) + Fuzz.mutate(r.pick(payloads), &r)
            }
            line.removeAll { $0 == 0x0A }
            text += line + [0x0A]
        }
        let fd = open(log, O_WRONLY | O_APPEND)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(Foundation.write(fd, text, text.count), text.count)
        close(fd)
        XCTAssertTrue(waitUntil(60) { withHook() - before == Self.records }, "\(withHook() - before) of \(Self.records)")
        XCTAssertTrue(m.daemonRunning)
        XCTAssertNotNil(m.read("hooked/status"))
        print("fuzz mount: \(Self.records) malformed hook records, one event each")
    }
}

/// The wrong answers any thread saw (the first 20).
private final class Wrong: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String] = []
    func add(_ s: String) { lock.lock(); if seen.count < 20 { seen.append(s) }; lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return seen }
}
