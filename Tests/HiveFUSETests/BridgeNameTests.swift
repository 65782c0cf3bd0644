import Foundation
import XCTest
import HiveCore
@testable import HiveFUSE

/// Names and directories: what lookup, getattr, readdir, mkdir, rmdir and unlink
/// answer, from nothing but the table.
final class BridgeNameTests: BridgeTestCase {
    func testLookupGivesAFileItsAttributesAndTheKernelItsTimeouts() {
        let reply = ask(.lookup(parent: InodeTable.rootIno, name: "control"))
        guard case .entry(let a, let entry, let attr) = reply else { return XCTFail("\(reply)") }
        XCTAssertFalse(a.isDirectory)
        XCTAssertEqual(a.mode, .readWrite)
        XCTAssertEqual(a.size, 6)
        XCTAssertEqual(a.mtime, mtime)
        XCTAssertEqual(entry, Bridge.cacheSeconds)
        XCTAssertEqual(attr, 0, "a file's attributes are never kept")
        XCTAssertNotEqual(a.ino, InodeTable.rootIno)
        XCTAssertEqual(ino("control"), a.ino, "a name keeps its inode")
    }

    func testADirectoryIsKeptAndWhatComesAndGoesIsNot() {
        guard case .entry(let a, let entry, let attr) = ask(.lookup(parent: InodeTable.rootIno, name: "s")) else {
            return XCTFail("no entry")
        }
        XCTAssertTrue(a.isDirectory)
        XCTAssertEqual(a.mode, .directory)
        XCTAssertEqual(entry, Bridge.cacheSeconds)
        XCTAssertEqual(attr, Bridge.cacheSeconds)
        guard case .entry(let summary, let e, let t) = ask(.lookup(parent: a.ino, name: "summary")) else {
            return XCTFail("no summary")
        }
        XCTAssertEqual(summary.size, 5)
        XCTAssertEqual(e, 0)
        XCTAssertEqual(t, 0)
    }

