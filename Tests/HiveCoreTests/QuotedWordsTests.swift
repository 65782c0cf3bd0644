import XCTest
@testable import HiveCore

final class QuotedWordsTests: XCTestCase {
    private func split(_ s: String, file: StaticString = #filePath, line: UInt = #line) -> [String]? {
        assertNoThrow(s, file: file, line: line) { () throws(HiveError) in try QuotedWords.split(s) }
    }

    func testSplitsOnSpacesAndTabs() {
        XCTAssertEqual(split("a b\tc  d \t e"), ["a", "b", "c", "d", "e"])
    }

    func testEmptyAndBlankGiveNoWords() {
        XCTAssertEqual(split(""), [])
        XCTAssertEqual(split("  \t "), [])
    }

    func testDoubleQuotesGroup() {
        XCTAssertEqual(split(#"prompt="Add OAuth" agent=claude"#), ["prompt=Add OAuth", "agent=claude"])
        XCTAssertEqual(split(#""a b" c"#), ["a b", "c"])
    }

    func testQuotesJoinWithNeighbouringText() {
        XCTAssertEqual(split(#"a"b c"d e"#), ["ab cd", "e"])
    }

    func testEscapesInsideQuotes() {
        XCTAssertEqual(split(#""say \"hi\"""#), [#"say "hi""#])
        XCTAssertEqual(split(#""back\\slash""#), [#"back\slash"#])
    }

    func testOtherBackslashesStayLiteral() {
        XCTAssertEqual(split(#""a\nb\$c""#), [#"a\nb\$c"#])
        XCTAssertEqual(split(#"a\b c\"#), [#"a\b"#, #"c\"#])
    }

    func testNothingIsExpanded() {
        XCTAssertEqual(split("$(id) `id` ~ * ; | $HOME"), ["$(id)", "`id`", "~", "*", ";", "|", "$HOME"])
    }

    func testSingleQuotesAreOrdinaryCharacters() {
        XCTAssertEqual(split("'a b'"), ["'a", "b'"])
    }

    func testEmptyQuotesGiveAnEmptyWord() {
        XCTAssertEqual(split("\"\" x"), ["", "x"])
        XCTAssertEqual(split(#"k="""#), ["k="])
    }

    func testUnterminatedQuoteIsEINVAL() {
        for s in ["\"", #"a "b"#, #""abc\""#, #""abc\"#] {
            assertThrows(.EINVAL, s) { () throws(HiveError) in try QuotedWords.split(s) }
        }
    }

    func testQuoteLeavesPlainWordsAlone() {
        XCTAssertEqual(QuotedWords.quote("claude"), "claude")
        XCTAssertEqual(QuotedWords.quote("/src/app"), "/src/app")
    }

    func testQuoteQuotesWhatNeedsIt() {
        XCTAssertEqual(QuotedWords.quote(""), "\"\"")
        XCTAssertEqual(QuotedWords.quote("a b"), #""a b""#)
        XCTAssertEqual(QuotedWords.quote(#"say "hi""#), #""say \"hi\"""#)
        XCTAssertEqual(QuotedWords.quote(#"a\b"#), #""a\\b""#)
    }

    func testQuoteRoundTrips() {
        let values = ["", "plain", "two words", "\ttab", #"q"uote"#, #"back\slash"#, #"\""#, #"end\"#,
                      "ünïcödé 🐝", "$(rm -rf ~)", "a=b", "'single'", #"\\"#]
        for v in values {
            XCTAssertEqual(split(QuotedWords.quote(v)), [v], v)
        }
        let line = values.map(QuotedWords.quote).joined(separator: " ")
        XCTAssertEqual(split(line), values)
    }
}
