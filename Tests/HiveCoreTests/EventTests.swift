import Foundation
import XCTest
@testable import HiveCore

final class EventTests: XCTestCase {
    private func fullEvent() -> Event {
        var spec = SessionSpec()
        spec.agent = .shell
        spec.command = "bash -lc 'make test'"
        spec.prompt = "line one\nline \"two\"\t\\ end"
        spec.dir = "/src/app"
        spec.env = ["B": "2", "A": "1 = one"]
        return Event(time: t(512), session: "auth-feature", kind: EventKind.state, detail: "killed by kill",
                     uid: 1000, state: .killed, pid: 48211, exit: -9, reason: "kill from uid 1000",
                     errno: "EBUSY", key: "prompt", value: "v\u{1}\u{7F}🐝", spec: spec)
    }

    // MARK: events.jsonl

    func testJSONLineRoundTripsThroughParse() {
        let e = fullEvent()
        XCTAssertEqual(Event.parse(jsonLine: Data(e.jsonLine.utf8)), e)
        XCTAssertEqual(Event.parse(jsonLine: Array(e.jsonLine.utf8)), e)
    }

    func testMinimalEventRoundTrips() {
        let e = Event(time: t(0), session: "a", kind: EventKind.adopted)
        let back = Event.parse(jsonLine: Data(e.jsonLine.utf8))
        XCTAssertEqual(back, e)
        XCTAssertNil(back?.spec)
        XCTAssertNil(back?.pid)
    }

    func testJSONLineIsOneLine() {
        let line = fullEvent().jsonLine
        XCTAssertTrue(line.hasSuffix("}\n"))
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1)
        XCTAssertFalse(line.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" }, "control characters are escaped")
    }

    func testJSONLineHasNumbersAsNumbersAndTimesAsStrings() throws {
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(fullEvent().jsonLine.utf8)) as? [String: Any])
        XCTAssertEqual(obj["time"] as? String, "2026-11-24T10:00:00.512Z")
        XCTAssertEqual(obj["session"] as? String, "auth-feature")
        XCTAssertEqual(obj["kind"] as? String, "state")
        XCTAssertEqual(obj["detail"] as? String, "killed by kill")
        XCTAssertEqual((obj["uid"] as? NSNumber)?.intValue, 1000)
        XCTAssertEqual((obj["pid"] as? NSNumber)?.intValue, 48211)
        XCTAssertEqual((obj["exit"] as? NSNumber)?.intValue, -9)
        XCTAssertNil(obj["pid"] as? String, "pid is a number, not a string")
        XCTAssertEqual(obj["state"] as? String, "killed")
        XCTAssertEqual(obj["errno"] as? String, "EBUSY")
        XCTAssertEqual(obj["value"] as? String, "v\u{1}\u{7F}🐝")
        let spec = try XCTUnwrap(obj["spec"] as? [String: Any])
        XCTAssertEqual(spec["agent"] as? String, "shell")
        XCTAssertEqual(spec["prompt"] as? String, "line one\nline \"two\"\t\\ end")
        XCTAssertEqual(spec["env"] as? [String: String], ["A": "1 = one", "B": "2"])
    }

    func testJSONLineStartsWithTimeSessionKindDetail() {
        let line = Event(time: t(0), session: "s", kind: .error, detail: "d", errno: "EINVAL").jsonLine
        XCTAssertEqual(line, #"{"time":"2026-11-24T10:00:00.000Z","session":"s","kind":"error","detail":"d","errno":"EINVAL"}"# + "\n")
    }

    func testAbsentOptionalsAreLeftOut() {
        let line = Event(time: t(0), session: "s", kind: .created).jsonLine
        for key in ["uid", "state", "pid", "exit", "reason", "errno", "key", "value", "spec"] {
            XCTAssertFalse(line.contains("\"\(key)\""), key)
        }
    }

    func testTornOrForeignLinesParseToNil() {
        let line = fullEvent().jsonLine
        let torn = Array(line.utf8.prefix(line.utf8.count / 2))
        XCTAssertNil(Event.parse(jsonLine: torn))
        XCTAssertNil(Event.parse(jsonLine: Data()))
        XCTAssertNil(Event.parse(jsonLine: Data("not json\n".utf8)))
        XCTAssertNil(Event.parse(jsonLine: Data(#"{"hello":"world"}"#.utf8)))
        XCTAssertNil(Event.parse(jsonLine: Data(#"{"time":"yesterday","session":"s","kind":"k","detail":""}"#.utf8)))
        XCTAssertNil(Event.parse(jsonLine: Data(#"{"time":"2026-11-24T10:00:00.000Z","session":"s","kind":"state","detail":"","state":"sleeping"}"#.utf8)))
    }

    func testUnknownKeysFromNewerWritersAreIgnored() {
        let line = #"{"time":"2026-11-24T10:00:00.000Z","session":"s","kind":"tool","detail":"Edit a.swift","tokens":12,"extra":{"x":[1]}}"#
        let e = Event.parse(jsonLine: Data(line.utf8))
        XCTAssertEqual(e?.kind, .tool)
        XCTAssertEqual(e?.detail, "Edit a.swift")
        XCTAssertEqual(e?.time, t(0))
    }

    // MARK: events

    func testTextLineFormat() {
        let e = Event(time: t(512), session: "auth", kind: .tool, detail: "Edit src/auth/login.swift")
        XCTAssertEqual(e.textLine, "2026-11-24T10:00:00.512Z tool Edit src/auth/login.swift\n")
    }

    func testTextLineWithoutDetailHasNoTrailingSpace() {
        let e = Event(time: t(0), session: "a", kind: .adopted)
        XCTAssertEqual(e.textLine, "2026-11-24T10:00:00.000Z adopted\n")
    }

    func testRootTextLineLeadsWithTheSession() {
        let e = Event(time: t(0), session: "auth", kind: .state, detail: "working")
        XCTAssertEqual(e.rootTextLine, "auth 2026-11-24T10:00:00.000Z state working\n")
    }

    func testNewlinesAndControlCharactersStayOnOneLine() {
        let detail = "first\nsecond\r\nthird\tcol\u{1B}[31mred\u{7F}\u{0} back\\slash"
        let e = Event(time: t(0), session: "a", kind: .control, detail: detail)
        let line = e.textLine
        XCTAssertEqual(line, "2026-11-24T10:00:00.000Z control first\\nsecond\\r\\nthird\\tcol\\x1b[31mred\\x7f\\x00 back\\\\slash\n")
        XCTAssertEqual(line.unicodeScalars.filter { $0 == "\n" }.count, 1)
        XCTAssertFalse(line.unicodeScalars.dropLast().contains { $0.value < 0x20 || $0.value == 0x7F })
        XCTAssertEqual(e.rootTextLine.unicodeScalars.filter { $0 == "\n" }.count, 1)
    }

    func testTextAndJSONCarryTheSameDetail() throws {
        let e = Event(time: t(3), session: "a", kind: .unknown("send"), detail: "say \"hi\"\nplease")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.jsonLine.utf8)) as? [String: Any])
        let detail = try XCTUnwrap(obj["detail"] as? String)
        XCTAssertEqual(e.textLine, "\(obj["time"] as? String ?? "?") \(obj["kind"] as? String ?? "?") \(Text.oneLine(detail))\n")
    }

    func testEventKindNames() {
        XCTAssertEqual([EventKind.created, EventKind.spec, EventKind.control, EventKind.state,
                        EventKind.error, EventKind.adopted, EventKind.removed].map(\.rawValue),
                       ["created", "spec", "control", "state", "error", "adopted", "removed"])
    }
}
