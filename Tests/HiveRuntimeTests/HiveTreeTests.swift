import Foundation
import Logging
import XCTest
@testable import HiveCore
@testable import HiveRuntime

/// hivefs's table of files over a real `Hive` on a temporary state directory (no
/// tmux, no mount): what it finds, lists and describes.
final class HiveTreeTests: XCTestCase {
    private var dir = ""
    private var hive: Hive!
    private var tree: HiveTree!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hivefs-tree-\(getpid())-\(UUID().uuidString.prefix(8))"
        var config = HiveConfig(mountpoint: dir + "/mnt", stateDir: dir + "/state", home: dir)
        config.socket = "hivefs-tree-test-\(getpid())"
        hive = try Hive(config: config, logger: Logger(label: "test"))
        tree = HiveTree(hive: hive)
    }

    override func tearDown() {
        tree = nil
        hive = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func node(_ names: String..., directory: Bool = false) -> TreeNode { TreeNode(names, isDirectory: directory) }

    private func make(_ name: String) throws {
        guard case .directory(let root)? = tree.describe(.root), let make = root.make else { return XCTFail("no mkdir at the root") }
        _ = try make(name, 0)
    }

    private func file(_ names: String...) -> FileDescription? {
        guard case .file(let d)? = tree.describe(TreeNode(names, isDirectory: false)) else { return nil }
        return d
    }

    private func names(_ directory: TreeNode) -> [String]? { tree.listing(directory)?.map(\.name) }

    func testEveryFileHasOneRowInListingOrder() {
        XCTAssertEqual(HiveTree.sessionFiles.map(\.name), SessionFile.allCases.map(\.rawValue))
        XCTAssertEqual(HiveTree.historyFiles.map(\.name), SessionFile.frozen.map(\.rawValue))
        XCTAssertEqual(HiveTree.rootFiles.map(\.name), RootFile.allCases.map(\.rawValue))
    }

    func testTheRootListsItsFilesHistoryAndSessionsSortedAndMakesSessions() throws {
        try make("b")
        try make("a")
        XCTAssertEqual(names(.root), ["a", "b", "control", "events", "history", "spool", "status", "status.json"])
        XCTAssertEqual(tree.lookup(.root, "a"), node("a", directory: true))
        XCTAssertEqual(tree.lookup(.root, "history"), node("history", directory: true))
        XCTAssertEqual(tree.lookup(.root, "status.json"), node("status.json"))
        XCTAssertNil(tree.lookup(.root, "c"))
        for own in ["control", "events", "status", "status.json", "history", "spool"] {
            XCTAssertThrowsError(try make(own)) { XCTAssertEqual(($0 as? HiveError)?.errno, .fileExists, own) }
        }
        XCTAssertThrowsError(try make("a")) { XCTAssertEqual(($0 as? HiveError)?.errno, .fileExists) }
        XCTAssertThrowsError(try make("-x")) { XCTAssertEqual(($0 as? HiveError)?.errno, .invalidArgument) }
        XCTAssertEqual(file("control")?.mode, .readWrite)
        XCTAssertEqual(file("status")?.mode, .readOnly)
        guard case .disk(let events)? = file("events")?.source else { return XCTFail("events not on disk") }
        XCTAssertEqual(events, hive.store.rootEventsPath)
    }

    func testSpoolIsASymbolicLinkToTheStateDirectorysSpoolFolder() throws {
        let link = try XCTUnwrap(tree.lookup(.root, "spool"))
        XCTAssertTrue(link.isLink)
        XCTAssertFalse(link.isDirectory)
        XCTAssertEqual(tree.listing(.root)?.first { $0.name == "spool" }, link)
        guard case .link(let l)? = tree.describe(link) else { return XCTFail("spool is not described as a link") }
        XCTAssertEqual(l.target, hive.store.spoolDir)
        XCTAssertTrue(l.target.hasPrefix("/"), "absolute, so it reads the same from any folder")
        for folder in [hive.store.spoolDir, hive.store.spoolDoneDir, hive.store.spoolFailedDir] {
            let st = try XCTUnwrap(Sys.stat(folder), folder)
            XCTAssertEqual(st.st_mode & 0o777, 0o700, folder)
        }
        XCTAssertNil(tree.describe(node("spool")), "the same name as a file is no node")
        XCTAssertNil(tree.listing(link), "a link is not listed as a directory")
        XCTAssertNil(tree.lookup(link, "done"), "nothing under it is the tree's")
    }

    func testTheRootControlRefusesAnOversizedWriteItself() {
        guard case .commands(let perform)? = file("control")?.write else { return XCTFail("control takes no commands") }
        let answer = Shared<HiveError?>(nil)
        perform(Array(repeating: UInt8(ascii: "x"), count: ControlParser.maxWrite + 1), 0) { answer.set($0) }
        XCTAssertEqual(answer.get?.errno, .argListTooLong)
    }

    func testSpecFilesAreWritableOnlyWhileNew() throws {
        try make("a")
        for spec in ["agent", "command", "dir", "mode", "model", "prompt", "setup", "trust", "worktree"] {
            XCTAssertEqual(file("a", spec)?.mode, .readWrite, spec)
            guard case .value? = file("a", spec)?.write else { return XCTFail("\(spec) takes no value") }
        }
        guard case .commands? = file("a", "control")?.write else { return XCTFail("control takes no commands") }
        XCTAssertEqual(file("a", "control")?.mode, .readWrite)
        XCTAssertEqual(file("a", "state")?.mode, .readOnly)
        guard case WriteKind.none? = file("a", "state")?.write else { return XCTFail("state takes writes") }

        if let s = hive.live("a") { hive.step(s, .record(Event(session: "a", kind: EventKind.state, detail: "killed", state: .killed), durable: false)) }
        XCTAssertEqual(file("a", "prompt")?.mode, .readOnly, "read-only once started")
        XCTAssertEqual(file("a", "control")?.mode, .readWrite)
    }

    func testPollFollowsTheRightCounter() throws {
        try make("a")
        guard let (r, _) = hive.snapshot("a") else { return XCTFail("no session") }
        XCTAssertEqual(file("a", "state")?.poll?.group, "a")
        XCTAssertEqual(file("a", "state")?.poll?.version(), r.stateVersion)
        XCTAssertEqual(file("a", "status")?.poll?.version(), r.version)
        for unpolled in ["events", "log", "screen", "summary"] { XCTAssertNil(file("a", unpolled)?.poll, unpolled) }
        XCTAssertNil(file("status")?.poll)
    }

    func testTheSummaryIsListedAndFoundOnlyOnceWrittenAndItsNameNeverKept() throws {
        try make("a")
        XCTAssertFalse(names(node("a", directory: true))?.contains("summary") ?? true)
        XCTAssertNil(tree.lookup(node("a", directory: true), "summary"))
        XCTAssertEqual(tree.lookup(node("a", directory: true), "state"), node("a", "state"))
        XCTAssertNil(tree.lookup(node("a", directory: true), "nope"))

        hive.store.writeSessionFile("a", "summary", "done\n")
        XCTAssertEqual(names(node("a", directory: true))?.filter { $0.hasPrefix("summary") }, ["summary"])
        XCTAssertEqual(tree.lookup(node("a", directory: true), "summary"), node("a", "summary"))
        XCTAssertEqual(file("a", "summary")?.cache, .content(group: "a", keepsName: false))
        XCTAssertEqual(file("a", "state")?.cache, .content(group: "a"))
    }

    func testWhatChangesOnlyByAnnouncedChangesIsKeptWholeAndTheRestByName() throws {
        try make("a")
        for kept in ["agent", "command", "dir", "mode", "model", "prompt", "setup", "trust", "worktree",
                     "files", "git", "git.json", "permission", "permission.json", "state", "status", "status.json"] {
            XCTAssertEqual(file("a", kept)?.cache, .content(group: "a"), kept)
        }
        for named in ["control", "diff", "diff.stat", "events", "events.jsonl", "log", "queue", "screen"] {
            XCTAssertEqual(file("a", named)?.cache, .name, named)
        }
        for root in ["control", "events", "status", "status.json"] { XCTAssertEqual(file(root)?.cache, .name, root) }
        let entry = "a-20260101T000000Z"
        try FileManager.default.createDirectory(atPath: hive.store.historyEntryDir(entry), withIntermediateDirectories: true)
        try Data("new\n".utf8).write(to: URL(fileURLWithPath: hive.store.historyEntryDir(entry) + "/state"))
        XCTAssertEqual(file("history", entry, "state")?.cache, .content(group: "history/" + entry))
    }

    func testContentKeptUntilChangedNeverExpiresUnannouncedWhileNothingTicks() throws {
        try make("a")
        guard case .rendered(let render)? = file("a", "status")?.source, let status = render(.read) else {
            return XCTFail("no status")
        }
        XCTAssertNil(status.expires, "a new session's status shows no second ticking")
        guard let (r, _) = hive.snapshot("a") else { return XCTFail("no session") }
        guard case .rendered(let state)? = file("a", "state")?.source else { return XCTFail("no state") }
        XCTAssertEqual(state(.read)?.mtime, r.lastEvent, "the time of the last event, announced like every change")
        XCTAssertNil(state(.read)?.expires)
    }

    func testAWrittenSummaryIsAnnounced() throws {
        try make("a")
        let heard = Shared<[TreeNotice]>([])
        tree.watch { n in heard.update { $0.append(n) } }
        guard let s = hive.live("a") else { return XCTFail("no session") }
        hive.summaries.write(s)
        XCTAssertNotNil(Sys.stat(hive.store.sessionDir("a") + "/summary"))
        XCTAssertEqual(heard.get, [.changed(group: "a")])
    }

    func testGitIsPolledByTheRecordsAndTheFactsCounters() throws {
        try make("a")
        guard let (r, _) = hive.snapshot("a") else { return XCTFail("no session") }
        XCTAssertEqual(file("a", "git")?.poll?.version(), r.version)
        guard case .refreshed(let render, _)? = file("a", "git.json")?.source else { return XCTFail("git not refreshed") }
        XCTAssertEqual(render(.read)?.version, r.version, "the rendering carries the counter poll compares")
    }

    func testTheDiffIsRenderedOnlyOffTheWorkersAndReadsEmptyWithoutARepository() throws {
        try make("a")
        for name in ["diff", "diff.stat"] {
            guard case .slow(let render)? = file("a", name)?.source else { return XCTFail("\(name) is not slow") }
            XCTAssertEqual(render(.read)?.bytes, [], "a session in no repository: \(name) reads empty")
        }
    }

    func testHistoryEntriesShowTheFilesTheyKept() throws {
        let entry = "a-20260101T000000Z"
        let entryDir = hive.store.historyEntryDir(entry)
        try FileManager.default.createDirectory(atPath: entryDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: hive.store.historyEntryDir(".hidden"), withIntermediateDirectories: true)
        for f in ["state", "status", "control"] { try Data("x\n".utf8).write(to: URL(fileURLWithPath: entryDir + "/" + f)) }

        let history = node("history", directory: true)
        XCTAssertEqual(tree.lookup(history, entry), node("history", entry, directory: true))
        XCTAssertNil(tree.lookup(history, ".hidden"))
        XCTAssertNil(tree.lookup(history, "b-20260101T000000Z"))
        let e = node("history", entry, directory: true)
        XCTAssertEqual(names(e), ["state", "status"], "what it kept, and never control")
        XCTAssertNil(tree.lookup(e, "control"))
        XCTAssertNil(tree.lookup(e, "log"))
        XCTAssertEqual(file("history", entry, "state")?.mode, .readOnly)
        guard case .disk(let path)? = file("history", entry, "state")?.source else { return XCTFail("not on disk") }
        XCTAssertEqual(path, entryDir + "/state")
        guard case .directory(let d)? = tree.describe(e), case .refused(let err) = d.removal else { return XCTFail("removable") }
        XCTAssertEqual(err.errno, .permissionDenied)
        guard case .directory(let h)? = tree.describe(history), case .refused(let herr) = h.removal, h.make == nil else {
            return XCTFail("history removable or made in")
        }
        XCTAssertEqual(herr.errno, .permissionDenied)
    }

    func testASessionDirectoryIsRemovedToHistory() throws {
        try make("a")
        guard let (r, _) = hive.snapshot("a") else { return XCTFail("no session") }
        guard case .directory(let d)? = tree.describe(node("a", directory: true)), case .remove(let remove) = d.removal else {
            return XCTFail("not removable")
        }
        XCTAssertEqual(d.mtime, r.created)
        XCTAssertNil(d.make)
        let done = expectation(description: "removed")
        let answer = Shared<HiveError?>(.io("not answered"))
        remove(0) { answer.set($0); done.fulfill() }
        wait(for: [done], timeout: 10)
        XCTAssertNil(answer.get)
        XCTAssertNil(tree.lookup(.root, "a"))
        XCTAssertNil(tree.describe(node("a", directory: true)))
        XCTAssertEqual(names(node("history", directory: true))?.count, 1)
    }

    func testNoticesFollowTheHive() throws {
        let heard = Shared<[TreeNotice]>([])
        tree.watch { n in heard.update { $0.append(n) } }
        try make("a")
        let deadline = Date().addingTimeInterval(5)
        while !heard.get.contains(.changed(group: "a")) && Date() < deadline { usleep(10_000) }
        XCTAssertEqual(heard.get.first, .attributesChanged(node("a", directory: true)))
        XCTAssertTrue(heard.get.contains(.changed(group: "a")))
    }

    func testPathsOutsideTheShapeAreNothing() throws {
        try make("a")
        XCTAssertNil(tree.describe(node("a", "nope")))
        XCTAssertNil(tree.describe(node("a", "state", directory: true)), "a file's path is not a directory")
        XCTAssertNil(tree.describe(node("a", "state", "x")))
        XCTAssertNil(tree.lookup(node("a", "state"), "x"))
        XCTAssertNil(tree.listing(node("a", "state")))
        XCTAssertNil(tree.listing(node("zz", directory: true)))
    }
}

/// A value the test and a closure share across threads.
final class Shared<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    var get: Value { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: Value) { lock.lock(); value = v; lock.unlock() }
    func update(_ body: (inout Value) -> Void) { lock.lock(); body(&value); lock.unlock() }
}
