import Foundation
import HiveFuzz
import XCTest
@testable import HiveCore

/// Random and mutated input for every parser that reads what others write:
/// `control` writes, `hooks.log` records and their payloads, transcript lines and
/// the event log. None may crash or hang; bad input is refused with its errno or
/// skipped and counted. The cases are drawn from a seeded generator, so a failure
/// names the seed that repeats it (HIVEFS_FUZZ_SEED); HIVEFS_FUZZ_SCALE multiplies
/// the number of cases (`make stress` runs ten times as many).
final class FuzzTests: XCTestCase {
    static let seed = Fuzz.seed
    static let scale = Fuzz.scale

    // MARK: control

    static let sessionLines = Fuzz.sessionLines
    static let rootLines = Fuzz.rootLines
    func testControlWritesNeverCrashAndAreRefusedWithTheirErrno() {
        var r = FuzzRand(state: Self.seed)
        let allowed: Set<String> = ["EINVAL", "E2BIG", "ERANGE", "EEXIST"]
        let cases = 100_000 * Self.scale
        var accepted = 0, refused = 0
        for i in 0..<cases {
            let write: [UInt8]
            // One case in a thousand is a write of thousands of lines, one a line near the limit.
            switch i % 1000 == 0 ? 2 : i % 1000 == 1 ? 3 : r.pick([0, 1, 4, 5]) {
            case 0: write = r.bytes(r.below(200))
            case 1: write = Fuzz.mutate(Array(r.pick(Self.sessionLines + Self.rootLines).utf8), &r)
            case 2:
                write = Array((0..<(1 + r.below(3000))).map { _ in r.pick(Self.sessionLines) }.joined(separator: "\n").utf8)
            case 3:  // a huge line, just under or over the limit
                write = Array("send ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: ControlParser.maxWrite - 8 + r.below(16))
            case 4: write = Fuzz.mutate(Fuzz.mutate(Array(r.pick(Self.rootLines).utf8), &r), &r)
            default: write = Array(r.pick(Self.sessionLines).utf8) + [0] + r.bytes(r.below(10))
            }
            for root in [false, true] {
                do {
                    if root { _ = try ControlParser.rootCommands(write, home: "/home/ana", agents: .builtIn) } else { _ = try ControlParser.sessionCommands(write) }
                    accepted += 1
                } catch {
                    refused += 1
                    if !allowed.contains(error.errnoName) || error.reason.isEmpty {
                        XCTFail("case \(i) (seed \(Self.seed)): \(error.errnoName) '\(error.reason)' for \(write.prefix(80))")
                    }
                }
            }
        }
        XCTAssertGreaterThan(accepted, cases / 50, "the mutations still reach the commands")
        XCTAssertGreaterThan(refused, cases / 2)
        print("fuzz control: \(cases) writes to session and root control, \(accepted) accepted, \(refused) refused")
    }

    // MARK: hooks

    /// Payloads of every hook event hivefs reads, in the shapes Claude Code documents.
    static let samplePayloads: [[UInt8]] = [
        #"{"session_id":"4f1c","transcript_path":"/h/.claude/projects/-w/4f1c.jsonl","cwd":"/w","hook_event_name":"SessionStart","source":"startup","model":"claude-sonnet-4-5"}"#,
        #"{"session_id":"4f1c","cwd":"/w","permission_mode":"default","hook_event_name":"UserPromptSubmit","prompt":"Add a login form\nwith tests"}"#,
        #"{"session_id":"4f1c","cwd":"/w","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"npm test","description":"Run tests"},"tool_use_id":"toolu_01"}"#,
        #"{"session_id":"4f1c","cwd":"/w","hook_event_name":"PermissionRequest","tool_name":"Write","tool_input":{"file_path":"/w/src/login.ts","content":"x"}}"#,
        #"{"session_id":"4f1c","cwd":"/w","hook_event_name":"PostToolUse","tool_name":"Edit","tool_input":{"file_path":"/w/src/a.swift","old_string":"a","new_string":"b"},"tool_response":{"filePath":"/w/src/a.swift"}}"#,
        #"{"session_id":"4f1c","cwd":"/w","hook_event_name":"PostToolUseFailure","tool_name":"Bash","tool_input":{"command":"make"},"error":"exit 2","is_interrupt":false}"#,
        #"{"session_id":"4f1c","hook_event_name":"Notification","message":"Claude needs your permission to use Bash","notification_type":"permission_prompt"}"#,
        #"{"session_id":"4f1c","hook_event_name":"SubagentStart","agent_id":"a1","agent_type":"Explore"}"#,
        #"{"session_id":"4f1c","hook_event_name":"SubagentStop","agent_id":"a1","agent_transcript_path":"/h/a1.jsonl","stop_hook_active":false}"#,
        #"{"session_id":"4f1c","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"done\nreally"}"#,
        #"{"session_id":"4f1c","hook_event_name":"StopFailure","error":"rate_limit","error_details":"429"}"#,
        #"{"session_id":"4f1c","hook_event_name":"PreCompact","trigger":"auto","custom_instructions":""}"#,
        #"{"session_id":"4f1c","hook_event_name":"SessionEnd","reason":"prompt_input_exit"}"#,
    ].map { Array($0.utf8) }

    /// Transcript lines in Claude Code's shape: one per content block, usage growing.
    static let sampleTranscript: [[UInt8]] = [
        #"{"type":"user","message":{"role":"user","content":"Add a login form"},"uuid":"u1","sessionId":"4f1c"}"#,
        #"{"type":"assistant","requestId":"req_1","uuid":"a1","isSidechain":false,"message":{"id":"msg_1","model":"claude-sonnet-4-5","role":"assistant","content":[{"type":"text","text":"I'll look."}],"usage":{"input_tokens":12,"cache_creation_input_tokens":3010,"cache_read_input_tokens":14210,"output_tokens":2}}}"#,
        #"{"type":"assistant","requestId":"req_1","uuid":"a2","isSidechain":false,"message":{"id":"msg_1","model":"claude-sonnet-4-5","role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"Read","input":{"file_path":"/w/a.ts"}}],"usage":{"input_tokens":12,"cache_creation_input_tokens":3010,"cache_read_input_tokens":14210,"cache_creation":{"ephemeral_5m_input_tokens":3010,"ephemeral_1h_input_tokens":0},"output_tokens":87}}}"#,
        #"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"x"}]},"uuid":"u2"}"#,
        #"{"type":"assistant","requestId":"req_2","uuid":"a3","isSidechain":true,"message":{"id":"msg_2","model":"claude-haiku-4-5","content":[{"type":"text","text":"sub"}],"usage":{"input_tokens":5,"output_tokens":9}}}"#,
        #"{"type":"summary","summary":"Login form","leafUuid":"a3"}"#,
    ].map { Array($0.utf8) }

    /// A `hooks.log` record as hivefs-hook writes it, without its newline.
    static func record(_ payload: [UInt8]) -> [UInt8] {
        var body = payload
        let nl = body.last == 0x0A
        if nl { body.removeLast() }
        if !body.isEmpty && !body.contains(0x0A) { return Array("1764000000000 \(nl ? "nl" : "line") ".utf8) + body }
        return Array("1764000000000 base64 \(Data(payload).base64EncodedString())".utf8)
    }

    func testHookRecordsAndPayloadsNeverCrashAndAlwaysMakeOneLine() {
        var r = FuzzRand(state: Self.seed ^ 0x686F6F6B)
        let samples = Self.samplePayloads
        XCTAssertEqual(samples.count, 13)
        let cases = 10_000 * Self.scale
        var malformed = 0, unreadable = 0
        for i in 0..<cases {
            let payload: [UInt8]
            // One case in fifty is nested tens of thousands deep.
            switch i % 50 == 0 ? 1 : i % 50 == 1 ? 2 : r.pick([0, 3, 4]) {
            case 0: payload = r.bytes(r.below(300))
            case 1: payload = Array(String(repeating: "[", count: 1 + r.below(100_000)).utf8)
            case 2: payload = Array(#"{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"#.utf8)
                + Array(String(repeating: "{\"a\":", count: r.below(5000)).utf8)
            default: payload = Fuzz.mutate(r.pick(samples), &r)
            }
            // As hivefs-hook writes it, and as a crash or another writer can leave it.
            var line = Self.record(payload)
            if r.chance(30) { line = Fuzz.mutate(line, &r) }
            switch HookRecord.parse(line[...]) {
            case .failure(let m):
                malformed += 1
                XCTAssertFalse(m.reason.isEmpty)
            case .success(let rec):
                let report = ClaudeHooks.report(rec.payload, base: "/w")
                if report.kind == EventKind.hookUnreadable { unreadable += 1 }
                let e = Event(session: "s", kind: report.kind, detail: report.detail)
                let text = e.textLine
                if text.filter({ $0 == "\n" }).count != 1 || !text.hasSuffix("\n") {
                    XCTFail("case \(i) (seed \(Self.seed)): not one line: \(text.prefix(200))")
                }
                XCTAssertEqual(Event.parse(jsonLine: Array(e.jsonLine.utf8.dropLast())), e, "case \(i)")
            }
        }
        print("fuzz hooks: \(cases) records, \(malformed) malformed records refused, \(unreadable) unreadable payloads")
    }

    // MARK: transcripts and the event log

    func testTranscriptLinesNeverCrashAndBadOnesAreCounted() {
        var r = FuzzRand(state: Self.seed ^ 0x7472616E)
        let lines = Self.sampleTranscript
        XCTAssertFalse(lines.isEmpty)
        let cases = 10_000 * Self.scale
        var ledger = TranscriptLedger()
        for _ in 0..<cases {
            let line = r.chance(20) ? r.bytes(r.below(200)) : Fuzz.mutate(r.pick(lines), &r)
            ledger.read(line: line[...])
            let t = ledger.total
            XCTAssertTrue(t.input >= 0 && t.output >= 0 && t.cacheRead >= 0 && t.cacheWrite >= 0, "seed \(Self.seed)")
        }
        XCTAssertGreaterThan(ledger.skipped, 0)
        print("fuzz transcripts: \(cases) lines, \(ledger.skipped) skipped and counted")
    }

    func testEventLogLinesNeverCrash() {
        var r = FuzzRand(state: Self.seed ^ 0x6576656E)
        var e = Event(session: "auth", kind: EventKind.state, detail: "working", state: .working, pid: 4)
        e.tool = "Edit src/a.swift"; e.action = "edit"; e.path = "src/a.swift"; e.hook = 1234
        let valid = Array(e.jsonLine.utf8.dropLast())
        var parsed = 0
        for _ in 0..<(10_000 * Self.scale) {
            if let back = Event.parse(jsonLine: Fuzz.mutate(valid, &r)) {
                parsed += 1
                XCTAssertEqual(Event.parse(jsonLine: Array(back.jsonLine.utf8.dropLast())), back)
            }
        }
        XCTAssertGreaterThan(parsed, 0)
    }
}
