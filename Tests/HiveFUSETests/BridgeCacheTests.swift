import Foundation
import XCTest
import HiveCore
@testable import HiveFUSE

/// Files kept until changed (`CachePolicy.content`): read through the kernel's page
/// cache, their attributes kept, and dropped when a change of their group is announced.
/// Besides the stub tree of `BridgeTestCase`:
///
///     k/            group "k"
///     k/agent       0444, rendered from `agent`, polled by `kVersion`
///     k/model       0444, rendered "opus\n"
///     k/setup       0444, rendered from `setup`
///     k/summary     0444, on disk (DIR/summary), its name not kept
///     k/status      0444, rendered from `statusText`, expiring 100 ms on while `ticking`
///     k/flaky       0444, rendered; its second rendering for a read (the first read's,
///                   after the open's) announces a change of "k" while rendering
///     k/control     0600, commands: set `agent` to what is written, then announce "k"
///     k/log         0444, on disk, its name only kept
///     other/agent   0444, group "other", rendered from `otherAgent`
final class BridgeCacheTests: BridgeTestCase {
    let agent = Shared("claude\n")
    let otherAgent = Shared("aider\n")
    let setup = Shared("make\n")
    let kVersion = Shared<UInt64>(1)
    let ticking = Shared(false)
    let statusText = Shared("idle 3s\n")
    let flakyReads = Shared(0)
    /// Where `k/control` announces from: the writing thread, or a queue of its own.
    let announceFrom = Shared<DispatchQueue?>(nil)
    let kernel = RecordingKernel()

    override func setUpWithError() throws {
        try super.setUpWithError()
        let tree = self.tree, mtime = self.mtime, agent = self.agent, otherAgent = self.otherAgent
        let setup = self.setup, kVersion = self.kVersion, ticking = self.ticking, statusText = self.statusText
        let flakyReads = self.flakyReads, announceFrom = self.announceFrom
        let kept = CachePolicy.content(group: "k")
        let dir = DirectoryDescription(mtime: mtime, removal: .refused(.busy("kept")))
        tree.set(Self.node("k", directory: true), .directory(dir))
        tree.set(Self.node("other", directory: true), .directory(dir))
        func rendered(_ text: Shared<String>) -> FileSource {
            .rendered { _ in FileContent(bytes: Array(text.get.utf8), mtime: mtime, version: kVersion.get) }
        }
        tree.set(Self.node("k", "agent"), .file(FileDescription(mode: .readOnly, source: rendered(agent), cache: kept,
                                                                 poll: PollCounter(group: "k") { kVersion.get })))
        tree.set(Self.node("k", "model"), .file(FileDescription(mode: .readOnly, source: rendered(Shared("opus\n")), cache: kept)))
        tree.set(Self.node("k", "setup"), .file(FileDescription(mode: .readOnly, source: rendered(setup), cache: kept)))
        tree.set(Self.node("k", "summary"), .file(FileDescription(mode: .readOnly, source: .disk(self.dir + "/summary"),
                                                                   cache: .content(group: "k", keepsName: false))))
        tree.set(Self.node("k", "status"), .file(FileDescription(mode: .readOnly, source: .rendered { _ in
            FileContent(bytes: Array(statusText.get.utf8), mtime: mtime,
                        expires: ticking.get ? Timestamp(milliseconds: Timestamp.now().milliseconds + 100) : nil)
        }, cache: kept)))
        tree.set(Self.node("k", "flaky"), .file(FileDescription(mode: .readOnly, source: .rendered { purpose in
            if purpose == .read, flakyReads.update({ $0 += 1; return $0 }) == 2 {
                tree.announce(.changed(group: "k"))
            }
            return FileContent(bytes: Array("flaky\n".utf8), mtime: mtime)
        }, cache: kept)))
        tree.set(Self.node("k", "control"), .file(FileDescription(
            mode: .readWrite, source: .rendered { _ in FileContent(bytes: [], mtime: mtime) },
            write: .commands { bytes, _, done in
                let change: @Sendable () -> Void = {
                    agent.set(String(decoding: bytes, as: UTF8.self))
                    kVersion.update { $0 += 1 }
                    tree.announce(.changed(group: "k"))
                    done(nil)
                }
                if let q = announceFrom.get { q.async(execute: change) } else { change() }
            })))
        tree.set(Self.node("k", "log"), .file(FileDescription(mode: .readOnly, source: .disk(self.dir + "/log"))))
        tree.set(Self.node("other", "agent"), .file(FileDescription(
            mode: .readOnly, source: rendered(otherAgent), cache: .content(group: "other"))))
        bridge.attach(kernel)
    }

