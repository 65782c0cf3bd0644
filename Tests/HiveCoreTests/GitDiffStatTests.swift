import Foundation
import XCTest
@testable import HiveCore

/// `GitDiffStat.parse` on `git diff --shortstat` lines. git prints them with a
/// leading space and a trailing newline, and leaves out a zero count of
/// insertions or deletions unless the other one is there too.
final class GitDiffStatTests: XCTestCase {
    private func assertStat(_ line: String, _ files: Int, _ insertions: Int, _ deletions: Int,
                            file: StaticString = #filePath, line testLine: UInt = #line) {
        let d = GitDiffStat.parse(line)
        XCTAssertEqual(d.files, files, "files of \(line.debugDescription)", file: file, line: testLine)
        XCTAssertEqual(d.insertions, insertions, "insertions of \(line.debugDescription)", file: file, line: testLine)
        XCTAssertEqual(d.deletions, deletions, "deletions of \(line.debugDescription)", file: file, line: testLine)
        XCTAssertEqual(d, GitDiffStat(files: files, insertions: insertions, deletions: deletions), file: file, line: testLine)
    }

    func testOneFileOneInsertion() {
        assertStat("1 file changed, 1 insertion(+)", 1, 1, 0)
    }

    func testFilesInsertionsAndDeletions() {
        assertStat("3 files changed, 10 insertions(+), 2 deletions(-)", 3, 10, 2)
    }

    func testDeletionsOnly() {
        assertStat("2 files changed, 5 deletions(-)", 2, 0, 5)
    }

    func testOneDeletion() {
        assertStat("1 file changed, 1 deletion(-)", 1, 0, 1)
    }

    func testEmptyIsNoChange() {
        assertStat("", 0, 0, 0)
        assertStat("\n", 0, 0, 0)
        XCTAssertEqual(GitDiffStat.parse(""), GitDiffStat())
    }

    func testAsGitPrintsIt() {
        // Bytes of `git diff --shortstat` (git 2.39).
        assertStat(" 6 files changed, 6 insertions(+)\n", 6, 6, 0)
        assertStat(" 3 files changed, 10 insertions(+), 2 deletions(-)\n", 3, 10, 2)
        assertStat(" 2 files changed, 5 deletions(-)\n", 2, 0, 5)
    }

    func testTrailingNewline() {
        assertStat("1 file changed, 1 insertion(+)\n", 1, 1, 0)
        assertStat("3 files changed, 10 insertions(+), 2 deletions(-)\n", 3, 10, 2)
    }

    func testLeadingSpace() {
        assertStat(" 1 file changed, 1 insertion(+)", 1, 1, 0)
        assertStat(" 2 files changed, 5 deletions(-)", 2, 0, 5)
    }

    func testAPureRenameShowsZeros() {
        // `git mv a b; git diff --cached --shortstat`
        assertStat(" 1 file changed, 0 insertions(+), 0 deletions(-)\n", 1, 0, 0)
    }

    func testLargeNumbers() {
        assertStat(" 1204 files changed, 98765 insertions(+), 43210 deletions(-)\n", 1204, 98765, 43210)
    }

    func testGarbageIsNoChange() {
        assertStat("fatal: bad revision 'x'\n", 0, 0, 0)
        assertStat("files changed", 0, 0, 0)
        assertStat("three files changed", 0, 0, 0)
    }
}
