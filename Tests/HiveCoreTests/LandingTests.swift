import XCTest
@testable import HiveCore

/// `commit`, `merge`, `push` and `pr`: their parsing, their state checks, how the
/// machine asks for them and records them, and the reading of git's answers.
final class LandingTests: XCTestCase {
    // MARK: parsing

    func testTheVerbsParse() {
        func parse(_ line: String) -> SessionCommand? {
            assertNoThrow(line) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
        }
        XCTAssertEqual(parse("commit Add the login form"), .commit("Add the login form"))
        XCTAssertEqual(parse("merge"), .merge(nil))
        XCTAssertEqual(parse("merge release/1.2"), .merge("release/1.2"))
        XCTAssertEqual(parse("push"), .push(nil))
        XCTAssertEqual(parse("push upstream"), .push("upstream"))
        XCTAssertEqual(parse("pr Fix the \"login\" bug"), .pr("Fix the \"login\" bug"))
        XCTAssertEqual(SessionMachine.describe(.merge("main")), "merge main")
        XCTAssertEqual(SessionMachine.describe(.push(nil)), "push")
        XCTAssertEqual(SessionMachine.describe(.commit("m")), "commit m")
    }

    func testTheVerbsRefuseWhatTheyCannotTake() {
        for line in ["commit", "pr", "merge a b", "push origin main", "merge -f", "push --force", "merge --no-ff"] {
            assertThrows(.EINVAL, line) { () throws(HiveError) in try ControlParser.sessionCommand(line) }
        }
    }

    // MARK: state

    func testTheVerbsWaitWhileTheAgentWorks() {
        for c in [SessionCommand.commit("m"), .merge(nil), .push(nil), .pr("t")] {
            for busy in [SessionState.working, .starting] {
                let e = assertThrows(.EBUSY, "\(c.verb) \(busy)") { () throws(HiveError) in try SessionRecord.next(after: busy, c, name: "a") }
                XCTAssertTrue(e?.reason.contains("a is \(busy.rawValue)") == true, e?.reason ?? "")
            }
            for fine in [SessionState.new, .idle, .waiting, .paused, .exited, .killed, .failed] {
                XCTAssertEqual(assertNoThrow { () throws(HiveError) in try SessionRecord.next(after: fine, c, name: "a") }, fine)
            }
        }
    }

    func testTheMachineRecordsTheLineAndAsksForTheWorkWithTheSessionsFacts() throws {
        var h = MachineHarness()
        var w = Event(time: t(1), session: "a", kind: EventKind.worktree, detail: "hive/a at /wt/a")
        w.branch = "hive/a"; w.base = "abc"; w.worktree = "/wt/a"; w.repo = "/repo"; w.workdir = "/wt/a"; w.baseBranch = "main"
        h.feed(.record(w, durable: true))
        h.started()
        h.feed(.quiet, after: 1000)
        let fx = h.feed(.command(.merge(nil), uid: 7))
        XCTAssertEqual(fx.events.map(\.detail), ["merge"])
        XCTAssertEqual(fx.notAppends, [.land(LandRequest(verb: .merge, argument: nil, session: "a", workTree: "/wt/a", repo: "/repo",
                                                         branch: "hive/a", base: "abc", baseBranch: "main"))])
        let done = h.feed(.landed(LandOutcome(verb: .merge, value: "def", detail: "merge hive/a into main: fast-forward to def")))
        let e = try XCTUnwrap(done.events.first)
        XCTAssertEqual(e.kind, EventKind.land)
        XCTAssertEqual(e.key, "merge")
        XCTAssertEqual(e.value, "def")
        XCTAssertEqual(e.textLine.hasSuffix(" land merge hive/a into main: fast-forward to def\n"), true, e.textLine)
        XCTAssertEqual(done.notAppends, [.gitChanged])
        XCTAssertEqual(SessionRecord.replay(h.log), h.m.record, "the log gives the record back")
        XCTAssertEqual(h.m.record.baseBranch, "main")
    }

    func testTheMachineRefusesASessionWithNoRepository() {
        var fresh = MachineHarness()
        let none = fresh.feed(.command(.commit("m"), uid: 1))
        XCTAssertEqual(none.refusal?.errno, .noSuchFileOrDirectory, "a new session has no worktree yet")
        XCTAssertFalse(none.notAppends.contains { if case .land = $0 { return true }; return false })

        var plain = MachineHarness()
        plain.started()
        plain.feed(.quiet, after: 1000)
        let fx = plain.feed(.command(.push(nil), uid: 1))
        XCTAssertEqual(fx.refusal?.errno, .invalidArgument)
        XCTAssertTrue(fx.refusal?.reason.contains("works in no git repository") == true, fx.refusal?.reason ?? "")
        XCTAssertEqual(fx.events.map(\.kind), [EventKind.control, EventKind.error])
    }

