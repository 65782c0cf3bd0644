import Foundation
import Logging
import XCTest
@testable import HiveRuntime

/// The watcher's inotify watches: two callers of one path each keep theirs.
final class WatcherTests: XCTestCase {
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func bump() { lock.lock(); n += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    }

    func testTwoWatchesOfOneFolderAreKeptApart() throws {
        let dir = NSTemporaryDirectory() + "watch-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try Watcher(logger: Logger(label: "test"))
        w.start()
        defer { w.stop() }
        let a = Counter(), b = Counter(), f = Counter()
        let wa = try XCTUnwrap(w.watchNames(in: dir, ["agent.pid"]) { a.bump() })
        let wb = try XCTUnwrap(w.watchNames(in: dir, ["launch-error", "agent.pid"]) { b.bump() })
        XCTAssertNotEqual(wa, wb)
        try "1\n".write(toFile: dir + "/agent.pid", atomically: false, encoding: .utf8)
        XCTAssertTrue(waitFor { a.value >= 1 && b.value >= 1 }, "both callers hear of it: \(a.value) \(b.value)")
        w.unwatchWrites(wa)
        let before = (a.value, b.value)
        try "x\n".write(toFile: dir + "/launch-error", atomically: false, encoding: .utf8)
        XCTAssertTrue(waitFor { b.value > before.1 }, "the other watch stays")
        XCTAssertEqual(a.value, before.0, "the removed one is not called")
        let file = dir + "/log"
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: nil))
        let wf = try XCTUnwrap(w.watchWrites(file) { f.bump() })
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: file))
        h.write(Data("x".utf8))
        XCTAssertTrue(waitFor { f.value >= 1 })
        w.unwatchWrites(wf)
        w.unwatchWrites(wb)
        try h.close()
    }

    private func waitFor(_ cond: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(5)
        while Date() < end { if cond() { return true }; usleep(10_000) }
        return cond()
    }
}