    func testUnknownNamesAndInodesAreENOENT() {
        XCTAssertEqual(ask(.lookup(parent: InodeTable.rootIno, name: "nope")).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(ask(.lookup(parent: 9999, name: "control")).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(ask(.lookup(parent: ino("s"), name: "control")).errno, .noSuchFileOrDirectory)
        // Named by the table but missing on disk: gone.
        XCTAssertEqual(ask(.lookup(parent: ino("s"), name: "gone")).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(ask(.getattr(ino: 9999)).errno, .noSuchFileOrDirectory)
    }

    func testGetattrTellsModesSizesAndTimes() throws {
        guard case .attr(let root, let timeout) = ask(.getattr(ino: InodeTable.rootIno)) else { return XCTFail("no root") }
        XCTAssertTrue(root.isDirectory)
        XCTAssertEqual(root.mode.rawValue, 0o755)
        XCTAssertEqual(timeout, Bridge.cacheSeconds)

        guard case .attr(let status, let t) = ask(.getattr(ino: ino("status"))) else { return XCTFail("no status") }
        XCTAssertEqual(status.mode.rawValue, 0o444)
        XCTAssertEqual(status.size, "render 2\n".utf8.count)
        XCTAssertEqual(t, 0)

        let log = ino("log")
        XCTAssertEqual(ask(.getattr(ino: log)).attributes?.size, 12)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/log"))
        h.seekToEndOfFile()
        h.write(Data("line3\n".utf8))
        try h.close()
        XCTAssertEqual(ask(.getattr(ino: log)).attributes?.size, 18, "a log's size is the disk file's now")

        let prompt = ino("s", "prompt")
        XCTAssertEqual(ask(.getattr(ino: prompt)).attributes?.mode.rawValue, 0o600)
        tree.set(Self.node("s", "prompt"), nil)
        XCTAssertEqual(ask(.getattr(ino: prompt)).errno, .noSuchFileOrDirectory, "a node the table no longer has is gone")
    }

    func testReaddirListsDotsThenTheTablesNodesInItsOrder() {
        let s = ino("s")
        let reply = ask(.readdir(ino: InodeTable.rootIno, size: 4096, offset: 0))
        guard case .directory(let entries, let from, let size) = reply else { return XCTFail("\(reply)") }
        XCTAssertEqual(entries.map(\.name), [".", "..", "control", "history", "log", "s", "status"])
        XCTAssertEqual(entries.map(\.isDirectory), [true, true, false, true, false, true, false])
        XCTAssertEqual(entries[0].ino, InodeTable.rootIno)
        XCTAssertEqual(entries[5].ino, s, "listing and lookup agree on inodes")
        XCTAssertEqual(from, 0)
        XCTAssertEqual(size, 4096)

        guard case .directory(let inS, let from2, _) = ask(.readdir(ino: s, size: 100, offset: 3)) else { return XCTFail("no s") }
        XCTAssertEqual(inS.map(\.name), [".", "..", "git", "gone", "prompt", "screen", "state", "summary"])
        XCTAssertEqual(inS[0].ino, s)
        XCTAssertEqual(from2, 3, "the offset goes to the reply, which packs from it")

        XCTAssertEqual(ask(.readdir(ino: ino("status"), size: 4096, offset: 0)).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(ask(.opendir(ino: ino("status"))).errno, .notDirectory)
        XCTAssertEqual(ask(.opendir(ino: s)), .open(handle: 1, directIO: false, keepCache: false))
    }

    func testASymbolicLinkIsServedAsOneAndNeverOpened() {
        let link = TreeNode(["spool"], isDirectory: false, isLink: true)
        tree.set(link, .link(LinkDescription(target: "/state/spool", mtime: mtime)))
        guard case .entry(let a, let entryTimeout, let attrTimeout) = ask(.lookup(parent: InodeTable.rootIno, name: "spool")) else {
            return XCTFail("no entry for the link")
        }
        XCTAssertTrue(a.isLink)
        XCTAssertFalse(a.isDirectory)
        XCTAssertEqual(a.mode.rawValue, 0o777, "as every symbolic link")
        XCTAssertEqual(a.size, "/state/spool".utf8.count, "its size is its target's length")
        XCTAssertEqual(a.mtime, mtime)
        XCTAssertEqual(entryTimeout, Bridge.cacheSeconds)
        XCTAssertEqual(attrTimeout, Bridge.cacheSeconds, "a link never changes")
        XCTAssertEqual(FuseReplier.stat(a).st_mode, 0o120777, "S_IFLNK")
        XCTAssertEqual(ask(.getattr(ino: a.ino)).attributes, a)
        XCTAssertEqual(ask(.readlink(ino: a.ino)), .readlink("/state/spool"))
        XCTAssertEqual(ask(.readlink(ino: ino("status"))).errno, .invalidArgument, "a file is no link")
        XCTAssertEqual(ask(.readlink(ino: InodeTable.rootIno)).errno, .invalidArgument, "nor a directory")
        XCTAssertEqual(ask(.open(ino: a.ino, flags: O_RDONLY)).errno, .tooManySymbolicLinkLevels, "the kernel follows it; nothing opens it here")
        XCTAssertEqual(ask(.opendir(ino: a.ino)).errno, .notDirectory)
        XCTAssertEqual(ask(.setattr(ino: a.ino, changes: AttributeChanges(size: 0), handle: nil)).errno, .permissionDenied)
        XCTAssertEqual(ask(.unlink(parent: InodeTable.rootIno, name: "spool")).errno, .notPermitted, "never deleted")

        guard case .directory(let entries, _, _) = ask(.readdir(ino: InodeTable.rootIno, size: 4096, offset: 0)) else {
            return XCTFail("no listing")
        }
        let listed = entries.first { $0.name == "spool" }
        XCTAssertEqual(listed?.isLink, true, "listed as a link (DT_LNK)")
        XCTAssertEqual(listed?.isDirectory, false)
        XCTAssertEqual(listed?.ino, a.ino)
    }

    func testMkdirOnlyWhereTheTableMakesDirectories() {
        XCTAssertEqual(ask(.mkdir(parent: ino("s"), name: "x", uid: 7)).errno, .permissionDenied)
        XCTAssertEqual(ask(.mkdir(parent: ino("history"), name: "x", uid: 7)).errno, .permissionDenied)
        XCTAssertEqual(ask(.mkdir(parent: 9999, name: "x", uid: 7)).errno, .permissionDenied)
        XCTAssertEqual(made.get, [])

        guard case .entry(let a, _, _) = ask(.mkdir(parent: InodeTable.rootIno, name: "fresh", uid: 7)) else {
            return XCTFail("not made")
        }
        XCTAssertTrue(a.isDirectory)
        XCTAssertEqual(made.get, ["fresh"])
        XCTAssertEqual(ino("fresh"), a.ino)
        XCTAssertEqual(ask(.mkdir(parent: InodeTable.rootIno, name: "taken", uid: 7)).errno, .fileExists)
    }

    func testADirectoryMadeLaterIsAnsweredOnceMade() {
        let far = Self.node("far", directory: true)
        let session = DirectoryDescription(mtime: mtime, removal: .refused(.busy("no")))
        let tree = self.tree
        tree.set(far, .directory(DirectoryDescription(mtime: mtime, make: { _, _ throws(HiveError) in
            throw .denied("the later way is the one to take")
        }, makeLater: { name, _, done in
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(50)) {
                if name == "taken" { return done(.failure(.exists("'taken' exists there"))) }
                let n = far.child(name, isDirectory: true)
                tree.set(n, .directory(session))
                done(.success(n))
            }
        }, removal: .refused(.busy("no")))))
        let r = RecordingReplier()
        bridge.serve(.mkdir(parent: ino("far"), name: "scratch", uid: 7), r)
        XCTAssertTrue(r.all.isEmpty, "the request's thread does not wait for it")
        guard case .entry(let a, _, _)? = r.wait() else { return XCTFail("not made: \(r.all)") }
        XCTAssertTrue(a.isDirectory)
        XCTAssertEqual(ino("far", "scratch"), a.ino)
        XCTAssertEqual(ask(.mkdir(parent: ino("far"), name: "taken", uid: 7)).errno, .fileExists)
    }

    func testRmdirRemovesWhatTheTableLetsGoAndNothingElse() {
        XCTAssertEqual(ask(.rmdir(parent: InodeTable.rootIno, name: "history", uid: 7)).errno, .permissionDenied)
        XCTAssertEqual(ask(.rmdir(parent: InodeTable.rootIno, name: "status", uid: 7)).errno, .notDirectory)
        XCTAssertEqual(ask(.rmdir(parent: InodeTable.rootIno, name: "nope", uid: 7)).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(ask(.rmdir(parent: 9999, name: "s", uid: 7)).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(removed.get, [])
        XCTAssertEqual(ask(.rmdir(parent: InodeTable.rootIno, name: "s", uid: 7)), .ok)
        XCTAssertEqual(removed.get, [7])
    }

    func testNothingIsDeletedCreatedLinkedOrRenamed() {
        XCTAssertEqual(ask(.unlink(parent: InodeTable.rootIno, name: "status")).errno, .notPermitted)
        XCTAssertEqual(ask(.unlink(parent: ino("s"), name: "state")).errno, .notPermitted)
        XCTAssertEqual(ask(.unlink(parent: InodeTable.rootIno, name: "nope")).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(ask(.create).errno, .permissionDenied)
        XCTAssertEqual(ask(.link).errno, .permissionDenied)
        XCTAssertEqual(ask(.rename).errno, .notPermitted)
    }

    func testTheKernelIsToldToDropWhatItWasGiven() {
        let kernel = RecordingKernel()
        bridge.attach(kernel)
        tree.announce(.attributesChanged(Self.node("s", directory: true)))
        bridge.notifier.sync {}
        XCTAssertEqual(kernel.dropped.get, [], "nothing to drop of a node the kernel was never given")

        let s = ino("s"), history = ino("history")
        tree.announce(.attributesChanged(Self.node("s", directory: true)))
        tree.announce(.nameChanged(in: Self.node("history", directory: true), name: "old-entry"))
        bridge.notifier.sync {}
        XCTAssertEqual(kernel.dropped.get, [.attributes(s), .name(parent: history, "old-entry")])

        bridge.attach(nil)
        tree.announce(.attributesChanged(Self.node("s", directory: true)))
        bridge.notifier.sync {}
        XCTAssertEqual(kernel.dropped.get.count, 2, "nothing is sent once unmounted")
    }
}