    func testABaseBranchRoundTripsThroughTheLogAndOldCheckpointsStillRead() throws {
        var e = Event(time: t(0), session: "a", kind: EventKind.worktree, detail: "x")
        e.baseBranch = "main"
        XCTAssertTrue(e.jsonLine.contains(#""base_branch":"main""#), e.jsonLine)
        XCTAssertEqual(Event.parse(jsonLine: Data(e.jsonLine.utf8))?.baseBranch, "main")
        var r = SessionRecord(name: "a", spec: SessionSpec(), created: t(0))
        r.apply(e)
        let data = try JSONEncoder().encode(r)
        var old = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        old.removeValue(forKey: "baseBranch")
        let back = try JSONDecoder().decode(SessionRecord.self, from: JSONSerialization.data(withJSONObject: old))
        XCTAssertNil(back.baseBranch)
        XCTAssertEqual(try JSONDecoder().decode(SessionRecord.self, from: data).baseBranch, "main")
    }

    // MARK: git's answers

    func testMergeTreeOutputGivesTheTreeAndTheConflicts() throws {
        let tree = String(repeating: "a", count: 40)
        let clean = try XCTUnwrap(LandText.mergeTree(bytes(tree + "\0")))
        XCTAssertEqual(clean.tree, tree)
        XCTAssertEqual(clean.conflicts, [])
        let conflicted = try XCTUnwrap(LandText.mergeTree(bytes(tree + "\0a.txt\0dir/b c.txt\0a.txt\0\0")))
        XCTAssertEqual(conflicted.conflicts, ["a.txt", "dir/b c.txt"])
        XCTAssertNil(LandText.mergeTree(bytes("fatal: not a tree\n")))
    }

    func testTheWorktreeWhereABranchIsCheckedOut() {
        let list = bytes("worktree /repo\0HEAD 1234\0branch refs/heads/main\0\0worktree /wt/a\0HEAD 5678\0branch refs/heads/hive/a\0\0worktree /wt/d\0HEAD 9\0detached\0\0")
        XCTAssertEqual(LandText.checkedOut("main", worktreeList: list), "/repo")
        XCTAssertEqual(LandText.checkedOut("hive/a", worktreeList: list), "/wt/a")
        XCTAssertNil(LandText.checkedOut("release", worktreeList: list))
        XCTAssertNil(LandText.checkedOut("hive", worktreeList: list))
    }

    func testWordsForPeople() {
        XCTAssertEqual(LandText.files(["a", "b"]), "a, b")
        XCTAssertEqual(LandText.files((1...12).map { "f\($0)" }), (1...10).map { "f\($0)" }.joined(separator: ", ") + " and 2 more")
        XCTAssertEqual(LandText.mergeMessage(branch: "hive/a", into: "release"), "Merge branch 'hive/a' into release")
        XCTAssertEqual(LandText.mergeMessage(branch: "hive/a", into: "main"), "Merge branch 'hive/a'", "as git words it")
        XCTAssertEqual(LandText.mergeMessage(branch: "hive/a", into: "master"), "Merge branch 'hive/a'")
        let refused = "error: The following untracked working tree files would be overwritten by merge:\n\t.env\n\tsub/x y\nPlease move or remove them before you merge.\nAborting\n"
        XCTAssertEqual(LandText.wouldOverwrite(refused), [".env", "sub/x y"])
        XCTAssertEqual(LandText.wouldOverwrite("fatal: Not possible to fast-forward, aborting.\n"), [])
        XCTAssertEqual(LandText.url("Creating pull request\nhttps://github.com/o/r/pull/7\n"), "https://github.com/o/r/pull/7")
        XCTAssertNil(LandText.url("nothing here\n"))
        XCTAssertTrue(LandText.pushRejected(" ! [rejected]        hive/a -> hive/a (non-fast-forward)\nerror: failed to push some refs"))
        XCTAssertFalse(LandText.pushRejected("fatal: 'nowhere' does not appear to be a git repository"))
        XCTAssertEqual(LandText.prBody(session: "a", commits: [("abc1234", "Add b")]),
                       "From the hivefs session `a`.\n\nCommits:\n- abc1234 Add b\n")
        XCTAssertTrue(LandText.isPlainName("release/1.2"))
        XCTAssertFalse(LandText.isPlainName("-f"))
        XCTAssertFalse(LandText.isPlainName("a\u{7f}"))
    }
}
