import Foundation
import XCTest
@testable import HiveCore

/// `BranchName.validate` against the rules of git-check-ref-format(1). Each case was
/// checked by hand with `git check-ref-format --branch NAME` (git 2.39); the tests do
/// not run git.
final class BranchNameTests: XCTestCase {
    private func accept(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotNil(assertNoThrow(name.debugDescription, file: file, line: line) { () throws(HiveError) in
            try BranchName.validate(name)
        }, file: file, line: line)
    }

    @discardableResult
    private func refuse(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> HiveError? {
        let e = assertThrows(.EINVAL, name.debugDescription, file: file, line: line) { () throws(HiveError) in
            try BranchName.validate(name)
        }
        if let e {
            XCTAssertTrue(e.reason.contains("worktree="), "the reason names the key: \(e.reason)", file: file, line: line)
        }
        return e
    }

    func testAcceptsWhatGitAccepts() {
        for name in ["hive/auth", "feature/x-1", "fix_2", "a/b/c",
                     // git accepts these too:
                     "x/-y", "a@b", "@/x", "x.lock.y", "a./b", "h\u{E9}llo", "release/1.2"] {
            accept(name)
        }
    }

    func testEmpty() { refuse("") }
    func testLeadingDash() { refuse("-x"); refuse("-") }
    func testLeadingOrTrailingSlash() { refuse("/x"); refuse("x/") }
    func testTwoDots() { refuse("a..b"); refuse("x/..y") }
    func testEmptyPart() { refuse("a//b") }
    func testLockSuffix() { refuse("x.lock"); refuse("a/.lock") }
    func testTrailingDot() { refuse("x."); refuse("a/b.") }
    func testAt() { refuse("@") }
    func testAtBrace() { refuse("a@{b"); refuse("@{-1}") }
    func testPartStartingWithDot() { refuse(".hidden"); refuse("a/.b"); refuse("a/.") }

    func testForbiddenCharacters() {
        for name in ["has space", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b", "a\\b"] {
            refuse(name)
        }
    }

    func testControlCharacters() {
        for name in ["a\u{1}b", "a\tb", "a\nb", "a\u{1B}b", "a\u{7F}b", "tab\t"] {
            refuse(name)
        }
    }

    func testTheReasonIsOneLineEvenForAControlCharacter() {
        let e = refuse("a\nb")
        XCTAssertEqual(e?.reason.contains("a\\nb"), true, e?.reason ?? "")
    }

    func testTheReasonOfALongNameIsShortened() {
        let e = refuse(String(repeating: "x", count: 300) + " y")
        XCTAssertLessThan(e?.reason.count ?? 0, 300, e?.reason ?? "")
    }

    // MARK: where git is stricter

    /// git-check-ref-format(1) rule 1: no slash-separated component may end with
    /// `.lock`, not only the last one. `git check-ref-format --branch` refuses these,
    /// and `git branch` / `git worktree add -b` fail on them.
    func testAComponentEndingInLockIsRefused() {
        refuse("a.lock/b")
        refuse("a/b.lock/c")
    }

    /// `git check-ref-format --branch HEAD` and `git branch HEAD` refuse "HEAD".
    func testHEADIsRefused() {
        refuse("HEAD")
    }
}