    override func tearDown() {
        bridge.attach(nil)
        super.tearDown()
    }

    /// Opens a path for reading and reads it whole from the start, as the kernel
    /// fills its pages; returns the open's reply and what was read.
    @discardableResult
    func cat(_ names: String..., file: StaticString = #filePath, line: UInt = #line) -> (Reply, String?) {
        var parent = InodeTable.rootIno
        for n in names { parent = ask(.lookup(parent: parent, name: n), file: file, line: line).attributes?.ino ?? 0 }
        let opened = ask(.open(ino: parent, flags: O_RDONLY), file: file, line: line)
        guard case .open(let h, _, let keep) = opened else { return (opened, nil) }
        // A page cache that kept the pages is not read again.
        let text = keep ? nil : ask(.read(handle: h, size: 4096, offset: 0), file: file, line: line).text
        ask(.release(handle: h), file: file, line: line)
        return (opened, text)
    }

    func opened(directIO: Bool, keepCache: Bool, _ reply: Reply, file: StaticString = #filePath, line: UInt = #line) {
        guard case .open(_, let d, let k) = reply else { return XCTFail("not opened: \(reply)", file: file, line: line) }
        XCTAssertEqual(d, directIO, "direct_io", file: file, line: line)
        XCTAssertEqual(k, keepCache, "keep_cache", file: file, line: line)
    }

    var drops: [RecordingKernel.Dropped] { kernel.dropped.get }

