import Foundation
import XCTest

/// A Claude Code session seen through its hooks and transcript: events, state,
/// files and tokens, each checked against what the fake agent really did.
final class ClaudeSessionTests: ClaudeTestCase {
    var a: String { work + "/src/a.swift" }

    func testATurnWithToolsShowsEveryEventInOrderAndExactFiles() {
        newClaude("t1", turns: [[
            ["tools": [["name": "Read", "input": ["file_path": a]]], "usage": ["input_tokens": 10, "output_tokens": 40]],
            ["tools": [["name": "Edit", "input": ["file_path": a, "old_string": "1", "new_string": "2"]],
                       ["name": "Write", "input": ["file_path": work + "/src/b.swift", "content": "b"],
                        "response": ["type": "create", "filePath": work + "/src/b.swift"]]],
             "say": "Editing now"],
            ["tools": [["name": "Bash", "input": ["command": "swift test\n--parallel", "description": "Run tests"]],
                       ["name": "Grep", "input": ["pattern": "TODO", "path": work + "/src"]],
                       ["name": "Read", "input": ["file_path": "/etc/hostname"]],
                       ["name": "Read", "input": ["file_path": a]]]],
            ["say": "All done.\nSecond line."],
        ]])
        waitReport("t1", "idle")
        XCTAssertEqual(reported("t1"), [
            "agent.start startup claude-sonnet-4-5-20250929 session \(m.status("t1", "agent.session") ?? "?")",
            "prompt Fix the bug",
            "tool Read src/a.swift", "tool.done Read src/a.swift",
            "tool Edit src/a.swift", "tool.done Edit src/a.swift",
            "tool Write src/b.swift", "tool.done Write src/b.swift",
            "tool Bash swift test", "tool.done Bash swift test",
            "tool Grep TODO in src", "tool.done Grep TODO in src",
            "tool Read /etc/hostname", "tool.done Read /etc/hostname",
            "tool Read src/a.swift", "tool.done Read src/a.swift",
            "idle All done.",
        ])
        XCTAssertEqual(m.read("t1/files"), """
            read 1 /etc/hostname
            search 1 src
            edit 1 src/a.swift
            read 2 src/a.swift
            create 1 src/b.swift

            """)
        XCTAssertEqual(m.state("t1"), "idle")
        XCTAssertEqual(m.status("t1", "tool"), "-")
        XCTAssertEqual(m.status("t1", "message"), "All done.")
        XCTAssertEqual(m.status("t1", "model"), "claude-sonnet-4-5-20250929")
        // Root events carry them too, led by the name.
        XCTAssertTrue((m.read("events") ?? "").contains("t1 "), "root events")
        XCTAssertTrue((m.read("events") ?? "").contains(" tool.done Edit src/a.swift\n"))
        // The text and JSON twins agree line for line.
        XCTAssertEqual((m.read("t1/events") ?? "").split(separator: "\n").count, events("t1").count)
    }

    func testStateFollowsWorkingWaitingIdleWithAPermissionPrompt() {
        newClaude("perm", turns: [[
            ["tools": [["name": "Bash", "input": ["command": "rm -rf build"], "permission": "ask"]]],
            ["say": "Cleaned."],
        ]])
        m.waitState("perm", ["waiting"])
        XCTAssertEqual(m.status("perm", "reason"), "permission Bash rm -rf build")
        XCTAssertEqual(m.status("perm", "tool"), "Bash rm -rf build")
        XCTAssertEqual(m.sh("cat $MNT/status | awk '$1==\"perm\" {print $2}'").out, "waiting\n")
        XCTAssertEqual(m.write("perm/control", "keys 1\n"), 0)
        m.waitState("perm", ["idle"])
        XCTAssertEqual(m.status("perm", "reason"), "-")
        // Every step, as the events recorded it: starting, ready, working, waiting, working, idle.
        XCTAssertEqual(statesFromReports("perm"), ["starting", "idle", "working", "waiting", "working", "idle"],
                       m.read("perm/events") ?? "")
        let r = reported("perm")
        let order = ["prompt", "tool Bash", "permission", "notification", "tool.done", "idle"].map { k in
            r.firstIndex { $0.hasPrefix(k) } ?? -1
        }
        XCTAssertEqual(order, order.sorted(), "\(r)")
        XCTAssertFalse(order.contains(-1), "\(r)")
    }

