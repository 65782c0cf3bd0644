import Foundation
import XCTest
@testable import HiveCore

/// Claude Code transcript lines, in the shapes Claude Code writes them.
enum Transcript {
    static let sonnet = "claude-sonnet-4-5-20250929"
    static let session = "fe5e1c67-53e7-4862-81ae-d0e013e3270b"

    static func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// One assistant line: one content block of API message `id`, with its usage so far.
    static func assistant(id: String, request: String, model: String = sonnet, text: String? = nil,
                          input: Int = 3, output: Int, cacheRead: Int = 0, cacheWrite: Int = 0, cacheWrite1h: Int = 0,
                          sidechain: Bool = false, uuid: String = UUID().uuidString.lowercased()) -> String {
        let block: [String: Any] = text.map { ["type": "text", "text": $0] }
            ?? ["type": "tool_use", "id": "toolu_019okXfjnUzJkV2VZbndx6ik", "name": "Glob",
                "input": ["pattern": "**/*.md", "path": "./.claude/commands"]]
        let usage: [String: Any] = [
            "input_tokens": input, "output_tokens": output,
            "cache_read_input_tokens": cacheRead, "cache_creation_input_tokens": cacheWrite,
            "cache_creation": ["ephemeral_5m_input_tokens": cacheWrite - cacheWrite1h, "ephemeral_1h_input_tokens": cacheWrite1h],
            "service_tier": "standard",
        ]
        return json([
            "parentUuid": "5a3fdd4a-ac04-44ec-8323-407fdb4c7c06", "isSidechain": sidechain, "userType": "external",
            "cwd": "/path/to/Demo", "sessionId": session, "version": "1.0.98", "gitBranch": "",
            "message": ["id": id, "type": "message", "role": "assistant", "model": model, "content": [block],
                        "stop_reason": NSNull(), "stop_sequence": NSNull(), "usage": usage],
            "requestId": request, "type": "assistant", "uuid": uuid, "timestamp": "2025-09-03T00:52:34.495Z",
        ])
    }

    static func user(_ text: String) -> String {
        json(["parentUuid": NSNull(), "isSidechain": false, "type": "user", "sessionId": session,
              "message": ["role": "user", "content": text], "uuid": UUID().uuidString.lowercased(),
              "timestamp": "2025-09-03T00:52:31.217Z"])
    }

    static func toolResult() -> String {
        json(["isSidechain": false, "type": "user", "sessionId": session,
              "message": ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_019", "content": "a.md"]]],
              "toolUseResult": ["filenames": ["a.md"], "numFiles": 1],
              "uuid": UUID().uuidString.lowercased()])
    }

    static let summary = #"{"type":"summary","summary":"Empty Repo Setup: CLAUDE.md Foundation Created","leafUuid":"549b3502-6e30-4fa5-869f-c998df26c3f0"}"#

    /// The pitfall in miniature: one API message written as three lines, output 3 → 172 → 172.
    static func threeBlocks(id: String = "msg_0175yHhPUPFGbabUiDkdjvaD", request: String = "req_011CSkYzZmrLKTfC5kKrttht",
                            model: String = sonnet) -> [String] {
        [
            assistant(id: id, request: request, model: model, text: "I'll help you create a TODO app.", output: 3,
                      cacheRead: 14874, cacheWrite: 1331),
            assistant(id: id, request: request, model: model, output: 172, cacheRead: 14874, cacheWrite: 1331),
            assistant(id: id, request: request, model: model, output: 172, cacheRead: 14874, cacheWrite: 1331),
        ]
    }
}

final class TranscriptLedgerTests: XCTestCase {
    private func ledger(_ lines: [String]) -> TranscriptLedger {
        var l = TranscriptLedger()
        for line in lines { l.read(line: bytes(line)[...]) }
        return l
    }

    func testLinesOfOneMessageCountOnceWithTheirLargestUsage() {
        let l = ledger(Transcript.threeBlocks())
        XCTAssertEqual(l.total, TokenUsage(input: 3, output: 172, cacheRead: 14874, cacheWrite: 1331),
                       "not 347 (summed) and not 3 (first line)")
        XCTAssertEqual(l.messageCount, 1)
        XCTAssertEqual(l.byModel, [Transcript.sonnet: l.total])
        XCTAssertEqual(l.lastText, "I'll help you create a TODO app.", "tool_use blocks leave the last text alone")
        XCTAssertEqual(l.model, Transcript.sonnet)
        XCTAssertEqual(l.skipped, 0)
    }