    /// Waits up to two seconds for `cond`.
    func waitFor(_ cond: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(2)
        while Date() < end {
            if cond() { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return cond()
    }

    // MARK: opens

    func testAKeptFileIsReadThroughThePageCacheKeptOnlyWhileItShowsTheSame() {
        guard case .entry(_, let entry, let attr) = ask(.lookup(parent: ino("k"), name: "agent")) else { return XCTFail("no entry") }
        XCTAssertEqual(entry, Bridge.cacheSeconds)
        XCTAssertEqual(attr, Bridge.cacheSeconds, "a kept file's attributes are kept")
        guard case .attr(_, let timeout) = ask(.getattr(ino: ino("k", "agent"))) else { return XCTFail("no attributes") }
        XCTAssertEqual(timeout, Bridge.cacheSeconds)

        let (first, text) = cat("k", "agent")
        opened(directIO: false, keepCache: false, first)
        XCTAssertEqual(text, "claude\n")
        let (second, _) = cat("k", "agent")
        opened(directIO: false, keepCache: true, second)

        // Changed, same size, no announcement yet: the pages are not kept.
        agent.set("gemini\n")
        let (third, now) = cat("k", "agent")
        opened(directIO: false, keepCache: false, third)
        XCTAssertEqual(now, "gemini\n")
        XCTAssertEqual(drops, [])
        // Pages of two renderings were given: none is kept until the kernel drops them all.
        opened(directIO: false, keepCache: false, cat("k", "agent").0)
        tree.announce(.changed(group: "k"))
        XCTAssertEqual(drops, [.attributes(ino("k", "agent"))], "same attributes, but pages of another rendering")
        cat("k", "agent")
        opened(directIO: false, keepCache: true, cat("k", "agent").0)
    }

    func testAnOpenWhenTheKernelsSizeIsNotTheFilesIsDirectAndHasItDropped() {
        cat("k", "agent")
        let ino = ino("k", "agent")
        agent.set("codex-cli\n")
        let r = ask(.open(ino: ino, flags: O_RDONLY))
        opened(directIO: true, keepCache: false, r)
        XCTAssertEqual(ask(.read(handle: r.handle!, size: 100, offset: 0)).text, "codex-cli\n")
        bridge.notifier.sync {}
        XCTAssertEqual(drops, [.attributes(ino)], "the kernel's size was dropped")
        XCTAssertEqual(kernel.onWorker.get, [false])
        cat("k", "agent")
        opened(directIO: false, keepCache: true, cat("k", "agent").0)
    }

    func testHandlesForWritingGoAroundThePageCache() {
        opened(directIO: true, keepCache: false, ask(.open(ino: ino("k", "control"), flags: O_WRONLY)))
        opened(directIO: true, keepCache: false, cat("k", "log").0)
        guard case .entry(_, _, let logAttr) = ask(.lookup(parent: ino("k"), name: "log")) else { return XCTFail("no log") }
        XCTAssertEqual(logAttr, 0, "a log's attributes are never kept")
    }

    func testExpiringContentIsKeptUntilItExpiresAndDroppedThenIfItChanged() {
        ticking.set(true)
        let status = ino("k", "status")
        guard case .attr(_, let t) = ask(.getattr(ino: status)) else { return XCTFail("no attr") }
        XCTAssertEqual(t, Bridge.cacheSeconds, "kept until it expires")
        opened(directIO: false, keepCache: false, cat("k", "status").0)
        opened(directIO: false, keepCache: true, cat("k", "status").0)
        // Its seconds tick, unannounced: once it expires it is checked, and dropped.
        statusText.set("idle 4s\n")
        XCTAssertTrue(waitFor { self.drops == [.attributes(status)] }, "dropped when it expired: \(drops)")
        XCTAssertEqual(kernel.onWorker.get, [false])
        let (reply, text) = cat("k", "status")
        opened(directIO: false, keepCache: false, reply)
        XCTAssertEqual(text, "idle 4s\n")
        // Unchanged when it expires: kept, and checked again at its next expiry.
        ticking.set(false)
        _ = cat("k", "status")
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(drops, [.attributes(status)], "unchanged: not dropped again")
    }

    func testAKeptFileOnDiskKeepsNoNameAndIsReadAsItIsNow() throws {
        guard case .entry(let a, let entry, let attr) = ask(.lookup(parent: ino("k"), name: "summary")) else {
            return XCTFail("no summary")
        }
        XCTAssertEqual(a.size, 5)
        XCTAssertEqual(entry, 0, "its name comes and goes")
        XCTAssertEqual(attr, Bridge.cacheSeconds)
        let h = ask(.open(ino: a.ino, flags: O_RDONLY)).handle ?? 0
        // Written again (by rename) after the open: a read gives the file now.
        try Data("again\n".utf8).write(to: URL(fileURLWithPath: dir + "/summary.new"))
        XCTAssertEqual(rename(dir + "/summary.new", dir + "/summary"), 0)
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "again\n")
        tree.announce(.changed(group: "k"))
        XCTAssertEqual(drops, [.attributes(a.ino)], "the attributes given were of the file before")
        opened(directIO: false, keepCache: false, ask(.open(ino: a.ino, flags: O_RDONLY)))
    }

    // MARK: announcements

    func testAChangeDropsExactlyTheKeptFilesOfItsGroupThatChanged() {
        for path in [["k", "agent"], ["k", "model"], ["k", "log"], ["other", "agent"]] {
            var parent = InodeTable.rootIno
            for n in path { parent = ask(.lookup(parent: parent, name: n)).attributes?.ino ?? 0 }
            let h = ask(.open(ino: parent, flags: O_RDONLY)).handle ?? 0
            ask(.read(handle: h, size: 4096, offset: 0))
        }
        let kAgent = ino("k", "agent"), otherAgentIno = ino("other", "agent")
        tree.announce(.changed(group: "k"))
        tree.announce(.changed(group: nil))
        XCTAssertEqual(drops, [], "nothing changed: nothing dropped")

        agent.set("codex\n")
        setup.set("make all\n")
        otherAgent.set("cursor\n")
        tree.announce(.changed(group: "k"))
        XCTAssertEqual(drops, [.attributes(kAgent)],
                       "dropped before the announcement returns: k/agent; not k/model (unchanged), k/setup (never given), other/agent (another group)")
        XCTAssertEqual(kernel.onWorker.get, [false])
        tree.announce(.changed(group: "k"))
        XCTAssertEqual(drops.count, 1, "what was dropped is no longer kept")
        tree.announce(.changed(group: nil))
        XCTAssertEqual(drops, [.attributes(kAgent), .attributes(otherAgentIno)], "every group's")
        XCTAssertNil(bridge.inodes.known(Self.node("k", "setup")))

        let (reopened, text) = cat("k", "agent")
        opened(directIO: false, keepCache: false, reopened)
        XCTAssertEqual(text, "codex\n")
    }

    func testOnAFuseWorkerTheDropIsQueuedNotSent() {
        cat("k", "agent")
        agent.set("codex\n")
        // Held while the worker serves, so that what was queued cannot run before the check.
        bridge.notifier.suspend()
        FuseWorker.serving {
            tree.announce(.changed(group: "k"))
            XCTAssertEqual(drops, [], "never from a thread serving a request")
        }
        bridge.notifier.resume()
        bridge.notifier.sync {}
        XCTAssertEqual(drops, [.attributes(ino("k", "agent"))])
        XCTAssertEqual(kernel.onWorker.get, [false])
    }

    func testARenderingOutdatedByAChangeAnnouncedMeanwhileIsNotKept() {
        let (first, text) = cat("k", "flaky")
        opened(directIO: false, keepCache: false, first)
        XCTAssertEqual(text, "flaky\n")
        XCTAssertEqual(flakyReads.get, 2)
        bridge.notifier.sync {}
        XCTAssertEqual(drops, [.attributes(ino("k", "flaky"))], "the pages given while a change was announced are dropped")
        XCTAssertNil(bridge.kept.entry(ino("k", "flaky"))?.pages)
        cat("k", "flaky")
        opened(directIO: false, keepCache: true, cat("k", "flaky").0)
    }

    func testAPrunedDirectoryDropsWhatWasKeptUnderIt() {
        cat("k", "agent")
        cat("other", "agent")
        tree.announce(.nameChanged(in: .root, name: "k"))
        bridge.notifier.sync {}
        XCTAssertEqual(drops, [.attributes(ino("k", "agent")), .name(parent: InodeTable.rootIno, "k")])
    }

    // MARK: answers after drops

    /// Writes `text` to k/control from a thread marked as serving a request, and
    /// returns what the kernel had been told to drop when the answer was sent.
    private func dropsWhenAnswered(_ text: String) -> [RecordingKernel.Dropped]? {
        let h = open("k", "control", flags: O_WRONLY)
        let r = AnsweredAfter(kernel)
        // The notifier is busy: an answer not queued behind the drop would come first.
        bridge.notifier.async { usleep(200_000) }
        FuseWorker.serving { bridge.serve(.write(handle: h, bytes: bytes(text), offset: 0, uid: 1), r) }
        return r.wait()
    }

    func testAWriteIsAnsweredAfterTheDropItCausedOnTheWorker() {
        cat("k", "agent")
        XCTAssertEqual(dropsWhenAnswered("codex\n"), [.attributes(ino("k", "agent"))])
    }

    func testAWriteIsAnsweredAfterTheDropItCausedOnAQueue() {
        cat("k", "agent")
        announceFrom.set(DispatchQueue(label: "session"))
        XCTAssertEqual(dropsWhenAnswered("codex\n"), [.attributes(ino("k", "agent"))])
        XCTAssertEqual(kernel.onWorker.get, [false])
        let (_, text) = cat("k", "agent")
        XCTAssertEqual(text, "codex\n")
    }

    // MARK: poll

    func testAPollThatFindsAKeptFileChangedHasItDroppedFirst() {
        let h = open("k", "agent")
        ask(.read(handle: h, size: 100, offset: 0))
        let waiter = RecordingWaiter()
        XCTAssertEqual(ask(.poll(handle: h, waiter: waiter)), .poll(0))
        agent.set("codex\n")
        kVersion.set(2)
        tree.announce(.changed(group: "k"))
        bridge.notifier.sync {}
        XCTAssertEqual(waiter.wakes.get, 1)
        let dropped = drops
        XCTAssertEqual(dropped, [.attributes(ino("k", "agent"))])

        // Another handle's read brought the pages up to date; this handle has not read them.
        cat("k", "agent")
        let r = AnsweredAfter(kernel)
        bridge.serve(.poll(handle: h, waiter: nil), r)
        XCTAssertEqual(r.wait(), dropped + [.attributes(ino("k", "agent"))], "dropped again, then answered")
        XCTAssertEqual(r.reply, .poll(Bridge.changedEvents))
        XCTAssertEqual(ask(.read(handle: h, size: 100, offset: 0)).text, "codex\n")
        XCTAssertEqual(ask(.poll(handle: h, waiter: nil)), .poll(0), "the read caught the handle up")
    }
}

/// Records one answer and what the kernel had been told to drop when it came.
final class AnsweredAfter: ReplyRecording, @unchecked Sendable {
    private let kernel: RecordingKernel
    private let seen = Shared<(Reply, [RecordingKernel.Dropped])?>(nil)
    private let arrived = DispatchSemaphore(value: 0)

    init(_ kernel: RecordingKernel) { self.kernel = kernel }

    func record(_ r: Reply) {
        seen.set((r, kernel.dropped.get))
        arrived.signal()
    }

    /// What had been dropped when the answer came; nil if none came.
    func wait() -> [RecordingKernel.Dropped]? {
        guard arrived.wait(timeout: .now() + 5) == .success else { return nil }
        return seen.get?.1
    }

    var reply: Reply? { seen.get?.0 }
}
