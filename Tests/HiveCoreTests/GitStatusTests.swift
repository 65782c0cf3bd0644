import Foundation
import XCTest
@testable import HiveCore

/// `GitStatus.parse` on what `git status --porcelain=v2 --branch -z` printed (git 2.39)
/// in scratch repositories; each fixture is that output, byte for byte, one field a
/// line here. The tests do not run git.
final class GitStatusTests: XCTestCase {
    // MARK: fixtures

    /// main, tracking origin/main, 2 commits ahead and 1 behind (a second clone pushed one),
    /// with: both.txt staged then modified again, héllo.txt / mod.txt / "with space.txt"
    /// modified and not staged, old.txt renamed to renamed.txt with `git mv`,
    /// staged-new.txt added, untracked.txt untracked.
    static let working = bytes(
        "# branch.oid 37c308543b208dc5c961a4183bb5e5321e438a5b\u{0}"
            + "# branch.head main\u{0}"
            + "# branch.upstream origin/main\u{0}"
            + "# branch.ab +2 -1\u{0}"
            + "1 MM N... 100644 100644 100644 49f33a8c6e8bb31f5d7c68f9c298cac55ec7cd85 1145844177abc3deb6076ef16882d0c1556d554e both.txt\u{0}"
            + "1 .M N... 100644 100644 100644 975fbec8256d3e8a3797e7a3611380f27c49f4ac 975fbec8256d3e8a3797e7a3611380f27c49f4ac h\u{E9}llo.txt\u{0}"
            + "1 .M N... 100644 100644 100644 5626abf0f72e58d7a153368ba57db4c673c0e171 5626abf0f72e58d7a153368ba57db4c673c0e171 mod.txt\u{0}"
            + "2 R. N... 100644 100644 100644 4286f428e3b19fe84de503916ce0e7dc8deefea1 4286f428e3b19fe84de503916ce0e7dc8deefea1 R100 renamed.txt\u{0}"
            + "old.txt\u{0}"
            + "1 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 3e757656cf36eca53338e520d134963a44f793f8 staged-new.txt\u{0}"
            + "1 .M N... 100644 100644 100644 587be6b4c3f93f93c489c0111bba5596147a26cb 587be6b4c3f93f93c489c0111bba5596147a26cb with space.txt\u{0}"
            + "? untracked.txt\u{0}")

    /// The same work tree with `--ignored`: debug.log matches `*.log` in .gitignore.
    static let workingWithIgnored = bytes(
        "# branch.oid 37c308543b208dc5c961a4183bb5e5321e438a5b\u{0}"
            + "# branch.head main\u{0}"
            + "# branch.upstream origin/main\u{0}"
            + "# branch.ab +2 -1\u{0}"
            + "1 MM N... 100644 100644 100644 49f33a8c6e8bb31f5d7c68f9c298cac55ec7cd85 1145844177abc3deb6076ef16882d0c1556d554e both.txt\u{0}"
            + "1 .M N... 100644 100644 100644 975fbec8256d3e8a3797e7a3611380f27c49f4ac 975fbec8256d3e8a3797e7a3611380f27c49f4ac h\u{E9}llo.txt\u{0}"
            + "1 .M N... 100644 100644 100644 5626abf0f72e58d7a153368ba57db4c673c0e171 5626abf0f72e58d7a153368ba57db4c673c0e171 mod.txt\u{0}"
            + "2 R. N... 100644 100644 100644 4286f428e3b19fe84de503916ce0e7dc8deefea1 4286f428e3b19fe84de503916ce0e7dc8deefea1 R100 renamed.txt\u{0}"
            + "old.txt\u{0}"
            + "1 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 3e757656cf36eca53338e520d134963a44f793f8 staged-new.txt\u{0}"
            + "1 .M N... 100644 100644 100644 587be6b4c3f93f93c489c0111bba5596147a26cb 587be6b4c3f93f93c489c0111bba5596147a26cb with space.txt\u{0}"
            + "? untracked.txt\u{0}"
            + "! debug.log\u{0}")

