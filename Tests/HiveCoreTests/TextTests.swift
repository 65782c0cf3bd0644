import Foundation
import XCTest
@testable import HiveCore

final class TextTests: XCTestCase {
    func testOneLineEscapes() {
        XCTAssertEqual(Text.oneLine("a\nb"), "a\\nb")
        XCTAssertEqual(Text.oneLine("a\r\nb"), "a\\r\\nb")
        XCTAssertEqual(Text.oneLine("\t"), "\\t")
        XCTAssertEqual(Text.oneLine("\\"), "\\\\")
        XCTAssertEqual(Text.oneLine("\u{0}\u{1B}\u{1F}\u{7F}"), "\\x00\\x1b\\x1f\\x7f")
    }

    func testOneLineKeepsPrintableText() {
        let s = "plain text: ünïcödé 🐝 \"quotes\" 'single' $(x) ~"
        XCTAssertEqual(Text.oneLine(s), s)
        XCTAssertEqual(Text.oneLine(""), "")
    }

    func testOneLineNeverHoldsAControlCharacter() {
        var s = ""
        for v in 0..<0x80 { s.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        let line = Text.oneLine(s)
        XCTAssertFalse(line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }

    func testPrintableShortens() {
        let long = String(repeating: "x", count: 81)
        XCTAssertEqual(Text.printable(long), String(repeating: "x", count: 80) + "…")
        XCTAssertEqual(Text.printable(String(repeating: "x", count: 80)), String(repeating: "x", count: 80))
        XCTAssertEqual(Text.printable("abcdef", limit: 3), "abc…")
        XCTAssertEqual(Text.printable("a\nb"), "a\\nb")
    }

    func testOrDash() {
        XCTAssertEqual(Text.orDash(nil), "-")
        XCTAssertEqual(Text.orDash(""), "-")
        XCTAssertEqual(Text.orDash("x"), "x")
        XCTAssertEqual(Text.orDash("a\nb"), "a\\nb")
    }

    func testShellQuote() {
        XCTAssertEqual(Text.shellQuote("abc-_./=:,+@%09"), "abc-_./=:,+@%09")
        XCTAssertEqual(Text.shellQuote(""), "''")
        XCTAssertEqual(Text.shellQuote("a b"), "'a b'")
        XCTAssertEqual(Text.shellQuote("it's"), #"'it'\''s'"#)
        XCTAssertEqual(Text.shellQuote("$HOME"), "'$HOME'")
        XCTAssertEqual(Text.shellQuote("~"), "'~'")
        XCTAssertEqual(Text.shellQuote("*"), "'*'")
    }

    func testShellQuoteSurvivesARealShell() throws {
        #if os(Linux) || os(macOS)
        let words = ["it's", "a \"b\"", "$(echo pwned)", "`id`", "~", "*", "", "back\\slash", "; rm -rf /"]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "printf '%s\\n' " + words.map(Text.shellQuote).joined(separator: " ")]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let got = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(got, words.map { $0 + "\n" }.joined())
        #endif
    }
}