    func testTheSameIdInAnotherRequestIsAnotherMessage() {
        let l = ledger([Transcript.assistant(id: "msg_1", request: "req_1", output: 10),
                        Transcript.assistant(id: "msg_1", request: "req_2", output: 20)])
        XCTAssertEqual(l.messageCount, 2)
        XCTAssertEqual(l.total.output, 30)
    }

    func testTwoMessagesAdd() {
        let l = ledger(Transcript.threeBlocks()
            + [Transcript.assistant(id: "msg_02", request: "req_02", text: "Done.", input: 5, output: 40, cacheRead: 16000,
                                    cacheWrite: 200)])
        XCTAssertEqual(l.total, TokenUsage(input: 8, output: 212, cacheRead: 30874, cacheWrite: 1531))
        XCTAssertEqual(l.messageCount, 2)
        XCTAssertEqual(l.lastText, "Done.")
    }

    func testTheSameLineReadTwiceCountsOnce() {
        let line = Transcript.assistant(id: "msg_a", request: "req_a", text: "hi", input: 7, output: 11, cacheRead: 5)
        var l = ledger([line])
        let once = l
        l.read(line: bytes(line)[...])
        XCTAssertEqual(l, once)
        XCTAssertEqual(l.total, TokenUsage(input: 7, output: 11, cacheRead: 5))
        XCTAssertEqual(l.messageCount, 1)
    }

    func testLinesOutOfOrderStillGiveTheMax() {
        let l = ledger(Transcript.threeBlocks().reversed())
        XCTAssertEqual(l.total, TokenUsage(input: 3, output: 172, cacheRead: 14874, cacheWrite: 1331))
        XCTAssertEqual(l.messageCount, 1)
    }

    func testEachFieldKeepsItsOwnMax() {
        let l = ledger([Transcript.assistant(id: "m", request: "r", input: 1, output: 172, cacheRead: 0),
                        Transcript.assistant(id: "m", request: "r", input: 9, output: 3, cacheRead: 100)])
        XCTAssertEqual(l.total, TokenUsage(input: 9, output: 172, cacheRead: 100))
        XCTAssertEqual(l.byModel[Transcript.sonnet], l.total)
    }

    func testSidechainLinesCountButDoNotSpeakForTheMainAgent() {
        let l = ledger([
            Transcript.assistant(id: "msg_main", request: "req_main", text: "I'll ask a builder.", output: 50),
            Transcript.assistant(id: "msg_sub", request: "req_sub", model: "claude-haiku-4-5-20251001",
                                 text: "Subagent finished the build.", input: 10, output: 70, sidechain: true),
        ])
        XCTAssertEqual(l.total, TokenUsage(input: 13, output: 120))
        XCTAssertEqual(l.messageCount, 2)
        XCTAssertEqual(l.lastText, "I'll ask a builder.")
        XCTAssertEqual(l.model, Transcript.sonnet)
        XCTAssertEqual(l.byModel["claude-haiku-4-5-20251001"], TokenUsage(input: 10, output: 70))
        XCTAssertEqual(l.byModel[Transcript.sonnet], TokenUsage(input: 3, output: 50))
    }

    func testASyntheticModelIsNotTheAgentsModel() {
        let l = ledger([Transcript.assistant(id: "m1", request: "r1", text: "a", output: 1),
                        Transcript.assistant(id: "m2", request: "", model: "<synthetic>", text: "No response requested.",
                                             input: 0, output: 0)])
        XCTAssertEqual(l.model, Transcript.sonnet)
        XCTAssertEqual(l.lastText, "a", "a synthetic message is not the agent's own")
    }

    func testMalformedLinesAreSkippedAndCounted() {
        let good = Transcript.assistant(id: "m", request: "r", output: 5)
        let l = ledger([
            "not json at all",
            String(good.prefix(good.count / 2)),
            "[1,2,3]",
            good,
            "",
            "   \t",
        ])
        XCTAssertEqual(l.skipped, 3, "two non-JSON lines and one that is not an object; blank lines are not counted")
        XCTAssertEqual(l.total, TokenUsage(input: 3, output: 5))
        XCTAssertEqual(l.messageCount, 1)
    }