    /// `git merge other` stopped: added.txt added on both sides, conflict.txt changed on
    /// both, gone.txt deleted by them, gone2.txt deleted by us; note.txt untracked.
    static let conflicted = bytes(
        "# branch.oid 2df1819a4ac67532418a77d2227b90d1927d9090\u{0}"
            + "# branch.head main\u{0}"
            + "u AA N... 000000 100644 100644 100644 0000000000000000000000000000000000000000 81532b1a85204c33becebe31e89afda76f527052 516cca4e92cb1f68431760929b76fc9c9e7e45b8 added.txt\u{0}"
            + "u UU N... 100644 100644 100644 100644 df967b96a579e45a18b8251732d16804b2e56a55 ba2906d0666cf726c7eaadd2cd3db615dedfdf3a e45c9c2666d44e0327c1f9c239a74c508336053e conflict.txt\u{0}"
            + "u UD N... 100644 100644 000000 100644 2fa992c0b8b5c6acd2bdd4fa31de29d29799bdd5 d9ef3a173b8fa1a8c7588de7f8f8d65c2d3560c5 0000000000000000000000000000000000000000 gone.txt\u{0}"
            + "u DU N... 100644 000000 100644 100644 2fa992c0b8b5c6acd2bdd4fa31de29d29799bdd5 0000000000000000000000000000000000000000 5ea2ed416fbd4a4cbe227b75fe255dd7fa6bd4d6 gone2.txt\u{0}"
            + "? note.txt\u{0}")

    /// `git checkout --detach HEAD~1`, then conflict.txt edited.
    static let detached = bytes(
        "# branch.oid f51a0a1547eb1aae6909eafd3105afc07167419b\u{0}"
            + "# branch.head (detached)\u{0}"
            + "1 .M N... 100644 100644 100644 df967b96a579e45a18b8251732d16804b2e56a55 df967b96a579e45a18b8251732d16804b2e56a55 conflict.txt\u{0}"
            + "? note.txt\u{0}")

    /// A fresh `git init -b main`: a.txt added, n.txt added with `git add -N`
    /// (intent to add), b.txt untracked.
    static let initial = bytes(
        "# branch.oid (initial)\u{0}"
            + "# branch.head main\u{0}"
            + "1 A. N... 000000 100644 100644 0000000000000000000000000000000000000000 78981922613b2afb6025042ff6bd878ac1994e85 a.txt\u{0}"
            + "1 .A N... 000000 000000 100644 0000000000000000000000000000000000000000 0000000000000000000000000000000000000000 n.txt\u{0}"
            + "? b.txt\u{0}")

    /// A fresh `git init -b trunk`, nothing in it.
    static let empty = bytes(
        "# branch.oid (initial)\u{0}"
            + "# branch.head trunk\u{0}")

    /// Pushed with `-u`, nothing changed since.
    static let upToDate = bytes(
        "# branch.oid 64c298925b6ec3a708572fe87b0003bfd75ae616\u{0}"
            + "# branch.head main\u{0}"
            + "# branch.upstream origin/main\u{0}"
            + "# branch.ab +0 -0\u{0}")

    /// Branch feat, whose upstream was deleted on the remote and pruned (no
    /// `branch.ab`); "my notes.md" renamed to "naïve notes.md"; an untracked file
    /// whose name holds a newline.
    static let upstreamGone = bytes(
        "# branch.oid 64c298925b6ec3a708572fe87b0003bfd75ae616\u{0}"
            + "# branch.head feat\u{0}"
            + "# branch.upstream origin/feat\u{0}"
            + "2 R. N... 100644 100644 100644 78981922613b2afb6025042ff6bd878ac1994e85 78981922613b2afb6025042ff6bd878ac1994e85 R100 na\u{EF}ve notes.md\u{0}"
            + "my notes.md\u{0}"
            + "? line\nbreak.txt\u{0}")

