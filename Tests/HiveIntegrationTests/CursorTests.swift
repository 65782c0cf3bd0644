import Foundation
import XCTest

/// Cursor's CLI agent, with the project's fake (Tests/Fixtures/fake-cursor-agent):
/// known by its terminal, restarted into its chat.
final class CursorTests: MountedTestCase {
    var work: String { m.root + "/work" }

    override func prepare(_ m: MountFixture) throws {
        for d in [m.root + "/cursor", work] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try m.installFakes(["cursor-agent": "fake-cursor-agent"], env: ["CURSOR_CONFIG_DIR=" + m.root + "/cursor"])
    }

    private func argvs(_ name: String) -> [[String]] {
        m.jsonLines(m.root + "/\(name).argv.jsonl").compactMap { $0["argv"] as? [String] }
    }

    func testItWorksGoesIdleAndRestartResumesItsChat() throws {
        XCTAssertEqual(m.write("control", "new cu agent=cursor dir=\(work) prompt=\"Add a test\" model=gpt-5 "
                               + "env.FAKE_CURSOR_ARGV_LOG=\(m.root)/cu.argv.jsonl\n"), 0, m.read("control") ?? "")
        m.waitState("cu", ["working", "idle"])
        m.waitState("cu", ["idle"])
        XCTAssertEqual(argvs("cu").first, ["--model", "gpt-5", "Add a test"])
        XCTAssertTrue((m.read("cu/screen") ?? "").contains("cursor: Add a test"))
        XCTAssertEqual(m.status("cu", "tokens.input"), "-", "Cursor reports no tokens to hivefs")
        XCTAssertEqual(m.write("cu/control", "send another\n"), 0)
        XCTAssertTrue(waitUntil(10) { (self.m.read("cu/screen") ?? "").contains("cursor: another") })
        XCTAssertEqual(m.write("cu/control", "kill\n"), 0)
        m.waitState("cu", ["killed"])
        XCTAssertEqual(m.write("cu/control", "restart\n"), 0)
        m.waitState("cu", ["working", "idle"])
        XCTAssertEqual(argvs("cu").last, ["--model", "gpt-5", "resume"])
        XCTAssertTrue(waitUntil(10) { (self.m.read("cu/screen") ?? "").contains("Resuming chat ") })
    }
}
