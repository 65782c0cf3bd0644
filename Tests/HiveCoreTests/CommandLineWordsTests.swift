import XCTest
@testable import HiveCore

final class CommandLineWordsTests: XCTestCase {
    private func split(_ s: String, file: StaticString = #filePath, line: UInt = #line) -> [String]? {
        assertNoThrow(s, file: file, line: line) { () throws(HiveError) in try CommandLineWords.split(s) }
    }

    func testPlainWords() {
        XCTAssertEqual(split("claude --model opus"), ["claude", "--model", "opus"])
        XCTAssertEqual(split("  a \t b\nc\r\nd  "), ["a", "b", "c", "d"])
        XCTAssertEqual(split(""), [])
        XCTAssertEqual(split("   "), [])
    }

    func testSingleQuotesKeepEverything() {
        XCTAssertEqual(split(#"sh -c 'echo "$HOME" \n; ls'"#), ["sh", "-c", #"echo "$HOME" \n; ls"#])
    }

    func testDoubleQuotesGroupAndEscape() {
        XCTAssertEqual(split(#"echo "a b" "q\"q" "b\\s" "d\$" "t\`""#), ["echo", "a b", #"q"q"#, #"b\s"#, "d$", "t`"])
    }

    func testOtherBackslashesInsideDoubleQuotesStay() {
        XCTAssertEqual(split(#""a\nb""#), [#"a\nb"#])
    }

    func testBackslashOutsideQuotesEscapesOneCharacter() {
        XCTAssertEqual(split(#"a\ b c\'d \"e"#), ["a b", "c'd", #""e"#])
    }

    func testAdjacentPartsMakeOneWord() {
        XCTAssertEqual(split(#"--msg='it'"s"\ ok"#), ["--msg=its ok"])
    }

    func testEmptyQuotesAreAnEmptyArgument() {
        XCTAssertEqual(split("a '' \"\" b"), ["a", "", "", "b"])
    }

    func testNoExpansionOfAnyKind() {
        XCTAssertEqual(split("echo $(rm -rf /) `id` $HOME ~ *.swift a;b c|d e&&f > out"),
                       ["echo", "$(rm", "-rf", "/)", "`id`", "$HOME", "~", "*.swift", "a;b", "c|d", "e&&f", ">", "out"])
    }

    func testUnterminatedQuotesAreEINVAL() {
        for s in ["echo 'abc", #"echo "abc"#, #"echo "abc\""#, #"echo "abc\"#, "'"] {
            assertThrows(.EINVAL, s) { () throws(HiveError) in try CommandLineWords.split(s) }
        }
    }

    func testLoneTrailingBackslashIsEINVAL() {
        assertThrows(.EINVAL) { () throws(HiveError) in try CommandLineWords.split(#"echo abc\"#) }
    }

    func testJoinQuotesOnlyWhatNeedsIt() {
        XCTAssertEqual(CommandLineWords.join(["claude", "--session-id", "4f1c-9", "--model=opus", "/a/b.c"]),
                       "claude --session-id 4f1c-9 --model=opus /a/b.c")
        XCTAssertEqual(CommandLineWords.join(["echo", "a b", ""]), "echo 'a b' ''")
        XCTAssertEqual(CommandLineWords.join(["it's"]), #"'it'\''s'"#)
        XCTAssertEqual(CommandLineWords.join(["$(id)"]), "'$(id)'")
    }

    func testJoinThenSplitGivesTheWordsBack() {
        let cases: [[String]] = [
            ["claude"],
            ["sh", "-c", "echo \"$HOME\"; ls | wc -l"],
            ["it's", "a \"test\"", "back\\slash", "", " ", "\t", "ünï 🐝", "'", "\\"],
            ["line\nbreak", "*", "~", "a;b"],
        ]
        for words in cases {
            XCTAssertEqual(split(CommandLineWords.join(words)), words)
        }
    }
}