    private func assertCounts(_ s: GitStatus, staged: Int, unstaged: Int, untracked: Int, conflicted: Int,
                              file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(s.staged, staged, "staged", file: file, line: line)
        XCTAssertEqual(s.unstaged, unstaged, "unstaged", file: file, line: line)
        XCTAssertEqual(s.untracked, untracked, "untracked", file: file, line: line)
        XCTAssertEqual(s.conflicted, conflicted, "conflicted", file: file, line: line)
    }

    // MARK: the branch headers

    func testBranchUpstreamAheadBehind() {
        let s = GitStatus.parse(Self.working)
        XCTAssertEqual(s.branch, "main")
        XCTAssertEqual(s.oid, "37c308543b208dc5c961a4183bb5e5321e438a5b")
        XCTAssertEqual(s.upstream, "origin/main")
        XCTAssertEqual(s.ahead, 2)
        XCTAssertEqual(s.behind, 1)
    }

    func testUpToDateIsZeroNotUnknown() {
        let s = GitStatus.parse(Self.upToDate)
        XCTAssertEqual(s.branch, "main")
        XCTAssertEqual(s.oid, "64c298925b6ec3a708572fe87b0003bfd75ae616")
        XCTAssertEqual(s.upstream, "origin/main")
        XCTAssertEqual(s.ahead, 0)
        XCTAssertEqual(s.behind, 0)
        XCTAssertEqual(s.changes, [])
        assertCounts(s, staged: 0, unstaged: 0, untracked: 0, conflicted: 0)
    }

    func testNoUpstreamNoAheadBehind() {
        let s = GitStatus.parse(Self.conflicted)
        XCTAssertEqual(s.branch, "main")
        XCTAssertNil(s.upstream)
        XCTAssertNil(s.ahead)
        XCTAssertNil(s.behind)
    }

    func testGoneUpstreamHasNoAheadBehind() {
        let s = GitStatus.parse(Self.upstreamGone)
        XCTAssertEqual(s.branch, "feat")
        XCTAssertEqual(s.upstream, "origin/feat")
        XCTAssertNil(s.ahead)
        XCTAssertNil(s.behind)
    }

    func testDetachedHeadHasNoBranch() {
        let s = GitStatus.parse(Self.detached)
        XCTAssertNil(s.branch)
        XCTAssertEqual(s.oid, "f51a0a1547eb1aae6909eafd3105afc07167419b")
        XCTAssertNil(s.upstream)
        XCTAssertEqual(s.changes, [GitChange(xy: ".M", path: "conflict.txt"), GitChange(xy: "??", path: "note.txt")])
        assertCounts(s, staged: 0, unstaged: 1, untracked: 1, conflicted: 0)
    }

    func testNoCommitsYetHasNoOid() {
        let s = GitStatus.parse(Self.empty)
        XCTAssertEqual(s.branch, "trunk")
        XCTAssertNil(s.oid)
        XCTAssertNil(s.upstream)
        XCTAssertNil(s.ahead)
        XCTAssertNil(s.behind)
        XCTAssertEqual(s.changes, [])
    }

    // MARK: the changes

    func testEveryKindOfChangeInGitsOrder() {
        let s = GitStatus.parse(Self.working)
        XCTAssertEqual(s.changes, [
            GitChange(xy: "MM", path: "both.txt"),
            GitChange(xy: ".M", path: "h\u{E9}llo.txt"),
            GitChange(xy: ".M", path: "mod.txt"),
            GitChange(xy: "R.", path: "renamed.txt", origPath: "old.txt"),
            GitChange(xy: "A.", path: "staged-new.txt"),
            GitChange(xy: ".M", path: "with space.txt"),
            GitChange(xy: "??", path: "untracked.txt"),
        ])
        XCTAssertEqual(s.changes.map(\.origPath), [nil, nil, nil, "old.txt", nil, nil, nil])
    }

    func testNonASCIIPathKeepsItsBytes() {
        let s = GitStatus.parse(Self.working)
        XCTAssertEqual(s.changes.count, 7)
        guard s.changes.count == 7 else { return }
        XCTAssertEqual(Array(s.changes[1].path.utf8), [0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F, 0x2E, 0x74, 0x78, 0x74])
    }

