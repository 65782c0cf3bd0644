import XCTest
@testable import HiveCore

/// A handle's writes to `queue` put back together into lines, whatever blocks they came in.
final class PromptLinesTests: XCTestCase {
    func testALineSplitAcrossWritesComesOutWhole() {
        var l = PromptLines()
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes("first li")) }, [])
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes("ne\nsecond")) }, bytes("first line\n"))
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes(" line\nthi")) }, bytes("second line\n"))
        XCTAssertEqual(l.finish(), bytes("thi\n"), "the rest is the last line, at close")
        XCTAssertNil(l.finish(), "once")
    }

    func testAUTF8CharacterCutBetweenWritesIsWholeInItsLine() throws {
        let all = Array("é✓\n".utf8)
        var l = PromptLines()
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(Array(all[0..<1])) }, [])
        let line = try XCTUnwrap(assertNoThrow { () throws(HiveError) in try l.take(Array(all[1...])) })
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try PromptQueue.prompts(line) }, ["é✓"])
    }

    func testAnUnfinishedLineOverTheLimitIsE2BIGAtOnceAndDroppedToItsNewline() {
        var l = PromptLines()
        let chunk = bytes(String(repeating: "x", count: 40_000))
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(chunk) }, [])
        assertThrows(.E2BIG) { () throws(HiveError) in try l.take(chunk) }
        XCTAssertEqual(l.rest, [], "dropped")
        assertThrows(.E2BIG) { () throws(HiveError) in try l.take(chunk) }
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes("xx\nnext\n")) }, bytes("next\n"),
                       "the long line ends at its newline; the next line is taken")
        XCTAssertNil(l.finish())
    }

    func testADroppedLineWhoseEndIsTheWritesOnlyNewlineLeavesNothing() {
        // `python -c 'print("x" * 70000)' > queue`: two blocks, the second ending the line.
        var l = PromptLines()
        assertThrows(.E2BIG) { () throws(HiveError) in try l.take(bytes(String(repeating: "x", count: 66_000))) }
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes(String(repeating: "x", count: 4_000) + "\n")) }, [])
        XCTAssertFalse(l.dropping)
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes("next\n")) }, bytes("next\n"))
    }

    func testALineOfExactlyTheLimitWithItsCRIsKept() {
        var l = PromptLines()
        let most = String(repeating: "y", count: PromptQueue.maxLine)
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes(most + "\r")) }, [])
        XCTAssertEqual(assertNoThrow { () throws(HiveError) in try l.take(bytes("\n")) }?.count, PromptQueue.maxLine + 2)
    }
}
