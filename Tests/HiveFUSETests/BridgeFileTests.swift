import Foundation
import XCTest
import HiveCore
@testable import HiveFUSE

/// Open files: open, read, write, truncate, poll and release, from nothing but the table.
final class BridgeFileTests: BridgeTestCase {
    func testAReadOnlyFileCannotBeOpenedForWriting() {
        let status = ino("status")
        XCTAssertEqual(ask(.open(ino: status, flags: O_WRONLY)).errno, .permissionDenied)
        XCTAssertEqual(ask(.open(ino: status, flags: O_RDWR)).errno, .permissionDenied)
        XCTAssertEqual(ask(.open(ino: ino("s"), flags: O_RDONLY)).errno, .isDirectory)
        XCTAssertEqual(ask(.open(ino: 9999, flags: O_RDONLY)).errno, .noSuchFileOrDirectory)
        guard case .open(_, let directIO, _) = ask(.open(ino: status, flags: O_RDONLY)) else { return XCTFail("not opened") }
        XCTAssertTrue(directIO, "a file not kept is direct_io")
        XCTAssertNotNil(ask(.open(ino: ino("control"), flags: O_WRONLY | O_TRUNC)).handle)
    }

    func testAReadFromTheStartRendersAgainAndOneReadGoesOnFromItsRendering() {
        let h = open("status")
        XCTAssertEqual(renders.get, 2, "rendered for the lookup's size and into the handle")
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "render 3\n")
        XCTAssertEqual(ask(.read(handle: h, size: 3, offset: 4)).text, "er ")
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 7)).text, "3\n")
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 50)).text, "")
        XCTAssertEqual(renders.get, 3, "only a read from the start renders")
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "render 4\n")
    }

    func testDiskFilesAreReadAtAnyOffset() {
        let h = open("log")
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 6)).text, "line2\n")
        XCTAssertEqual(ask(.read(handle: h, size: 4, offset: 0)).text, "line")
        XCTAssertEqual(ask(.open(ino: ino("s", "summary"), flags: O_RDONLY)).handle.map { _ in true }, true)
        tree.set(Self.node("s", "summary"), .file(FileDescription(mode: .readOnly, source: .disk(dir + "/gone"))))
        XCTAssertEqual(ask(.open(ino: ino("s"), flags: O_RDONLY)).errno, .isDirectory)
        let summary = bridge.inodes.known(Self.node("s", "summary")) ?? 0
        XCTAssertEqual(ask(.open(ino: summary, flags: O_RDONLY)).errno, .noSuchFileOrDirectory)
    }

    func testAControlWriteRepliesItsFullByteCountOrTheErrno() {
        let h = open("control", flags: O_WRONLY)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("pause\n"), offset: 0, uid: 1000)), .write(6))
        commandError.set(.busy("not now"))
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("kill\n"), offset: 6, uid: 1000)).errno, .resourceBusy)
        XCTAssertEqual(commands.get, ["pause\n", "kill\n"], "each write is a command of its own, whatever its offset")

        let r = open("status")
        XCTAssertEqual(ask(.write(handle: r, bytes: bytes("x"), offset: 0, uid: 1000)).errno, .permissionDenied)
        XCTAssertEqual(ask(.write(handle: 9999, bytes: bytes("x"), offset: 0, uid: 1000)).errno, .badFileDescriptor)
    }

    func testAValueIsWrittenWholeFromTheStart() {
        let h = open("s", "prompt", flags: O_WRONLY)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("ab"), offset: 0, uid: 1)), .write(2))
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("cd"), offset: 2, uid: 1)), .write(2))
        XCTAssertEqual(values.get, ["ab", "abcd"], "a write that goes on sets the whole value so far")
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("x"), offset: 1, uid: 1)).errno, .invalidArgument)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("x"), offset: 9, uid: 1)).errno, .invalidArgument)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("new"), offset: 0, uid: 1)), .write(3))
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("bad"), offset: 0, uid: 1)).errno, .permissionDenied)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("er"), offset: 3, uid: 1)), .write(2),
                       "a refused value leaves what was written before")
        XCTAssertEqual(values.get, ["ab", "abcd", "new", "newer"])
    }

    func testOnlyTruncationToZeroOfAWritableFile() {
        let control = ino("control")
        let h = open("s", "prompt", flags: O_WRONLY)
        let prompt = ino("s", "prompt")
        guard case .attr(let a, let timeout) = ask(.setattr(ino: control, changes: AttributeChanges(size: 0), handle: nil)) else {
            return XCTFail("not truncated")
        }
        XCTAssertEqual(a.mode, .readWrite)
        XCTAssertEqual(a.size, 6)
        XCTAssertEqual(timeout, 0)
        XCTAssertEqual(ask(.setattr(ino: control, changes: AttributeChanges(size: 5), handle: nil)).errno, .invalidArgument)
        XCTAssertEqual(ask(.setattr(ino: control, changes: AttributeChanges(other: true), handle: nil)).errno, .notPermitted)
        XCTAssertNotNil(ask(.setattr(ino: control, changes: AttributeChanges(), handle: nil)).attributes, "times alone are taken")
        XCTAssertEqual(ask(.setattr(ino: ino("status"), changes: AttributeChanges(size: 0), handle: nil)).errno, .permissionDenied)
        XCTAssertEqual(ask(.setattr(ino: ino("s"), changes: AttributeChanges(size: 0), handle: nil)).errno, .notPermitted)
        XCTAssertEqual(ask(.setattr(ino: 9999, changes: AttributeChanges(size: 0), handle: nil)).errno, .noSuchFileOrDirectory)

        // A truncation through the handle starts the value again.
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("abc"), offset: 0, uid: 1)), .write(3))
        XCTAssertNotNil(ask(.setattr(ino: prompt, changes: AttributeChanges(size: 0), handle: h)).attributes)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("d"), offset: 3, uid: 1)).errno, .invalidArgument)
    }

    func testPollIsReadyOnceTheCounterMovedAndWakesOnTheGroupsChange() {
        let h = open("s", "state")
        let waiter = RecordingWaiter()
        XCTAssertEqual(ask(.poll(handle: h, waiter: waiter)), .poll(0), "nothing changed since the rendering")
        tree.announce(.changed(group: "other"))
        bridge.notifier.sync {}
        XCTAssertEqual(waiter.wakes.get, 0, "another session's change wakes nothing here")
        stateVersion.set(2)
        tree.announce(.changed(group: "s"))
        bridge.notifier.sync {}
        XCTAssertEqual(waiter.wakes.get, 1)
        tree.announce(.changed(group: nil))
        bridge.notifier.sync {}
        XCTAssertEqual(waiter.wakes.get, 1, "a poll is woken once")

        XCTAssertEqual(ask(.poll(handle: h, waiter: nil)), .poll(Bridge.changedEvents))
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "idle\n")
        XCTAssertEqual(ask(.poll(handle: h, waiter: nil)), .poll(0), "a read from the start catches up")

        let other = RecordingWaiter()
        XCTAssertEqual(ask(.poll(handle: h, waiter: other)), .poll(0))
        tree.announce(.changed(group: nil))
        bridge.notifier.sync {}
        XCTAssertEqual(other.wakes.get, 1, "a change of every file wakes every poll")

        XCTAssertEqual(ask(.poll(handle: open("status"), waiter: RecordingWaiter())), .poll(Bridge.readable),
                       "a file with no counter is always readable")
        XCTAssertEqual(ask(.poll(handle: 9999, waiter: nil)).errno, .badFileDescriptor)
    }

    func testAHandleOpenedForWritingStartsAtTheCounterWithNothingRendered() {
        stateVersion.set(5)
        let h = open("s", "prompt", flags: O_WRONLY)
        XCTAssertEqual(ask(.read(handle: h, size: 10, offset: 3)).text, "")
        let state = open("s", "state")
        XCTAssertEqual(ask(.poll(handle: state, waiter: nil)), .poll(0))
    }

    func testSlowSourcesAreRenderedOffTheAskingThread() {
        let screen = ino("s", "screen")
        XCTAssertEqual(ask(.getattr(ino: screen)).attributes?.size, 7)
        let h = ask(.open(ino: screen, flags: O_RDONLY)).handle ?? 0
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "screen\n")
        XCTAssertEqual(slowOnCaller.get, [false, false, false, false], "lookup, getattr, open and read: never here")
    }

    func testARefreshedSourceOpensOnceRefreshedAndAReadDoesNotWait() {
        let git = ino("s", "git")
        XCTAssertEqual(ask(.getattr(ino: git)).attributes?.size, 6)
        XCTAssertEqual(pendingRefreshes.get.count, 0, "a stat does not refresh")
        let r = RecordingReplier()
        bridge.serve(.open(ino: git, flags: O_RDONLY), r)
        XCTAssertNil(r.wait(0.2), "the open waits for the refresh")
        XCTAssertEqual(pendingRefreshes.get.count, 1)
        pendingRefreshes.get[0]()
        guard let h = r.wait()?.handle else { return XCTFail("not opened") }
        XCTAssertEqual(r.all.count, 1)
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 2)).text, "t 3\n",
                       "rendered once refreshed (after the lookup's and the getattr's)")
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "git 4\n")
        XCTAssertEqual(pendingRefreshes.get.count, 2, "a read from the start asks for a refresh, and does not wait for it")
    }

    func testReleaseForgetsTheHandle() {
        let h = open("log")
        XCTAssertEqual(ask(.release(handle: h)), .ok)
        XCTAssertEqual(ask(.read(handle: h, size: 10, offset: 0)).errno, .badFileDescriptor)
        XCTAssertEqual(ask(.release(handle: h)), .ok, "a release is always answered")
    }
}
