import Foundation
import XCTest
@testable import HiveRuntime

/// `Spawn.capture`: output kept as bytes, cut at a limit, in a folder of the caller's.
final class SpawnCaptureTests: XCTestCase {
    func testOutputPastTheLimitIsCutAndTheProgramStopped() {
        let c = Spawn.capture(["/bin/sh", "-c", "yes | head -c 10000000"], timeoutMS: 30_000, limit: 4096)
        XCTAssertTrue(c.cut)
        XCTAssertFalse(c.ok, "a cut output is not a whole answer")
        XCTAssertEqual(c.stdout.count, 4096)
        XCTAssertEqual(Array(c.stdout.prefix(4)), Array("y\ny\n".utf8))
    }

    func testOutputWithinTheLimitIsWholeAndBytesStayBytes() {
        let c = Spawn.capture(["/bin/sh", "-c", "printf 'a\\377b'"], limit: 4096)
        XCTAssertFalse(c.cut)
        XCTAssertTrue(c.ok)
        XCTAssertEqual(c.stdout, [0x61, 0xFF, 0x62])
    }

    func testAProgramRunsInTheFolderGiven() {
        let r = Spawn.run(["/bin/pwd"], directory: "/tmp")
        XCTAssertEqual(r.stdout, "/tmp\n")
        XCTAssertTrue(r.ok)
    }
}