    func testCountsOfAWorkingTree() {
        // staged: both (M in the index), renamed, staged-new; unstaged: both (M in the
        // work tree too), héllo, mod, with space. A file staged and modified again is
        // counted in both, as `git status` lists it in both sections.
        let s = GitStatus.parse(Self.working)
        assertCounts(s, staged: 3, unstaged: 4, untracked: 1, conflicted: 0)
        XCTAssertEqual(s.changes.filter(\.isStaged).map(\.path), ["both.txt", "renamed.txt", "staged-new.txt"])
        XCTAssertEqual(s.changes.filter(\.isUnstaged).map(\.path), ["both.txt", "h\u{E9}llo.txt", "mod.txt", "with space.txt"])
    }

    func testUnmergedPathsAreConflictedOnly() {
        let s = GitStatus.parse(Self.conflicted)
        XCTAssertEqual(s.oid, "2df1819a4ac67532418a77d2227b90d1927d9090")
        XCTAssertEqual(s.changes, [
            GitChange(xy: "AA", path: "added.txt"),
            GitChange(xy: "UU", path: "conflict.txt"),
            GitChange(xy: "UD", path: "gone.txt"),
            GitChange(xy: "DU", path: "gone2.txt"),
            GitChange(xy: "??", path: "note.txt"),
        ])
        // `git status` lists unmerged paths in their own section, neither staged nor not.
        assertCounts(s, staged: 0, unstaged: 0, untracked: 1, conflicted: 4)
    }

    func testEveryUnmergedXYIsAConflict() {
        // git-status(1): the seven unmerged states.
        for xy in ["DD", "AU", "UD", "UA", "DU", "AA", "UU"] {
            let c = GitChange(xy: xy, path: "f")
            XCTAssertTrue(c.isConflicted, xy)
            XCTAssertFalse(c.isStaged, xy)
            XCTAssertFalse(c.isUnstaged, xy)
            XCTAssertFalse(c.isUntracked, xy)
        }
        for xy in ["M.", ".M", "MM", "A.", "AM", ".D", "D.", "R.", "RM", "C.", ".T", "T.", ".A", "??"] {
            XCTAssertFalse(GitChange(xy: xy, path: "f").isConflicted, xy)
        }
    }

    func testIndexAndWorkTreeLetters() {
        // X is the index against HEAD (staged), Y the work tree against the index (not staged).
        for (xy, staged, unstaged) in [("M.", true, false), (".M", false, true), ("MM", true, true),
                                        ("A.", true, false), ("AM", true, true), ("AD", true, true),
                                        ("D.", true, false), (".D", false, true), ("R.", true, false),
                                        ("RM", true, true), ("C.", true, false), ("T.", true, false),
                                        (".T", false, true), (".A", false, true)] {
            let c = GitChange(xy: xy, path: "f")
            XCTAssertEqual(c.isStaged, staged, "\(xy) staged")
            XCTAssertEqual(c.isUnstaged, unstaged, "\(xy) unstaged")
            XCTAssertFalse(c.isUntracked, xy)
        }
    }

    func testNoCommitsYetWithAddedAndIntentToAdd() {
        // `git add -N` shows as ".A"; `git status` lists it under "Changes not staged".
        let s = GitStatus.parse(Self.initial)
        XCTAssertEqual(s.branch, "main")
        XCTAssertNil(s.oid)
        XCTAssertEqual(s.changes, [
            GitChange(xy: "A.", path: "a.txt"),
            GitChange(xy: ".A", path: "n.txt"),
            GitChange(xy: "??", path: "b.txt"),
        ])
        assertCounts(s, staged: 1, unstaged: 1, untracked: 1, conflicted: 0)
    }

