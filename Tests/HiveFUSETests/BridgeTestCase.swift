import Foundation
import Logging
import XCTest
import HiveCore
@testable import HiveFUSE

/// A bridge over a small stub tree, and the means to ask it things:
///
///     /            made in: `make` (EEXIST for "taken")
///     control      0600, commands (recorded; fail with `commandError`)
///     status       0444, rendered: "render N\n", N counting renders
///     log          0444, on disk: "line1\nline2\n"
///     history/     never removed (EACCES)
///     s/           removed by `remove` (recorded)
///     s/state      0444, rendered "idle\n" at `stateVersion`; polled by it, group "s"
///     s/prompt     0600, a value (recorded; "bad" is refused with EACCES)
///     s/summary    0444, on disk, never cached
///     s/gone       0444, on disk, missing
///     s/screen     0444, slow: "screen\n"
///     s/git        0444, refreshed: "git N\n"; refreshes wait until the test calls them back
class BridgeTestCase: XCTestCase {
    var tree = StubTree()
    var bridge: Bridge!
    var dir = ""
    let mtime = Timestamp(milliseconds: 1_700_000_000_123)
    let renders = Shared(0)
    let stateVersion = Shared<UInt64>(1)
    let commands = Shared<[String]>([])
    let commandError = Shared<HiveError?>(nil)
    let values = Shared<[String]>([])
    let made = Shared<[String]>([])
    let removed = Shared<[UInt32]>([])
    let pendingRefreshes = Shared<[@Sendable () -> Void]>([])
    let gitRenders = Shared(0)
    /// Whether each slow render ran on the thread that asked.
    let slowOnCaller = Shared<[Bool]>([])

    static func node(_ names: String..., directory: Bool = false) -> TreeNode {
        TreeNode(names, isDirectory: directory)
    }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hivefs-bridge-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("line1\nline2\n".utf8).write(to: URL(fileURLWithPath: dir + "/log"))
        try Data("done\n".utf8).write(to: URL(fileURLWithPath: dir + "/summary"))
        tree = StubTree()
        let tree = self.tree, mtime = self.mtime
        let renders = self.renders, stateVersion = self.stateVersion, commands = self.commands
        let commandError = self.commandError, values = self.values, made = self.made, removed = self.removed
        let pendingRefreshes = self.pendingRefreshes, gitRenders = self.gitRenders, slowOnCaller = self.slowOnCaller

        let session = DirectoryDescription(mtime: mtime, removal: .remove { uid, done in
            removed.update { $0.append(uid) }
            done(nil)
        })
        tree.set(.root, .directory(DirectoryDescription(mtime: mtime, make: { name, _ throws(HiveError) in
            if name == "taken" { throw .exists("'taken' exists") }
            made.update { $0.append(name) }
            let n = TreeNode.root.child(name, isDirectory: true)
            tree.set(n, .directory(session))
            return n
        }, removal: .refused(.busy("the root")))))
        tree.set(Self.node("control"), .file(FileDescription(
            mode: .readWrite, source: .rendered { _ in FileContent(bytes: Array("usage\n".utf8), mtime: mtime) },
            write: .commands { bytes, _, done in
                commands.update { $0.append(String(decoding: bytes, as: UTF8.self)) }
                done(commandError.get)
            })))
        tree.set(Self.node("status"), .file(FileDescription(mode: .readOnly, source: .rendered { _ in
            let n = renders.update { $0 += 1; return $0 }
            return FileContent(bytes: Array("render \(n)\n".utf8), mtime: mtime)
        })))
        tree.set(Self.node("log"), .file(FileDescription(mode: .readOnly, source: .disk(dir + "/log"))))
        tree.set(Self.node("history", directory: true),
                 .directory(DirectoryDescription(mtime: mtime, removal: .refused(.denied("history is never deleted")))))
        tree.set(Self.node("s", directory: true), .directory(session))
        tree.set(Self.node("s", "state"), .file(FileDescription(
            mode: .readOnly,
            source: .rendered { _ in FileContent(bytes: Array("idle\n".utf8), mtime: mtime, version: stateVersion.get) },
            poll: PollCounter(group: "s") { stateVersion.get })))
        tree.set(Self.node("s", "prompt"), .file(FileDescription(
            mode: .readWrite, source: .rendered { _ in FileContent(bytes: [], mtime: mtime) },
            write: .value { bytes, _, done in
                let v = String(decoding: bytes, as: UTF8.self)
                if v == "bad" { return done(.denied("refused")) }
                values.update { $0.append(v) }
                done(nil)
            })))
        tree.set(Self.node("s", "summary"), .file(FileDescription(mode: .readOnly, source: .disk(dir + "/summary"), cache: .never)))
        tree.set(Self.node("s", "gone"), .file(FileDescription(mode: .readOnly, source: .disk(dir + "/gone"))))
        let caller = pthread_self()
        tree.set(Self.node("s", "screen"), .file(FileDescription(mode: .readOnly, source: .slow { _ in
            slowOnCaller.update { $0.append(pthread_equal(pthread_self(), caller) != 0) }
            return FileContent(bytes: Array("screen\n".utf8), mtime: mtime)
        })))
        tree.set(Self.node("s", "git"), .file(FileDescription(mode: .readOnly, source: .refreshed({ _ in
            let n = gitRenders.update { $0 += 1; return $0 }
            return FileContent(bytes: Array("git \(n)\n".utf8), mtime: mtime)
        }, refresh: { done in pendingRefreshes.update { $0.append(done) } }))))
        bridge = Bridge(tree: tree, logger: Logger(label: "test"))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Serves a request and returns its one reply, failing if none comes or more than one.
    @discardableResult
    func ask(_ request: Request, file: StaticString = #filePath, line: UInt = #line) -> Reply {
        let r = RecordingReplier()
        bridge.serve(request, r)
        guard let first = r.wait() else {
            XCTFail("no reply to \(request)", file: file, line: line)
            return .ok
        }
        XCTAssertEqual(r.all.count, 1, "more than one reply to \(request)", file: file, line: line)
        return first
    }

    /// The inode of a path, found by lookups from the root.
    func ino(_ names: String..., file: StaticString = #filePath, line: UInt = #line) -> UInt64 {
        var parent = InodeTable.rootIno
        for n in names {
            guard let a = ask(.lookup(parent: parent, name: n), file: file, line: line).attributes else {
                XCTFail("no entry for \(n)", file: file, line: line)
                return 0
            }
            parent = a.ino
        }
        return parent
    }

    /// A handle on a path, opened with `flags`.
    func open(_ names: String..., flags: Int32 = O_RDONLY, file: StaticString = #filePath, line: UInt = #line) -> UInt64 {
        var parent = InodeTable.rootIno
        for n in names {
            parent = ask(.lookup(parent: parent, name: n), file: file, line: line).attributes?.ino ?? 0
        }
        let reply = ask(.open(ino: parent, flags: flags), file: file, line: line)
        guard let h = reply.handle else {
            XCTFail("not opened: \(reply)", file: file, line: line)
            return 0
        }
        return h
    }

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
}
