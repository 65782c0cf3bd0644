import Foundation
import HiveCore
@testable import HiveLink
import XCTest

/// Another host's `status.json` objects as this host's root shows them, and the
/// offsets of its events kept across restarts.
final class RemoteSessionsTests: XCTestCase {
    let object = Array(#"{"name":"fix-db","state":"idle","attach":"tmux -L hive attach -t fix-db","ended":null}"#.utf8)
    let ssh = ["ssh", "-F", "/home/ana/my config", "-t", "-o", "BatchMode=yes", "box", "--"]

    func parsed(_ bytes: [UInt8]?) throws -> [String: Any] {
        let b = try XCTUnwrap(bytes)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(b)) as? [String: Any])
    }

    func testTheNameIsTheHostsAndAttachGoesThroughSSH() throws {
        let o = try parsed(SessionObject.rename(object, host: "box", attachVia: ssh))
        XCTAssertEqual(o["name"] as? String, "@box/fix-db")
        XCTAssertEqual(o["state"] as? String, "idle")
        let attach = try XCTUnwrap(o["attach"] as? String)
        // After `--`, one word: ssh hands it to the shell there, which splits it.
        XCTAssertEqual(try CommandLineWords.split(attach), ssh + ["tmux -L hive attach -t fix-db"])
        XCTAssertTrue(o["ended"] is NSNull)
    }

    func testWithoutSSHAttachIsNullNeverTmuxHere() throws {
        let o = try parsed(SessionObject.rename(object, host: "box", attachVia: nil))
        XCTAssertTrue(o["attach"] is NSNull)
        let ended = Array(#"{"name":"old","state":"exited","attach":null}"#.utf8)
        XCTAssertTrue(try parsed(SessionObject.rename(ended, host: "box", attachVia: ssh))["attach"] is NSNull)
    }

    func testAnObjectThatIsNotHivefsOwnOrIsAnotherHostsIsRefused() {
        XCTAssertNil(SessionObject.rename(Array(#"{"state":"idle","name":"x"}"#.utf8), host: "box", attachVia: ssh))
        XCTAssertNil(SessionObject.rename(Array("garbage".utf8), host: "box", attachVia: ssh))
        XCTAssertNil(SessionObject.rename(Array(#"{"name":"x","attach":"unterminated"#.utf8), host: "box", attachVia: ssh))
        XCTAssertNil(SessionObject.rename(Array(#"{"name":"x","state":}"#.utf8), host: "box", attachVia: ssh), "not JSON")
        XCTAssertNil(SessionObject.rename(Array(#"{"name":"@gpu/x","state":"idle"}"#.utf8), host: "box", attachVia: ssh),
                     "its own other hosts' sessions are theirs to tell")
    }

    func testAnEscapedQuoteInAttachIsPassedOverNotCut() throws {
        let odd = Array(#"{"name":"x","attach":"tmux \"odd\" attach","state":"idle"}"#.utf8)
        let o = try parsed(SessionObject.rename(odd, host: "box", attachVia: ssh))
        XCTAssertTrue(o["attach"] is NSNull, "not the line hivefs writes: null, never a line cut in two")
        XCTAssertEqual(o["state"] as? String, "idle")
    }

    func testOffsetsAreKeptAcrossARestart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hivefs-offsets-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/hosts.events"
        let a = HostOffsets(path: path)
        XCTAssertNil(a.offset("box"))
        try a.set("box", 120)
        try a.set("gpu", 7)
        try a.set("box", 4096)
        let b = HostOffsets(path: path)
        XCTAssertEqual(b.offset("box"), 4096)
        XCTAssertEqual(b.offset("gpu"), 7)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "box 4096\ngpu 7\n")
        XCTAssertThrowsError(try HostOffsets(path: dir + "/missing/hosts.events").set("box", 1), "a file that cannot be written says so")
    }
}
