import XCTest
@testable import HiveCore

final class SessionFileTests: XCTestCase {
    func testListingOrderIsSorted() {
        let names = SessionFile.allCases.map(\.rawValue)
        XCTAssertEqual(names, names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(RootFile.allCases.map(\.rawValue), ["control", "events", "status", "status.json"])
    }

    func testTheDesignsSessionFiles() {
        let names = Set(SessionFile.allCases.map(\.rawValue))
        for n in ["state", "status", "status.json", "events", "events.jsonl", "screen", "log", "control",
                  "agent", "dir", "prompt", "command", "model", "worktree"] {
            XCTAssertTrue(names.contains(n), n)
        }
    }

    func testSpecFilesMapToSpecKeys() {
        XCTAssertEqual(Set(SessionFile.allCases.compactMap(\.specKey)), Set(SpecKey.allCases))
        XCTAssertNil(SessionFile.status.specKey)
        XCTAssertNil(SessionFile.control.specKey)
        XCTAssertEqual(SessionFile.prompt.specKey, .prompt)
    }

    func testLogs() {
        XCTAssertEqual(SessionFile.allCases.filter(\.isLog), [.events, .eventsJSONL, .log])
    }

    func testHistoryKeepsEverythingButControl() {
        XCTAssertFalse(SessionFile.frozen.contains(.control))
        XCTAssertEqual(SessionFile.frozen.count, SessionFile.allCases.count - 1)
    }

    func testAgentNames() {
        XCTAssertEqual(AgentCatalog.builtIn.names, "claude, codex, gemini, aider, cursor, shell")
        XCTAssertEqual(AgentCatalog.builtIn.adapter("claude")?.name, .claude)
        XCTAssertNil(AgentCatalog.builtIn.adapter("Claude"))
        XCTAssertFalse(AgentName.isValid("Claude"))
        XCTAssertTrue(AgentName.isValid("my-agent_2"))
    }
}
