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

    func testWithAGraceAProgramPastItsTimeIsAskedToStopFirst() {
        // It cleans up on SIGTERM, as git removes its lock files.
        let script = "trap 'echo cleaned; exit 3' TERM; echo started; while :; do sleep 0.05; done"
        let asked = Spawn.run(["/bin/sh", "-c", script], timeoutMS: 300, graceMS: 5_000)
        XCTAssertEqual(asked.status, 3)
        XCTAssertEqual(asked.stdout, "started\ncleaned\n")
        let killed = Spawn.run(["/bin/sh", "-c", script], timeoutMS: 300)
        XCTAssertEqual(killed.status, 128 + SIGKILL, "without a grace it is killed")
        XCTAssertEqual(killed.stdout, "started\n")
        // One that ignores SIGTERM is killed once the grace has passed.
        let deaf = Spawn.run(["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"], timeoutMS: 200, graceMS: 300)
        XCTAssertEqual(deaf.status, 128 + SIGKILL)
    }

    /// A stand-in for git that takes longer than a reading call may.
    private func slowGit() throws -> (Git, String) {
        let dir = NSTemporaryDirectory() + "/hivefs-slowgit-\(getpid())-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let program = dir + "/git"
        try "#!/bin/sh\nsleep 0.6\necho done\n".write(toFile: program, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(program, 0o755), 0)
        return (Git(program: program, timeoutMS: 200), dir)
    }

    func testGitThatChangesTheRepositoryHasMinutesAndGitThatReadsDoesNot() throws {
        let (git, dir) = try slowGit()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reading = git.run(dir, ["status"])
        XCTAssertEqual(reading.status, 128 + SIGKILL, "a read past its time is killed")
        let changing = git.run(dir, ["commit", "-m", "x"], as: .changing)
        XCTAssertTrue(changing.ok, "a change has minutes, past a read's time: \(changing.status)")
        XCTAssertEqual(git.limits(.changing).timeoutMS, Git.longMS)
        XCTAssertEqual(git.limits(.changing).graceMS, Git.graceMS, "asked to stop (SIGTERM) before it is killed")
        XCTAssertEqual(changing.stdout, "done\n")
        XCTAssertTrue(git.run(dir, ["push"], as: .network).ok, "a push has minutes")
    }
}
