import Foundation
import XCTest
@testable import HiveCore
@testable import HiveHook

final class HookWriterBase64Tests: XCTestCase {
    private func encoded(_ b: [UInt8]) -> String {
        var out: [UInt8] = []
        HookWriter.base64(b, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func testMatchesFoundationForEveryShortLength() {
        for n in 0...20 {
            let counting = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            XCTAssertEqual(encoded(counting), Data(counting).base64EncodedString(), "length \(n)")
            let ones = [UInt8](repeating: 0xFF, count: n)
            XCTAssertEqual(encoded(ones), Data(ones).base64EncodedString(), "0xFF × \(n)")
            let zeros = [UInt8](repeating: 0, count: n)
            XCTAssertEqual(encoded(zeros), Data(zeros).base64EncodedString(), "0 × \(n)")
        }
    }

    func testMatchesFoundationForRandomBytes() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 0...3000, using: &rng)
            let b = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            XCTAssertEqual(encoded(b), Data(b).base64EncodedString(), "\(b.prefix(16))… (\(n) bytes)")
        }
    }

    func testKnownValues() {
        XCTAssertEqual(encoded(bytes("a\nb")), "YQpi")
        XCTAssertEqual(encoded(bytes("")), "")
        XCTAssertEqual(encoded(bytes("f")), "Zg==")
        XCTAssertEqual(encoded(bytes("fo")), "Zm8=")
        XCTAssertEqual(encoded(bytes("foo")), "Zm9v")
        XCTAssertEqual(encoded([0xFB, 0xFF]), "+/8=", "the last two letters of the standard alphabet")
    }

    func testAppendsToWhatIsThere() {
        var out = bytes("123 base64 ")
        HookWriter.base64(bytes("a\nb"), into: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "123 base64 YQpi")
    }
}

final class HookRecordParseTests: XCTestCase {
    private func parse(_ s: String) -> Result<HookRecord, HookRecord.Malformed> {
        HookRecord.parse(bytes(s)[...])
    }

    private func assertMalformed(_ s: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        switch parse(s) {
        case .success(let r):
            XCTFail("\(s.debugDescription) parsed as \(r)", file: file, line: line)
        case .failure(let m):
            XCTAssertEqual(m.reason, reason, s.debugDescription, file: file, line: line)
        }
    }

    func testLineForm() throws {
        let json = #"{"session_id":"abc","hook_event_name":"Stop","stop_hook_active":false}"#
        let r = try parse("1795514400123 line " + json).get()
        XCTAssertEqual(r.time, Timestamp(milliseconds: 1_795_514_400_123))
        XCTAssertEqual(r.payload, bytes(json))
        XCTAssertFalse(r.encoded)
        XCTAssertEqual(try parse("123 line {...}").get(), HookRecord(time: Timestamp(milliseconds: 123), payload: bytes("{...}")))
    }

    func testTheLineFormKeepsSpacesInThePayload() throws {
        XCTAssertEqual(try parse("5 line a b  c ").get().payload, bytes("a b  c "))
        XCTAssertEqual(try parse("5 line ").get().payload, [], "an empty payload is still a record")
    }

    func testBase64Form() throws {
        let r = try parse("123 base64 YQpi").get()
        XCTAssertEqual(r, HookRecord(time: Timestamp(milliseconds: 123), payload: bytes("a\nb"), encoded: true))
        XCTAssertTrue(r.encoded)
        let empty = try parse("0 base64 ").get()
        XCTAssertEqual(empty.payload, [])
        XCTAssertTrue(empty.encoded)
    }

    func testParsesASliceInsideALog() throws {
        let log = bytes("1 line {\"a\":1}\n2 base64 YQpi\n")
        let nl = try XCTUnwrap(log.firstIndex(of: 0x0A))
        let second = log[(nl + 1)..<(log.count - 1)]
        XCTAssertEqual(try HookRecord.parse(second).get(), HookRecord(time: Timestamp(milliseconds: 2), payload: bytes("a\nb"),
                                                                      encoded: true))
    }