    func testTokensAreExactAcrossSharedMessageIdsAndSubagents() {
        newClaude("tok", turns: [[
            ["tools": [["name": "Read", "input": ["file_path": a]]], "say": "Looking",
             "usage": ["input_tokens": 3, "output_tokens": 172, "cache_read_input_tokens": 14874, "cache_creation_input_tokens": 1331]],
            ["subagent": ["type": "Explore", "steps": [
                ["say": "exploring", "usage": ["input_tokens": 7, "output_tokens": 55, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20]],
                ["tools": [["name": "Glob", "input": ["pattern": "**/*.swift", "path": work]]],
                 "usage": ["input_tokens": 2, "output_tokens": 9]],
            ]]],
            ["say": "Done", "usage": ["input_tokens": 7, "output_tokens": 1000, "cache_read_input_tokens": 16205, "cache_creation_input_tokens": 235]],
        ]])
        waitReport("tok", "idle")
        let ok = waitUntil(5) {
            let t = self.truth("tok")
            return !t.isEmpty && self.m.status("tok", "tokens.output") == t["output"].map(String.init)
        }
        let t = truth("tok")
        XCTAssertTrue(ok, "tokens \(m.read("tok/status") ?? "") vs truth \(t)")
        XCTAssertGreaterThan(t["messages"] ?? 0, 3, "the fake wrote several API messages")
        XCTAssertEqual(m.status("tok", "tokens.input"), t["input"].map(String.init))
        XCTAssertEqual(m.status("tok", "tokens.output"), t["output"].map(String.init))
        XCTAssertEqual(m.status("tok", "tokens.cache_read"), t["cache_read"].map(String.init))
        XCTAssertEqual(m.status("tok", "tokens.cache_write"), t["cache_write"].map(String.init))
        XCTAssertEqual(m.status("tok", "transcript.skipped"), "0")
        // Sonnet: $3 in, $15 out, $0.30 cache read, $3.75 cache write, per million.
        let usd = (Double(t["input"] ?? 0) * 3 + Double(t["output"] ?? 0) * 15 + Double(t["cache_read"] ?? 0) * 0.3
                   + Double(t["cache_write"] ?? 0) * 3.75) / 1_000_000
        XCTAssertEqual(m.status("tok", "cost.usd"), String(format: "%.4f", usd))
        let json = (try? JSONSerialization.jsonObject(with: Data((m.read("tok/status.json") ?? "").utf8))) as? [String: Any]
        XCTAssertEqual((json?["tokens.output"] as? NSNumber)?.intValue, t["output"])
        XCTAssertEqual(m.sh("awk '$1==\"tok\" {print $5, $6}' $MNT/status").out,
                       "\((t["input"] ?? 0) + (t["output"] ?? 0)) \(String(format: "%.4f", usd))\n")
        XCTAssertTrue(reported("tok").contains { $0.hasPrefix("subagent.start Explore") })
        XCTAssertTrue(reported("tok").contains { $0.hasPrefix("subagent.stop Explore") })
    }

