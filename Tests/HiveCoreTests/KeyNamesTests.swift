import XCTest
@testable import HiveCore

final class KeyNamesTests: XCTestCase {
    func testNamedKeys() {
        for k in ["Enter", "Escape", "Tab", "BTab", "BSpace", "Space", "Up", "Down", "Left", "Right",
                  "Home", "End", "PageUp", "PageDown", "PgUp", "PgDn", "DC", "IC", "F1", "F5", "F12", "KP0", "KPEnter"] {
            XCTAssertTrue(KeyNames.isValid(k), k)
        }
    }

    func testSinglePrintableCharacters() {
        for k in ["y", "n", "1", "Y", "?", "/", ".", "~", "!", "-"] {
            XCTAssertTrue(KeyNames.isValid(k), k)
        }
    }

    func testModifierCombinations() {
        for k in ["C-c", "C-d", "M-x", "S-Tab", "C-Left", "M-Enter", "C-M-x", "C-M-S-Up", "C-/"] {
            XCTAssertTrue(KeyNames.isValid(k), k)
        }
    }

    func testAtMostThreeModifiers() {
        XCTAssertFalse(KeyNames.isValid("C-M-S-C-x"))
    }

    func testRefusesTextAndSyntax() {
        for k in ["$(rm)", "Enter;", "foo", "enter", "ENTER", "F13", "F0", "", "ab", "C-", "M-", "C-cc", "X-c",
                  "C-foo", "Enter Enter", " ", "\t", "é", "🐝", "\u{7F}", "\u{1B}", "\n", "C-\n", "-Enter", "C--x"] {
            XCTAssertFalse(KeyNames.isValid(k), k.debugDescription)
        }
    }

    func testValidateThrowsEINVALNamingTheKey() {
        let e = assertThrows(.EINVAL) { () throws(HiveError) in try KeyNames.validate("$(rm)") }
        XCTAssertEqual(e?.reason.contains("$(rm)"), true, e?.reason ?? "")
        XCTAssertNotNil(assertNoThrow { () throws(HiveError) in try KeyNames.validate("Enter") })
    }

    func testKeysRefuseTheTmuxCommandSeparator() {
        // tmux reads an argument ending in ';' as a command separator, even after
        // `send-keys --` (cmd_parse_from_arguments). Tmux.sendKeys passes the names as
        // arguments, so `keys ; w` runs `tmux send-keys -t S -- ; w`, i.e. `wait-for`:
        // tmux syntax smuggled through `keys`, which KeyNames promises never happens.
        for k in [";", "C-;", "M-;"] {
            XCTAssertFalse(KeyNames.isValid(k), k)
        }
    }
}
