import Foundation
import XCTest

/// `cpu` and `memory` in a session's status: what its processes use, measured as
/// the file is read.
final class ResourceTests: MountedTestCase {
    private func statusJSON(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let text = m.read(name + "/status.json") ?? ""
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text, file: file, line: line)
    }

    private func cpu(_ name: String) throws -> Double {
        try XCTUnwrap((try statusJSON(name)["cpu"] as? NSNumber)?.doubleValue, "\(name)'s cpu is a number")
    }

    func testABusyLoopShowsACoreAndASleepingShellNone() throws {
        newShell("busy", "sh -c 'while :; do :; done'")
        newShell("calm", "sleep 1000")
        _ = try statusJSON("busy")
        _ = try statusJSON("calm")
        // Read again a second and a half later, the figure is the rate over that span.
        var busy = 0.0, calm = 100.0
        let measured = waitUntil(8) {
            usleep(1_500_000)
            busy = (try? cpu("busy")) ?? 0
            calm = (try? cpu("calm")) ?? 100
            return busy > 50 && calm < 5
        }
        XCTAssertTrue(measured, "busy \(busy), calm \(calm)")
        let json = try statusJSON("busy")
        XCTAssertGreaterThan(try XCTUnwrap((json["memory"] as? NSNumber)?.int64Value), 0)
        XCTAssertNotNil(Double(m.status("busy", "cpu") ?? ""), m.read("busy/status") ?? "")
        XCTAssertGreaterThan(Int64(m.status("calm", "memory") ?? "") ?? 0, 0, m.read("calm/status") ?? "")
        let keys = (m.read("busy/status") ?? "").split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        XCTAssertEqual(keys.firstIndex(of: "cpu"), keys.firstIndex(of: "pid").map { $0 + 1 }, "cpu comes right after pid")
        XCTAssertEqual(keys.firstIndex(of: "memory"), keys.firstIndex(of: "pid").map { $0 + 2 })

        XCTAssertEqual(m.write("busy/control", "kill\n"), 0)
        m.waitState("busy", ["killed"])
        let ended = try statusJSON("busy")
        XCTAssertTrue(ended["cpu"] is NSNull, "\(ended)")
        XCTAssertTrue(ended["memory"] is NSNull, "\(ended)")
        XCTAssertEqual(m.status("busy", "cpu"), "-")
        XCTAssertEqual(m.status("busy", "memory"), "-")

        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((m.read("status.json") ?? "").utf8)) as? [[String: Any]])
        XCTAssertEqual(root.map { $0["name"] as? String }, ["busy", "calm"])
        XCTAssertTrue(root[0]["cpu"] is NSNull)
        XCTAssertNotNil(root[1]["cpu"] as? NSNumber, "the root's status.json holds every session's")
        XCTAssertNotNil(root[1]["memory"] as? NSNumber)
    }
}
