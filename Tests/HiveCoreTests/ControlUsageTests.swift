import XCTest
@testable import HiveCore

final class ControlUsageTests: XCTestCase {
    func testWithoutAnErrorTheLastLineIsErrorDash() {
        let text = ControlUsage.text(usage: ControlUsage.session, lastError: nil)
        let ls = lines(of: text)
        XCTAssertEqual(ls.last, "error -")
        XCTAssertTrue(text.hasPrefix(ControlUsage.session))
    }

    func testTheLastErrorIsShownWithTimeErrnoAndReason() {
        let e = Event(time: t(512), session: "auth", kind: EventKind.error, detail: "pause",
                      reason: "auth is paused; resume it before send", errno: "EBUSY")
        let text = ControlUsage.text(usage: ControlUsage.session, lastError: e)
        XCTAssertEqual(lines(of: text).last, "error 2026-11-24T10:00:00.512Z EBUSY auth is paused; resume it before send")
    }

    func testErrorReasonStaysOnOneLine() {
        let e = Event(time: t(0), session: "a", kind: EventKind.error, reason: "bad\nthing\u{1B}", errno: "EINVAL")
        let text = ControlUsage.text(usage: ControlUsage.root, lastError: e)
        XCTAssertTrue(text.hasSuffix("error 2026-11-24T10:00:00.000Z EINVAL bad\\nthing\\x1b\n"), text)
        XCTAssertEqual(lines(of: text).count, lines(of: ControlUsage.root).count + 1)
    }

    func testErrorWithoutReasonOrErrnoFallsBack() {
        let e = Event(time: t(0), session: "a", kind: EventKind.error, detail: "what happened")
        XCTAssertEqual(lines(of: ControlUsage.text(usage: "", lastError: e)), ["error 2026-11-24T10:00:00.000Z - what happened"])
    }

    func testUsageTextsEndInANewline() {
        XCTAssertTrue(ControlUsage.session.hasSuffix("\n"))
        XCTAssertTrue(ControlUsage.root.hasSuffix("\n"))
        XCTAssertFalse(ControlUsage.session.hasSuffix("\n\n"))
        XCTAssertFalse(ControlUsage.root.hasSuffix("\n\n"))
    }

    func testSessionUsageListsVerbsTheParserAccepts() {
        let samples = ["send": "send hi", "keys": "keys Enter", "idle-timeout": "idle-timeout 30m", "budget": "budget 10", "answer": "answer 1 2",
                       "limit": "limit memory 4G", "fork": "fork other", "commit": "commit message", "pr": "pr title", "queue": "queue clear"]
        let verbs = lines(of: ControlUsage.session).compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertEqual(verbs, ["start", "pause", "resume", "interrupt", "send", "keys", "kill", "restart", "idle-timeout", "budget", "approve", "deny", "answer",
                               "limit", "fork", "commit", "merge", "push", "pr", "queue"])
        for v in verbs {
            let line = samples[v] ?? v
            let cmd = assertNoThrow(line) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
            XCTAssertEqual(cmd?.verb, v)
        }
    }

    func testRootUsageExampleParses() {
        let first = lines(of: ControlUsage.root)[0]
        XCTAssertTrue(first.hasPrefix("new NAME [KEY=VALUE ...]"), first)
        XCTAssertTrue(ControlUsage.root.contains(#"\" and \\ escape"#), ControlUsage.root)
        for key in SpecKey.allCases.map(\.rawValue) + ["env."] {
            XCTAssertTrue(ControlUsage.root.contains(key), key)
        }
    }

    func testUsageLinesAreNotIndentedByTheSourceLiteral() {
        for l in lines(of: ControlUsage.session) {
            XCTAssertFalse(l.hasPrefix(" "), l)
        }
        XCTAssertFalse(lines(of: ControlUsage.root)[0].hasPrefix(" "))
    }
}