    func testMalformed() {
        assertMalformed("", "no time field")
        assertMalformed("garbage", "no time field")
        assertMalformed("12x line {}", "the time field is not a number")
        assertMalformed(" line {}", "the time field is not a number")
        assertMalformed("-5 line {}", "the time field is not a number")
        assertMalformed("123", "no time field")
        assertMalformed("123 line", "no form field")
        assertMalformed("123 json {}", "unknown form 'json'")
        assertMalformed("123  {}", "unknown form ''")
        assertMalformed("123 base64 !!!!", "bad base64")
        assertMalformed("123 base64 YQpi YQ==", "bad base64")
        assertMalformed("123 base64 YQp", "bad base64")
    }

    func testAnUnknownFormIsShownShort() {
        let long = String(repeating: "w", count: 500)
        guard case .failure(let m) = parse("1 " + long + " x") else { return XCTFail("parsed") }
        XCTAssertLessThan(m.reason.count, 40, m.reason)
        XCTAssertTrue(m.reason.hasPrefix("unknown form 'wwww"), m.reason)
    }
}

/// Runs the real `hivefs-hook`, built next to the test bundle, as an agent's hook does.
final class HookBinaryTests: XCTestCase {
    static var binary: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("hivefs-hook").path
    }

    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hivefs-hook-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Starts `hivefs-hook LOG` with stdin from `input`, stdout and stderr to files.
    private func spawn(log: String, input: String, stdout: String, stderr: String) throws -> pid_t {
        let argv = [Self.binary, log]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        let env: [String] = ["PATH=/usr/bin:/bin", "LANG=C"]
        var cenv: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { for e in cenv { free(e) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, &cenv)
        guard rc == 0 else {
            throw NSError(domain: "spawn", code: Int(rc), userInfo: [NSLocalizedDescriptionKey:
                "cannot start \(argv[0]): \(String(cString: strerror(rc)))"])
        }
        return pid
    }

    /// Waits for `pid`; its exit status, or -1 when a signal ended it.
    private func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -2 }
        }
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }

    private func read(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { Array($0) } ?? []
    }

    /// Runs one hook per payload, all at once; returns the records of the log.
    /// The first `earlier` records were in the log before; their times are not checked.
    private func run(_ payloads: [[UInt8]], earlier: Int = 0, file: StaticString = #filePath, line: UInt = #line) throws -> [HookRecord] {
        let bin = Self.binary
        guard FileManager.default.isExecutableFile(atPath: bin) else {
            XCTFail("hivefs-hook is not built at \(bin)", file: file, line: line)
            return []
        }
        let log = dir + "/hooks.log"
        for (i, p) in payloads.enumerated() {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(dir)/in-\(i)", contents: Data(p)))
        }
        let before = Timestamp.now()
        var pids: [pid_t] = []
        for i in payloads.indices {
            pids.append(try spawn(log: log, input: "\(dir)/in-\(i)", stdout: "\(dir)/out-\(i)", stderr: "\(dir)/err-\(i)"))
        }
        for (i, pid) in pids.enumerated() {
            XCTAssertEqual(wait(pid), 0, "hook \(i) exit status", file: file, line: line)
        }
        let after = Timestamp.now()
        for i in payloads.indices {
            XCTAssertEqual(read("\(dir)/out-\(i)"), [], "hook \(i) printed on stdout", file: file, line: line)
            XCTAssertEqual(String(decoding: read("\(dir)/err-\(i)"), as: UTF8.self), "", "hook \(i) complained",
                           file: file, line: line)
        }

        let text = read(log)
        XCTAssertEqual(text.last, 0x0A, "the log ends with a complete line", file: file, line: line)
        var records: [HookRecord] = []
        var start = 0
        for (i, b) in text.enumerated() where b == 0x0A {
            switch HookRecord.parse(text[start..<i]) {
            case .success(let r):
                if records.count >= earlier {
                    XCTAssertGreaterThanOrEqual(r.time, before, "the record's time is when the hook ran", file: file, line: line)
                    XCTAssertLessThanOrEqual(r.time, after, "the record's time is when the hook ran", file: file, line: line)
                }
                records.append(r)
            case .failure(let m):
                XCTFail("line at byte \(start) does not parse: \(m.reason)", file: file, line: line)
            }
            start = i + 1
        }
        return records
    }

    func testConcurrentHooksWriteWholeRecords() throws {
        // 20 distinct single-line JSON payloads of 300 KB, and one with newlines in it.
        var payloads: [[UInt8]] = []
        for i in 0..<20 {
            let unit = "hook \(i) says \\\"héllo\\\" 🐝 \(String(repeating: Character(UnicodeScalar(UInt32(65 + i))!), count: 7)) "
            var filler = ""
            while filler.utf8.count < 300_000 { filler += unit }
            let json = #"{"session_id":"s-\#(i)","hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"content":"\#(filler)"}}"#
            payloads.append(bytes(json))
        }
        let pretty = "{\n  \"session_id\": \"multi\",\n  \"hook_event_name\": \"UserPromptSubmit\",\n  \"prompt\": \"line one\\nline two\"\n}\n"
        payloads.append(bytes(pretty))
        XCTAssertEqual(Set(payloads).count, 21)
        for p in payloads.prefix(20) {
            XCTAssertGreaterThanOrEqual(p.count, 300_000)
            XCTAssertFalse(p.contains(0x0A))
        }

        let records = try run(payloads)
        XCTAssertEqual(records.count, 21)
        var expected = Dictionary(payloads.map { ($0, 1) }, uniquingKeysWith: +)
        for r in records {
            guard let n = expected[r.payload] else {
                XCTFail("a record holds a payload that was not sent (\(r.payload.count) bytes: \(r.payload.prefix(60)))")
                continue
            }
            expected[r.payload] = n == 1 ? nil : n - 1
            if r.payload == bytes(pretty) {
                XCTAssertTrue(r.encoded, "a payload with newlines is encoded")
            } else {
                XCTAssertFalse(r.encoded, "a one-line payload is written as it came")
                XCTAssertEqual(ClaudeHooks.report(r.payload, base: "/").kind, .tool)
            }
        }
        XCTAssertEqual(expected.count, 0, "payloads missing from the log")
    }

    func testAnEmptyPayloadIsAnEncodedRecord() throws {
        let records = try run([[]])
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.payload, [])
        XCTAssertEqual(records.first?.encoded, true)
        XCTAssertEqual(records.first.map { ClaudeHooks.report($0.payload, base: "/").kind }, .hookUnreadable)
    }

    func testAPayloadEndingInItsOnlyNewlineComesBackWhole() throws {
        // Written in the `nl` form: the record's own newline stands for the payload's.
        let json = #"{"hook_event_name":"Stop","session_id":"x"}"#
        let records = try run([bytes(json + "\n")])
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.payload, bytes(json + "\n"))
        XCTAssertEqual(records.first?.encoded, false)
        let log = read(dir + "/hooks.log")
        XCTAssertTrue(log.suffix(json.utf8.count + 1).elementsEqual(bytes(json + "\n")))
    }

    func testAppendsToAnExistingLog() throws {
        let log = dir + "/hooks.log"
        XCTAssertTrue(FileManager.default.createFile(atPath: log, contents: Data("1 line {\"old\":true}\n".utf8)))
        let records = try run([bytes(#"{"hook_event_name":"SessionEnd"}"#)], earlier: 1)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(records.first?.payload, bytes(#"{"old":true}"#))
        XCTAssertEqual(records.last?.payload, bytes(#"{"hook_event_name":"SessionEnd"}"#))
    }
}
