import Foundation
import Logging
import XCTest
@testable import HiveCore
@testable import HiveRuntime

/// `record.json` spares a restart the replay of a long log; whatever state it is
/// found in, the record read back is the replay of the whole log.
final class StateStoreCheckpointTests: XCTestCase {
    private var dir = ""
    private var store: StateStore!
    private let session = "long"

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hivefs-store-\(getpid())-\(UUID().uuidString.prefix(8))"
        store = try StateStore(root: dir, logger: Logger(label: "test"))
        try store.createSession(session)
    }

    override func tearDown() {
        store = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A log with something of everything a record folds: states, files, tools, errors.
    private func events(_ count: Int) -> [Event] {
        var out = [Event(time: Timestamp(milliseconds: 1_000), session: session, kind: EventKind.created, spec: SessionSpec())]
        for i in 1..<count {
            let at = Timestamp(milliseconds: 1_000 + Int64(i) * 10)
            switch i % 5 {
            case 0: out.append(Event(time: at, session: session, kind: EventKind.state, detail: "working", state: .working, pid: 42))
            case 1:
                var e = Event(time: at, session: session, kind: EventKind.tool, detail: "Edit src/\(i).swift")
                e.tool = "Edit src/\(i).swift"; e.action = "edit"; e.path = "src/\(i % 7).swift"; e.hook = Int64(i * 100)
                out.append(e)
            case 2: out.append(Event(time: at, session: session, kind: EventKind.state, detail: "idle", state: .idle))
            case 3: out.append(Event(time: at, session: session, kind: EventKind.error, detail: "EINVAL bad", reason: "bad", errno: "EINVAL"))
            default:
                var e = Event(time: at, session: session, kind: EventKind.prompt, detail: "do \(i)")
                e.message = "line \(i)\nnext"
                out.append(e)
            }
        }
        return out
    }

    private func append(_ events: some Sequence<Event>) throws {
        for e in events { store.append(e, durable: false) }
    }

    private func lines(_ path: String) -> Int {
        (Sys.readFile(path, limit: Int.max) ?? []).filter { $0 == UInt8(ascii: "\n") }.count
    }

    func testTheRecordReadBackIsTheReplayOfTheWholeLog() throws {
        let all = events(300)
        try append(all[..<120])
        store.checkpoint(try XCTUnwrap(SessionRecord.replay(Array(all[..<120]))))
        try append(all[120...])
        XCTAssertEqual(store.loadRecord(session)?.record, SessionRecord.replay(all))
        XCTAssertEqual(store.loadRecord(session)?.replayed, 180, "only what follows the checkpoint is replayed")
        XCTAssertEqual(lines(store.eventsTextPath(session)), 300, "no text line written twice")
    }

    func testACheckpointAheadOfItsLogIsNotUsed() throws {
        let all = events(100)
        try append(all)
        store.checkpoint(try XCTUnwrap(SessionRecord.replay(all)))
        // The log loses its last 40 lines (they were never fsync'd), the checkpoint survives.
        let bytes = try XCTUnwrap(Sys.readFile(store.eventsJSONLPath(session), limit: Int.max))
        let cut = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }[59] + 1
        try Sys.truncate(store.eventsJSONLPath(session), Int64(cut))
        XCTAssertEqual(store.loadRecord(session)?.record, SessionRecord.replay(Array(all[..<60])))
    }

    func testACheckpointThatDoesNotEndALineIsNotUsed() throws {
        let all = events(80)
        try append(all[..<50])
        store.checkpoint(try XCTUnwrap(SessionRecord.replay(Array(all[..<50]))))
        try append(all[50...])
        let path = store.checkpointPath(session)
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        // It points into line 45 rather than past line 50: read from there, five events would count twice.
        let bytes = try XCTUnwrap(Sys.readFile(store.eventsJSONLPath(session), limit: Int.max))
        json["jsonl"] = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\n") }[44] - 3
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(store.loadRecord(session)?.record, SessionRecord.replay(all))
    }

    func testAnUnreadableCheckpointIsNotUsed() throws {
        let all = events(40)
        try append(all)
        for garbage in ["", "{", "{\"format\":99}", String(repeating: "\u{0}", count: 64)] {
            try Sys.writeFileAtomically(store.checkpointPath(session), Array(garbage.utf8))
            XCTAssertEqual(store.loadRecord(session)?.record, SessionRecord.replay(all), garbage)
            XCTAssertEqual(store.loadRecord(session)?.replayed, all.count, "without a checkpoint, all of it")
        }
    }

    func testATornLineAfterTheCheckpointIsCutOff() throws {
        let all = events(60)
        try append(all[..<30])
        store.checkpoint(try XCTUnwrap(SessionRecord.replay(Array(all[..<30]))))
        try append(all[30...])
        let fd = try Sys.openAppend(store.eventsJSONLPath(session))
        try Sys.writeAll(fd, Array("{\"time\":\"2026-11-2".utf8))
        try fd.close()
        XCTAssertEqual(store.loadRecord(session)?.record, SessionRecord.replay(all))
        XCTAssertEqual(Sys.readFile(store.eventsJSONLPath(session), limit: Int.max)?.last, UInt8(ascii: "\n"))
    }

    func testTextLinesMissingAfterTheCheckpointAreWrittenAgain() throws {
        let all = events(70)
        try append(all[..<20])
        store.checkpoint(try XCTUnwrap(SessionRecord.replay(Array(all[..<20]))))
        let textAtCheckpoint = try XCTUnwrap(Sys.stat(store.eventsTextPath(session))).st_size
        try append(all[20...])
        try Sys.truncate(store.eventsTextPath(session), Int64(textAtCheckpoint) + 5)
        XCTAssertEqual(store.loadRecord(session)?.record, SessionRecord.replay(all))
        let text = String(decoding: Sys.readFile(store.eventsTextPath(session), limit: Int.max) ?? [], as: UTF8.self)
        XCTAssertEqual(text, all.map(\.textLine).joined())
    }
}
