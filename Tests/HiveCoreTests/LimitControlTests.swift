import Foundation
import XCTest
@testable import HiveCore

/// `limit KEY VALUE` in a session's `control`.
final class LimitCommandTests: XCTestCase {
    private func parse(_ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> SessionCommand? {
        assertNoThrow(line, file: file, line: lineNo) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
    }

    @discardableResult
    private func refuse(_ expected: Err, _ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> HiveError? {
        assertThrows(expected, line, file: file, line: lineNo) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
    }

    func testLimitLines() {
        XCTAssertEqual(parse("limit memory 4G"), .limit(.memory, 4 << 30))
        XCTAssertEqual(parse("limit limit.memory 512M"), .limit(.memory, 512 << 20))
        XCTAssertEqual(parse("limit cpu 1.5"), .limit(.cpu, 150))
        XCTAssertEqual(parse("limit cpu 150%"), .limit(.cpu, 150))
        XCTAssertEqual(parse("limit limit.pids 512"), .limit(.pids, 512))
        XCTAssertEqual(parse("limit\tpids  64 "), .limit(.pids, 64), "spaces and tabs separate the words")
        for (word, key) in [("memory", ResourceLimits.Key.memory), ("cpu", .cpu), ("pids", .pids), ("limit.cpu", .cpu)] {
            XCTAssertEqual(parse("limit \(word) off"), .limit(key, nil))
        }
        XCTAssertEqual(parse("limit memory 4G")?.verb, "limit")
    }

    func testLimitLinesThatAreRefused() {
        for line in ["limit", "limit memory", "limit memory 4G 8G", "limit disk 4G", "limit Memory 4G", "limit memory lots",
                     "limit cpu half", "limit pids -1", "limit memory=4G"] {
            refuse(.EINVAL, line)
        }
        for line in ["limit memory 1", "limit memory 2048T", "limit cpu 0%", "limit pids 0", "limit pids 99999999"] {
            refuse(.ERANGE, line)
        }
        let e = refuse(.EINVAL, "limit memory")
        XCTAssertEqual(e?.reason.contains("limit memory 4G"), true, "the reason shows how: \(e?.reason ?? "")")
    }

    func testHowTheLineReadsInEvents() {
        XCTAssertEqual(SessionMachine.describe(.limit(.memory, 3 << 29)), "limit memory 1.5G")
        XCTAssertEqual(SessionMachine.describe(.limit(.cpu, 150)), "limit cpu 150%")
        XCTAssertEqual(SessionMachine.describe(.limit(.pids, nil)), "limit pids off")
    }

    func testALimitIsForAnySessionThatIsThere() {
        for s in SessionState.allCases {
            XCTAssertEqual(try? SessionRecord.next(after: s, .limit(.memory, 64 << 20), name: "a"), s, "\(s)")
        }
    }
}

/// The `new` keys without a file: `sandbox.network`, `sandbox.write`, `limit.*`.
final class NewLimitKeysTests: XCTestCase {
    let home = "/home/ana"

    private func new(_ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> SessionSpec? {
        let cmd = assertNoThrow(line, file: file, line: lineNo) { [home] () throws(HiveError) in
            try ControlParser.rootCommand(line, home: home, agents: .builtIn)
        }
        guard case .new(_, let spec)? = cmd else { return nil }
        return spec
    }

    @discardableResult
    private func refuse(_ expected: Err, _ line: String, file: StaticString = #filePath, lineNo: UInt = #line) -> HiveError? {
        assertThrows(expected, line, file: file, line: lineNo) { [home] () throws(HiveError) in
            try ControlParser.rootCommand(line, home: home, agents: .builtIn)
        }
    }

    func testEveryNewKey() throws {
        let spec = try XCTUnwrap(new(#"new a sandbox=bwrap sandbox.network=off sandbox.write="~/cache /srv/data" "#
            + "limit.memory=4G limit.cpu=1.5 limit.pids=512"))
        XCTAssertEqual(spec.sandbox, "bwrap")
        XCTAssertTrue(spec.sandboxed)
        XCTAssertFalse(spec.sandboxNetwork)
        XCTAssertEqual(spec.sandboxWrite, ["/home/ana/cache", "/srv/data"])
        XCTAssertEqual(spec.limits, ResourceLimits(memory: 4 << 30, cpu: 150, pids: 512))
    }

    func testTheDefaults() throws {
        let spec = try XCTUnwrap(new("new a"))
        XCTAssertEqual(spec.sandbox, "", "the config's sandbox fills it when the session is made")
        XCTAssertTrue(spec.sandboxNetwork)
        XCTAssertEqual(spec.sandboxWrite, [])
        XCTAssertTrue(spec.limits.isEmpty)
        XCTAssertEqual(new("new a sandbox=none")?.sandbox, "none")
        XCTAssertEqual(new("new a sandbox=bwrap sandbox.network=on")?.sandboxNetwork, true)
        XCTAssertEqual(new("new a limit.memory=off")?.limits, ResourceLimits())
    }

    func testSandboxWriteTakesQuotedPaths() {
        XCTAssertEqual(new(#"new a sandbox=bwrap sandbox.write="'/srv/my data' ~ /x""#)?.sandboxWrite, ["/srv/my data", "/home/ana", "/x"])
        XCTAssertEqual(new(#"new a sandbox=bwrap sandbox.write="""#)?.sandboxWrite, [])
    }

    func testRefusedValues() {
        let docker = refuse(.EINVAL, "new a sandbox=docker")
        XCTAssertEqual(docker?.reason.contains("none or bwrap"), true, docker?.reason ?? "")
        refuse(.EINVAL, "new a sandbox=bwrap sandbox.network=maybe")
        refuse(.EINVAL, "new a sandbox=bwrap sandbox.network=OFF")
        let relative = refuse(.EINVAL, "new a sandbox=bwrap sandbox.write=cache")
        XCTAssertEqual(relative?.reason.contains("cache"), true, relative?.reason ?? "")
        refuse(.EINVAL, #"new a sandbox=bwrap sandbox.write="/ok ~ana/x""#)
        let root = refuse(.EINVAL, "new a sandbox=bwrap sandbox.write=/")
        XCTAssertEqual(root?.reason.contains("sandbox=none"), true, root?.reason ?? "")
        refuse(.EINVAL, #"new a sandbox=bwrap sandbox.write="/x 'unterminated""#)
        refuse(.EINVAL, "new a limit.memory=lots")
        refuse(.ERANGE, "new a limit.memory=1")
        refuse(.ERANGE, "new a limit.cpu=0%")
        refuse(.ERANGE, "new a limit.pids=99999999")
        refuse(.EINVAL, "new a limit.pids=many")
    }

    func testSandboxKeysNeedTheSandbox() {
        let e = refuse(.EINVAL, "new a sandbox=none sandbox.network=off")
        XCTAssertEqual(e?.reason.contains("sandbox=bwrap"), true, e?.reason ?? "")
        refuse(.EINVAL, "new a sandbox=none sandbox.write=/srv")
    }

    func testUnknownDottedKeysListTheKeys() {
        for line in ["new a sandbox.mode=x", "new a limits.memory=4G"] {
            let e = refuse(.EINVAL, line)
            XCTAssertEqual(e?.reason.contains("sandbox.network"), true, e?.reason ?? "")
        }
        let disk = refuse(.EINVAL, "new a limit.disk=1G")
        XCTAssertEqual(disk?.reason.contains("limits: memory, cpu, pids"), true, disk?.reason ?? "")
        let e = refuse(.EINVAL, "new a colour=blue")
        for key in ["sandbox", "sandbox.write", "limit.memory", "limit.cpu", "limit.pids", "env.NAME"] {
            XCTAssertEqual(e?.reason.contains(key), true, "\(key) in \(e?.reason ?? "")")
        }
    }

    func testTheUsageNamesTheNewKeysAndVerb() {
        for key in DottedKey.names + ["sandbox=none|bwrap"] {
            XCTAssertTrue(ControlUsage.root.contains(key), key)
        }
        XCTAssertTrue(ControlUsage.session.contains("limit KEY"), ControlUsage.session)
    }

    func testADottedKeyGivenTwiceIsEINVAL() {
        refuse(.EINVAL, "new a limit.memory=1G limit.memory=2G")
        refuse(.EINVAL, "new a sandbox=bwrap sandbox.network=on sandbox.network=off")
    }
}

/// The spec in `created` events: the new fields written when set, and older logs read as before.
final class SpecJSONLimitTests: XCTestCase {
    private func sandboxed() -> SessionSpec {
        var s = SessionSpec()
        s.sandbox = "bwrap"
        s.sandboxNetwork = false
        s.sandboxWrite = ["/srv/my data", #"/x"y"#]
        s.limits = ResourceLimits(memory: 4 << 30, cpu: 150, pids: 512)
        return s
    }

    func testTheNewFieldsRoundTripThroughTheLog() throws {
        let e = Event(time: t(0), session: "a", kind: EventKind.created, detail: "agent claude", state: .new, spec: sandboxed())
        let back = try XCTUnwrap(Event.parse(jsonLine: Data(e.jsonLine.utf8)))
        XCTAssertEqual(back, e)
        XCTAssertEqual(back.spec?.limits, ResourceLimits(memory: 4 << 30, cpu: 150, pids: 512))
        XCTAssertEqual(back.spec?.sandboxWrite, ["/srv/my data", #"/x"y"#])

        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.jsonLine.utf8)) as? [String: Any])
        let spec = try XCTUnwrap(obj["spec"] as? [String: Any])
        XCTAssertEqual(spec["sandbox"] as? String, "bwrap")
        XCTAssertEqual(spec["sandboxNetwork"] as? Bool, false)
        let limits = try XCTUnwrap(spec["limits"] as? [String: Any])
        XCTAssertEqual(limits.keys.sorted(), ["cpu", "memory", "pids"])
        XCTAssertEqual((limits["memory"] as? NSNumber)?.int64Value, 4 << 30)
        XCTAssertEqual((limits["cpu"] as? NSNumber)?.int64Value, 150)
        XCTAssertEqual((limits["pids"] as? NSNumber)?.int64Value, 512)
    }

    func testOnlyTheLimitsSetAreWritten() throws {
        var s = SessionSpec()
        s.sandbox = "none"
        s.limits.pids = 64
        let e = Event(time: t(0), session: "a", kind: EventKind.created, spec: s)
        XCTAssertTrue(e.jsonLine.contains(#""limits":{"pids":64}"#), e.jsonLine)
        XCTAssertEqual(Event.parse(jsonLine: Data(e.jsonLine.utf8))?.spec, s)
    }

    func testASpecWithNoneOfThemWritesNoneOfThem() {
        var s = SessionSpec()
        s.sandbox = "none"
        let line = Event(time: t(0), session: "a", kind: EventKind.created, spec: s).jsonLine
        for key in ["sandbox", "sandboxNetwork", "sandboxWrite", "limits"] {
            XCTAssertFalse(line.contains("\"\(key)\""), "\(key) in \(line)")
        }
        XCTAssertEqual(Event.parse(jsonLine: Data(line.utf8))?.spec, s)
    }

    func testASpecWrittenBeforeThemReadsAsNoSandboxAndNoLimits() throws {
        let line = #"{"time":"2026-11-01T10:00:00.000Z","session":"a","kind":"created","detail":"agent claude","state":"new","#
            + #""spec":{"agent":"claude","dir":"/src","prompt":"","command":"","model":"","worktree":"no","setup":"","env":{}}}"#
        let spec = try XCTUnwrap(Event.parse(jsonLine: Data(line.utf8))?.spec)
        XCTAssertEqual(spec.sandbox, "none")
        XCTAssertFalse(spec.sandboxed)
        XCTAssertTrue(spec.sandboxNetwork)
        XCTAssertEqual(spec.sandboxWrite, [])
        XCTAssertEqual(spec.limits, ResourceLimits())
        XCTAssertEqual(spec.dir, "/src")
    }

    func testASandboxNotChosenYetReadsBackEmpty() throws {
        let e = Event(time: t(0), session: "a", kind: EventKind.created, spec: SessionSpec())
        XCTAssertTrue(e.jsonLine.contains(#""sandbox":"""#), e.jsonLine)
        XCTAssertEqual(Event.parse(jsonLine: Data(e.jsonLine.utf8))?.spec?.sandbox, "")
    }

    func testTheCheckpointsCodableKeepsThemToo() throws {
        let s = sandboxed()
        XCTAssertEqual(try JSONDecoder().decode(SessionSpec.self, from: JSONEncoder().encode(s)), s)
    }
}
