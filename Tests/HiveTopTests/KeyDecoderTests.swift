import XCTest
@testable import HiveTop

final class KeyDecoderTests: XCTestCase {
    func testTextControlAndArrows() {
        var d = KeyDecoder()
        XCTAssertEqual(d.feed(Array("aé\r\t\u{7F}\u{03}".utf8)), [.char("a"), .char("é"), .enter, .tab, .backspace, .ctrl("c")])
        XCTAssertEqual(d.feed(Array("\u{1B}[A\u{1B}[B\u{1B}OC\u{1B}[D".utf8)), [.up, .down, .right, .left])
        XCTAssertEqual(d.feed(Array("\u{1B}[5~\u{1B}[6~\u{1B}[1~\u{1B}[4~\u{1B}[3~\u{1B}[H\u{1B}[F".utf8)),
                       [.pageUp, .pageDown, .home, .end, .delete, .home, .end])
    }

    func testASequenceSplitAcrossReadsWaitsForItsEnd() {
        var d = KeyDecoder()
        XCTAssertEqual(d.feed([0x1B, UInt8(ascii: "[")]), [])
        XCTAssertEqual(d.feed([UInt8(ascii: "5")]), [])
        XCTAssertEqual(d.feed([UInt8(ascii: "~"), UInt8(ascii: "q")]), [.pageUp, .char("q")])
        // A multi-byte character cut in two.
        let e = Array("→".utf8)
        XCTAssertEqual(d.feed(Array(e[0..<1])), [])
        XCTAssertEqual(d.feed(Array(e[1...])), [.char("→")])
    }

    func testALoneEscapeIsAKey() {
        var d = KeyDecoder()
        XCTAssertEqual(d.feed([0x1B]), [.escape])
        XCTAssertEqual(d.feed([0x1B, 0x1B]), [.escape, .escape])
    }

    func testUnknownSequencesAreDropped() {
        var d = KeyDecoder()
        XCTAssertEqual(d.feed(Array("\u{1B}[200~x".utf8)), [.char("x")])
        XCTAssertEqual(d.feed(Array("\u{1B}[1;5Az".utf8)), [.up, .char("z")])
    }
}

final class LineEditorTests: XCTestCase {
    func type(_ e: inout LineEditor, _ s: String) { for c in s { _ = e.apply(.char(c)) } }

    func testEditing() {
        var e = LineEditor()
        type(&e, "fix the bug")
        _ = e.apply(.ctrl("w"))
        XCTAssertEqual(e.string, "fix the ")
        _ = e.apply(.home)
        type(&e, "please ")
        XCTAssertEqual(e.string, "please fix the ")
        _ = e.apply(.end); _ = e.apply(.backspace); _ = e.apply(.left); _ = e.apply(.delete)
        XCTAssertEqual(e.string, "please fix th")
        _ = e.apply(.ctrl("u"))
        XCTAssertEqual(e.string, "")
        XCTAssertFalse(e.apply(.up))
    }

    func testTheVisiblePartKeepsTheCursorInView() {
        var e = LineEditor()
        type(&e, String(repeating: "x", count: 50) + "END")
        let (text, at) = e.visible(10)
        XCTAssertTrue(text.hasSuffix("END"), text)
        XCTAssertEqual(at, 9)
        XCTAssertLessThanOrEqual(Cells.width(text), 10)
    }
}

final class CellsTests: XCTestCase {
    func testWidths() {
        XCTAssertEqual(Cells.width("abc"), 3)
        XCTAssertEqual(Cells.width("日本"), 4)
        XCTAssertEqual(Cells.width("e\u{301}"), 1)
        XCTAssertEqual(Cells.width("🐝"), 2)
    }

    func testFitNeverExceedsTheWidthAndMarksTheCut() {
        XCTAssertEqual(Cells.fit("abcdef", 4), "abc…")
        XCTAssertEqual(Cells.fit("abc", 4), "abc")
        XCTAssertEqual(Cells.fit("日本語テキスト", 5), "日本…")
        XCTAssertEqual(Cells.pad("ab", 4), "ab  ")
        XCTAssertEqual(Cells.padLeft("ab", 4), "  ab")
        XCTAssertEqual(Cells.printable("a\u{1B}[2Jb\tc"), "a?[2Jb c")
    }
}