    func testTheSummaryIsExact() throws {
        newClaude("sum", turns: [[
            ["tools": [["name": "Read", "input": ["file_path": a]], ["name": "Grep", "input": ["pattern": "x", "path": work]]],
             "usage": ["input_tokens": 11, "output_tokens": 120, "cache_read_input_tokens": 500]],
            ["tools": [["name": "Edit", "input": ["file_path": a, "old_string": "1", "new_string": "2"]],
                       ["name": "Write", "input": ["file_path": work + "/src/new.swift", "content": "x"],
                        "response": ["type": "create"]],
                       ["name": "Bash", "input": ["command": "swift build"], "fail": "Exit code 1"]],
             "usage": ["input_tokens": 7, "output_tokens": 300]],
            ["say": "Built it.\nDetails follow.", "usage": ["input_tokens": 3, "output_tokens": 40]],
        ], [["say": "second answer"]]])
        waitReport("sum", "idle")
        XCTAssertEqual(m.write("sum/control", "send And again\n"), 0)
        waitReport("sum", "idle", count: 2)
        let t = truth("sum")
        XCTAssertTrue(waitUntil(5) { self.m.status("sum", "tokens.output") == t["output"].map(String.init) })
        XCTAssertFalse(m.sh("ls $MNT/sum").out.contains("summary"), "no summary while it runs")
        XCTAssertEqual(m.write("sum/control", "kill\n"), 0)
        XCTAssertTrue(waitUntil(3) { self.m.read("sum/summary") != nil }, "written as it ends")
        let text = try XCTUnwrap(m.read("sum/summary"))
        func value(_ k: String) -> String? {
            text.split(separator: "\n").first { $0.hasPrefix(k + " ") }.map { String($0.dropFirst(k.count + 1)) }
        }
        XCTAssertEqual(value("how"), "killed kill")
        XCTAssertEqual(value("prompts"), "2")
        XCTAssertEqual(value("tools"), "5")
        XCTAssertEqual(value("tool.Read"), "1")
        XCTAssertEqual(value("tool.Bash"), "1")
        XCTAssertEqual(value("files.read"), "1")
        XCTAssertEqual(value("files.changed"), "2")
        XCTAssertEqual(value("tokens.input"), t["input"].map(String.init))
        XCTAssertEqual(value("tokens.output"), t["output"].map(String.init))
        XCTAssertEqual(value("tokens.cache_read"), t["cache_read"].map(String.init))
        XCTAssertEqual(value("message"), "second answer")
        XCTAssertEqual(value("commits"), "-", "not in a repository")
        XCTAssertTrue(text.contains("changed src/a.swift\nchanged src/new.swift\n"), text)
        XCTAssertEqual(value("events").flatMap { Int($0) }, events("sum").count, "the events up to its end")
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((m.read("sum/summary.json") ?? "").utf8)) as? [String: Any])
        XCTAssertEqual(json["prompts"] as? Int, 2)
        XCTAssertEqual((json["tool"] as? [String: Int])?["Edit"], 1)
        XCTAssertEqual(json["changed"] as? [String], ["src/a.swift", "src/new.swift"])
        XCTAssertEqual(json["how"] as? String, "killed kill")
    }

    func testInAWorktreeFilesAreRelativeToIt() throws {
        XCTAssertEqual(m.sh("cd \(work) && git init -q -b main && git -c user.email=t@x -c user.name=T commit -qm first --allow-empty && git add -A && git -c user.email=t@x -c user.name=T commit -qm files").status, 0)
        let wt = m.state + "/worktrees/work/wt"
        // The trust dialog of the new folder would hold the hooks back: trust it as a person would.
        let trust = ["projects": [work: ["hasTrustDialogAccepted": true], wt: ["hasTrustDialogAccepted": true]]]
        try JSONSerialization.data(withJSONObject: trust).write(to: URL(fileURLWithPath: home + "/.claude.json"))
        newClaude("wt", turns: [[["tools": [["name": "Edit", "input": ["file_path": wt + "/src/a.swift", "old_string": "1", "new_string": "2"]]]],
                                 ["say": "done"]]], extra: ["worktree=yes"])
        waitReport("wt", "idle")
        XCTAssertEqual(m.read("wt/files"), "edit 1 src/a.swift\n")
        XCTAssertEqual(m.status("wt", "dir"), wt)
        XCTAssertTrue(reported("wt").contains("tool Edit src/a.swift"), "\(reported("wt"))")
    }

    func testHistoryKeepsFilesTokensAndTheHookRecord() throws {
        newClaude("gone", turns: [[["tools": [["name": "Read", "input": ["file_path": a]]],
                                    "usage": ["input_tokens": 9, "output_tokens": 90]], ["say": "bye"]]])
        waitReport("gone", "idle")
        let t = truth("gone")
        XCTAssertTrue(waitUntil(5) { self.m.status("gone", "tokens.output") == t["output"].map(String.init) })
        XCTAssertEqual(m.write("gone/control", "kill\n"), 0)
        waitReport("gone", "agent.end other")
        XCTAssertEqual(m.status("gone", "tokens.output"), t["output"].map(String.init), "an ended session keeps its count")
        XCTAssertEqual(m.sh("rmdir $MNT/gone").status, 0)
        let entry = try XCTUnwrap(m.sh("ls $MNT/history").out.split(separator: "\n").first.map(String.init))
        XCTAssertEqual(m.read("history/\(entry)/files"), "read 1 src/a.swift\n")
        XCTAssertTrue((m.read("history/\(entry)/status") ?? "").contains("tokens.output \(t["output"] ?? -1)\n"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: m.state + "/history/\(entry)/hooks.log"))
    }

    func testMalformedPayloadsAreKeptAndChangeNothing() throws {
        newClaude("bad", turns: [[["raw_transcript": "{\"type\":\"assistant\",\"message\":"], ["say": "ok"]]])
        waitReport("bad", "idle")
        let hook = MountFixture.binary + "-hook"
        let payloads: [(String, String)] = [
            ("not json at all", "not JSON"), ("{\"hook_event_name\":\"Stop\"", "not JSON"),
            ("\u{1}\u{2}binary\u{ff}", "not UTF-8 text"), ("[1,2]", "not a JSON object"),
            ("{\"session_id\":\"x\"}", "no hook_event_name"), ("", "empty payload"),
            ("{\"hook_event_name\":\"Stop\",\n\"x\":1}", ""),
        ]
        for (i, (payload, _)) in payloads.enumerated() {
            try payload.write(toFile: m.root + "/p\(i)", atomically: false, encoding: .isoLatin1)
            let r = m.sh("'\(hook)' '\(hooksLog("bad"))' < \(m.root)/p\(i)")
            XCTAssertEqual(r.status, 0, "the hook exits 0 on bad input")
            XCTAssertEqual(r.out, "", "and prints nothing")
        }
        XCTAssertTrue(waitUntil(5) { self.reported("bad").filter { $0.hasPrefix("hook.unreadable") }.count == 6 },
                      reported("bad").joined(separator: "\n"))
        let unreadable = reported("bad").filter { $0.hasPrefix("hook.unreadable") }
        XCTAssertEqual(unreadable, payloads.filter { !$0.1.isEmpty }.map { p, why in
            "hook.unreadable \(why) (\(p.data(using: .isoLatin1)?.count ?? -1) bytes kept in hooks.log)"
        })
        // The pretty-printed one is valid JSON: kept encoded on one line, and read.
        XCTAssertTrue(waitReport("bad", "idle", count: 2))
        XCTAssertEqual(m.state("bad"), "idle")
        XCTAssertEqual(m.status("bad", "transcript.skipped"), "1", "the torn transcript line is skipped and counted")
        // `hivefs hook` (the full program) does the same as hivefs-hook.
        let full = m.sh("printf '{\"hook_event_name\":\"Notification\",\"message\":\"via hivefs hook\"}' | '\(MountFixture.binary)' hook '\(hooksLog("bad"))'")
        XCTAssertEqual(full.status, 0)
        XCTAssertEqual(full.out, "")
        waitReport("bad", "notification via hivefs hook")
        // Every record is one line, and the payloads are kept as they came.
        let lines = try String(contentsOfFile: hooksLog("bad"), encoding: .isoLatin1).split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasSuffix(" line not json at all") })
        XCTAssertTrue(lines.contains { $0.contains(" base64 ") })
    }

    func testHundredsOfHooksASecondLoseNone() {
        newShell("burst", "sleep 300")
        let hook = MountFixture.binary + "-hook"
        // 10 writers × 60 numbered PreToolUse reports, all at once.
        let script = """
            for w in 0 1 2 3 4 5 6 7 8 9; do
              ( for i in $(seq 1 60); do
                  printf '{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"n-%s-%s"}}' $w $i \
                    | '\(hook)' '\(hooksLog("burst"))'
                done ) &
            done; wait
            """
        XCTAssertEqual(m.sh(script).status, 0)
        XCTAssertTrue(waitUntil(10) { self.reported("burst").count == 600 }, "\(reported("burst").count) of 600")
        let seen = reported("burst").compactMap { $0.split(separator: " ").last.map(String.init) }
        XCTAssertEqual(Set(seen).count, 600, "each report exactly once")
        for w in 0..<10 {
            let mine = seen.filter { $0.hasPrefix("n-\(w)-") }.map { Int($0.split(separator: "-")[2]) ?? 0 }
            XCTAssertEqual(mine, Array(1...60), "one writer's reports stay in its order")
        }
    }
}