    func testNonAssistantLinesChangeNothing() {
        let l = ledger([Transcript.summary, Transcript.user("create TODO app by Next.js"), Transcript.toolResult(),
                        #"{"type":"system","subtype":"compact_boundary","content":"Conversation compacted"}"#,
                        #"{"type":"assistant"}"#])
        XCTAssertEqual(l, TranscriptLedger())
        XCTAssertNil(l.lastText)
        XCTAssertNil(l.model)
        XCTAssertEqual(l.messageCount, 0)
    }

    func testAnAssistantLineWithoutUsageStillSetsTheText() {
        let l = ledger([#"{"type":"assistant","isSidechain":false,"message":{"id":"m","model":"claude-opus-4-5-20251101","content":[{"type":"text","text":"hello"}]}}"#])
        XCTAssertEqual(l.lastText, "hello")
        XCTAssertEqual(l.model, "claude-opus-4-5-20251101")
        XCTAssertEqual(l.total, TokenUsage())
        XCTAssertEqual(l.messageCount, 0)
    }

    func testConsumeTakesOnlyCompleteLines() {
        let file = "/home/ana/.claude/projects/-home-ana-src-app/s.jsonl"
        let first = Transcript.assistant(id: "m1", request: "r1", text: "one", output: 10) + "\n"
        let second = Transcript.assistant(id: "m2", request: "r2", text: "two", output: 20) + "\n"
        let all = bytes(first + second)
        let cut = first.utf8.count + second.utf8.count / 2

        var l = TranscriptLedger()
        let used = l.consume(all[0..<cut], file: file)
        XCTAssertEqual(used, first.utf8.count)
        XCTAssertEqual(l.offset(file), Int64(first.utf8.count))
        XCTAssertEqual(l.total.output, 10)
        XCTAssertEqual(l.lastText, "one")
        XCTAssertEqual(l.offset("/other.jsonl"), 0)

        // The reader goes on from the offset: the slice does not start at index 0.
        let rest = l.consume(all[Int(l.offset(file))...], file: file)
        XCTAssertEqual(rest, second.utf8.count)
        XCTAssertEqual(l.offset(file), Int64(all.count))
        XCTAssertEqual(l.total.output, 30)
        XCTAssertEqual(l.lastText, "two")
        XCTAssertEqual(l.skipped, 0, "the half line was not read as a malformed one")
    }

    func testConsumeOfNoCompleteLineConsumesNothing() {
        var l = TranscriptLedger()
        let half = bytes(String(Transcript.assistant(id: "m", request: "r", output: 1).prefix(40)))
        XCTAssertEqual(l.consume(half[...], file: "f"), 0)
        XCTAssertEqual(l.offset("f"), 0)
        XCTAssertEqual(l.total, TokenUsage())
        XCTAssertEqual(l.skipped, 0)
    }

    func testOffsetsArePerFile() {
        var l = TranscriptLedger()
        let a = bytes(Transcript.assistant(id: "m1", request: "r1", output: 1) + "\n")
        let b = bytes(Transcript.assistant(id: "m2", request: "r2", output: 2, sidechain: true) + "\n" + Transcript.summary + "\n")
        l.consume(a[...], file: "main.jsonl")
        l.consume(b[...], file: "subagents/agent-1.jsonl")
        XCTAssertEqual(l.offset("main.jsonl"), Int64(a.count))
        XCTAssertEqual(l.offset("subagents/agent-1.jsonl"), Int64(b.count))
        XCTAssertEqual(l.total.output, 3)
    }

    func testNegativeCountsAreNotCounted() {
        // A fractional or negative float count is dropped (TranscriptLedger.usage checks d >= 0);
        // a negative integer must be too, or totals and cost.usd go below zero.
        let l = ledger([Transcript.assistant(id: "m", request: "r", input: -100, output: -20_000)])
        XCTAssertEqual(l.total.input, 0)
        XCTAssertEqual(l.total.output, 0)
        XCTAssertGreaterThanOrEqual(l.cost(.standard).usd, 0)
    }

    func testOneHourCacheWrites() {
        let l = ledger([Transcript.assistant(id: "m", request: "r", output: 1, cacheWrite: 5000, cacheWrite1h: 2000)])
        XCTAssertEqual(l.total.cacheWrite, 5000)
        XCTAssertEqual(l.total.cacheWrite1h, 2000)
    }

    func testCostWithTheStandardPrices() {
        let l = ledger([Transcript.assistant(id: "m", request: "r", input: 1000, output: 2000, cacheRead: 30000,
                                             cacheWrite: 5000, cacheWrite1h: 2000)])
        // claude-sonnet-4-5 is priced as claude-sonnet-4: $3 in, $15 out, $0.30 cache read,
        // $3.75 5-minute cache write, $6 1-hour cache write, per million tokens.
        //   1000 × 3 + 2000 × 15 + 30000 × 0.3 + (5000 − 2000) × 3.75 + 2000 × 6
        //   = 3000 + 30000 + 9000 + 11250 + 12000 = 65250 → $0.06525
        let cost = l.cost(.standard)
        XCTAssertEqual(cost.usd, 0.06525, accuracy: 1e-9)
        XCTAssertEqual(cost.unpriced, [])
    }

    func testUnknownModelsAreUnpriced() {
        let l = ledger([
            Transcript.assistant(id: "m1", request: "r1", input: 1_000_000, output: 0),
            Transcript.assistant(id: "m2", request: "r2", model: "gpt-5-codex", input: 1_000_000, output: 1_000_000),
            Transcript.assistant(id: "m3", request: "r3", model: "", input: 10, output: 10),
            Transcript.assistant(id: "m4", request: "r4", model: "mystery-zero", input: 0, output: 0),
        ])
        let cost = l.cost(.standard)
        XCTAssertEqual(cost.usd, 3.0, accuracy: 1e-9, "only the priced model's million input tokens")
        XCTAssertEqual(cost.unpriced, ["unknown", "gpt-5-codex"], "sorted by model; a model with no tokens is not listed")
    }

    func testCodableRoundTrip() throws {
        var l = TranscriptLedger()
        let text = (Transcript.threeBlocks() + ["garbage", Transcript.summary,
                    Transcript.assistant(id: "s", request: "q", model: "claude-haiku-4-5", text: "sub", output: 9,
                                         cacheWrite: 10, cacheWrite1h: 4, sidechain: true)])
            .joined(separator: "\n") + "\n"
        l.consume(bytes(text)[...], file: "/t/main.jsonl")
        let data = try JSONEncoder().encode(l)
        let back = try JSONDecoder().decode(TranscriptLedger.self, from: data)
        XCTAssertEqual(back, l)
        XCTAssertEqual(back.total, l.total)
        XCTAssertEqual(back.skipped, 1)
        XCTAssertEqual(back.offset("/t/main.jsonl"), Int64(text.utf8.count))
        XCTAssertEqual(back.lastText, "I'll help you create a TODO app.")
    }

    func testADecodedLedgerReadsOnToTheSameTotals() throws {
        let file = "/t/main.jsonl"
        // Message A's three lines straddle the cut, so the decoded ledger must still know A's usage.
        let lines = [Transcript.user("go")] + Transcript.threeBlocks(id: "msg_A", request: "req_A")
            + [Transcript.assistant(id: "msg_B", request: "req_B", text: "first", output: 30)]
            + Transcript.threeBlocks(id: "msg_C", request: "req_C", model: "claude-opus-4-5-20251101")
            + ["{broken", Transcript.assistant(id: "msg_B", request: "req_B", text: "first, longer", output: 45)]
        let all = bytes(lines.joined(separator: "\n") + "\n")

        var whole = TranscriptLedger()
        XCTAssertEqual(whole.consume(all[...], file: file), all.count)

        var firstPart = TranscriptLedger()
        let cut = bytes(lines.prefix(3).joined(separator: "\n")).count + 20  // mid-way through line 4
        firstPart.consume(all[0..<cut], file: file)
        XCTAssertLessThan(firstPart.offset(file), Int64(cut))
        let saved = try JSONEncoder().encode(firstPart)
        var resumed = try JSONDecoder().decode(TranscriptLedger.self, from: saved)
        resumed.consume(all[Int(resumed.offset(file))...], file: file)

        XCTAssertEqual(resumed.total, whole.total)
        XCTAssertEqual(resumed.byModel, whole.byModel)
        XCTAssertEqual(resumed.messageCount, 3)
        XCTAssertEqual(resumed.skipped, 1)
        XCTAssertEqual(resumed.offset(file), Int64(all.count))
        XCTAssertEqual(resumed.lastText, "first, longer")
        XCTAssertEqual(resumed, whole)
        XCTAssertEqual(whole.total, TokenUsage(input: 9, output: 389, cacheRead: 29748, cacheWrite: 2662))
    }

    /// Claude Code 2.1.337 writes its own running total as it exits (and the same again
    /// on resume): title calls, absent from the assistant lines, are in it.
    func testTheAgentsOwnCostWinsAndWhatFollowsItIsPriced() {
        let opus = "claude-opus-5-5"
        let state = Transcript.json(["type": "cost-state", "sessionId": Transcript.session, "totalCostUSD": 0.0667712,
                                     "startTime": 1796524748382, "hasUnknownModelCost": false,
                                     "modelUsage": [opus: ["inputTokens": 8607, "costUSD": 0.0667712]]])
        let before = Transcript.assistant(id: "m1", request: "r1", model: opus, text: "one", input: 8607, output: 40,
                                          cacheRead: 14341, cacheWrite: 5735)
        var l = ledger([before])
        XCTAssertEqual(l.cost(.standard).source, .prices)
        XCTAssertEqual(l.cost(.standard).usd, 0.0667712, accuracy: 1e-9, "the price table is Claude Code's own")
        l = ledger([before, state])
        XCTAssertEqual(l.cost(.standard).source, .agent)
        XCTAssertEqual(l.cost(.standard).usd, 0.0667712, accuracy: 1e-12)
        let after = Transcript.assistant(id: "m2", request: "r2", model: opus, text: "two", input: 1000, output: 10)
        l = ledger([before, state, after])
        XCTAssertEqual(l.cost(.standard).source, .agentAndPrices)
        let priced: Double = (1000.0 * 4 + 10.0 * 20) / 1e6
        XCTAssertEqual(l.cost(.standard).usd, 0.0667712 + priced, accuracy: 1e-12)
        l = ledger([before, state, after, state.replacingOccurrences(of: "0.0667712", with: "0.0712")])
        XCTAssertEqual(l.cost(.standard).usd, 0.0712, accuracy: 1e-12)
        XCTAssertEqual(l.cost(.standard).source, .agent)
        XCTAssertEqual(l.total.input, 9607, "tokens stay the assistant lines'")
    }

    /// A ledger saved by a release without the agent's own cost reads on, with none.
    func testALedgerSavedBeforeTheAgentsCostStillReads() throws {
        var l = ledger(Transcript.threeBlocks())
        l.noteAgentTotal(0.5)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: try JSONEncoder().encode(l)) as? [String: Any])
        object["agentCostUSD"] = nil
        object["sinceAgentCost"] = nil
        let old = try JSONDecoder().decode(TranscriptLedger.self, from: try JSONSerialization.data(withJSONObject: object))
        XCTAssertNil(old.agentCostUSD)
        XCTAssertEqual(old.total, l.total)
        XCTAssertEqual(old.cost(.standard).source, .prices)
    }

    func testProjectFolder() {
        XCTAssertEqual(ClaudePaths.projectFolder("/home/ben/work_personal/x.y"), "-home-ben-work-personal-x-y")
        XCTAssertEqual(ClaudePaths.projectFolder("/home/ben/work_personal/claude_code_observability"),
                       "-home-ben-work-personal-claude-code-observability")
        XCTAssertEqual(ClaudePaths.transcript(configDir: "/home/ana/.claude", dir: "/home/ana/src/app", session: "4f1c"),
                       "/home/ana/.claude/projects/-home-ana-src-app/4f1c.jsonl")
        XCTAssertEqual(ClaudePaths.subagentsFolder(transcript: "/c/projects/-x/4f1c.jsonl"), "/c/projects/-x/4f1c/subagents")
    }
}