    func testRenameOfPathsWithSpacesAndANewlineInAName() {
        let s = GitStatus.parse(Self.upstreamGone)
        XCTAssertEqual(s.changes, [
            GitChange(xy: "R.", path: "na\u{EF}ve notes.md", origPath: "my notes.md"),
            GitChange(xy: "??", path: "line\nbreak.txt"),
        ])
        assertCounts(s, staged: 1, unstaged: 0, untracked: 1, conflicted: 0)
    }

    func testAPathThatIsNotUTF8DoesNotDisturbTheNextEntry() {
        // A Latin-1 file name: git prints its bytes as they are.
        let out: [UInt8] = bytes("# branch.oid (initial)\u{0}# branch.head main\u{0}? caf")
            + [0xE9] + bytes(".txt\u{0}? next.txt\u{0}")
        let s = GitStatus.parse(out)
        XCTAssertEqual(s.changes.count, 2)
        XCTAssertEqual(s.changes.last, GitChange(xy: "??", path: "next.txt"))
        XCTAssertEqual(s.untracked, 2)
    }

    // MARK: what is skipped

    func testIgnoredLinesAreSkipped() {
        let plain = GitStatus.parse(Self.working)
        let withIgnored = GitStatus.parse(Self.workingWithIgnored)
        XCTAssertEqual(withIgnored, plain)
        XCTAssertFalse(withIgnored.changes.contains { $0.path == "debug.log" })
        XCTAssertEqual(withIgnored.changes.count, 7)
    }

    func testEmptyOutputIsNothing() {
        let s = GitStatus.parse([])
        XCTAssertEqual(s, GitStatus())
        XCTAssertNil(s.branch)
        XCTAssertNil(s.oid)
        XCTAssertNil(s.upstream)
        XCTAssertNil(s.ahead)
        XCTAssertNil(s.behind)
        XCTAssertEqual(s.changes, [])
        assertCounts(s, staged: 0, unstaged: 0, untracked: 0, conflicted: 0)
    }

    func testGarbageIsNothing() {
        for junk in [bytes("fatal: not a git repository (or any of the parent directories): .git\n"),
                     bytes("\u{0}\u{0}\u{0}"),
                     [0xFF, 0xFE, 0x00, 0x80],
                     bytes("hello\u{0}world\u{0}"),
                     bytes("#\u{0}# \u{0}# branch.oid\u{0}# branch.ab\u{0}"),
                     bytes("1 .M\u{0}1 .M N... 100644\u{0}u UU N...\u{0}x y z\u{0}")] {
            XCTAssertEqual(GitStatus.parse(junk), GitStatus(), String(decoding: junk, as: UTF8.self).debugDescription)
        }
    }

    func testAMalformedAheadBehindIsUnknown() {
        for ab in ["# branch.ab +2\u{0}", "# branch.ab two -one\u{0}"] {
            let s = GitStatus.parse(bytes("# branch.head main\u{0}" + ab))
            XCTAssertEqual(s.branch, "main")
            XCTAssertNil(s.ahead, ab)
            XCTAssertNil(s.behind, ab)
        }
    }

    func testUnknownHeadersAreSkipped() {
        // `# branch.foo` stands for headers a later git may add; `# stash N` is what
        // `--show-stash` adds today.
        let out = bytes("# branch.oid 64c298925b6ec3a708572fe87b0003bfd75ae616\u{0}"
            + "# branch.foo bar baz\u{0}"
            + "# stash 2\u{0}"
            + "# branch.head main\u{0}"
            + "# branch.upstream origin/main\u{0}"
            + "# branch.ab +0 -0\u{0}")
        XCTAssertEqual(GitStatus.parse(out), GitStatus.parse(Self.upToDate))
    }

    func testUnknownLineKindsAreSkipped() {
        let out = bytes("# branch.head main\u{0}"
            + "3 ZZ something new\u{0}"
            + "1 .M N... 100644 100644 100644 5626abf0f72e58d7a153368ba57db4c673c0e171 5626abf0f72e58d7a153368ba57db4c673c0e171 mod.txt\u{0}")
        XCTAssertEqual(GitStatus.parse(out).changes, [GitChange(xy: ".M", path: "mod.txt")])
    }
}
