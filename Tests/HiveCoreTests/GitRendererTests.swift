import Foundation
import XCTest
@testable import HiveCore

/// The `git` and `git.json` files of a session.
final class GitRendererTests: XCTestCase {
    /// The keys of both files, in their order.
    static let keys = ["repo", "worktree", "branch", "head", "head.subject", "upstream", "ahead", "behind",
                       "base", "base.subject", "commits", "staged", "unstaged", "untracked", "conflicted",
                       "changed", "diff.files", "diff.insertions", "diff.deletions", "updated", "error"]
    static let numeric: Set<String> = ["ahead", "behind", "commits", "staged", "unstaged", "untracked",
                                       "conflicted", "changed", "diff.files", "diff.insertions", "diff.deletions"]

    /// A session's worktree in the middle of a merge, with every kind of change.
    private func fullFacts() -> GitFacts {
        var st = GitStatus()
        st.branch = "hive/auth"
        st.oid = "37c308543b208dc5c961a4183bb5e5321e438a5b"
        st.upstream = "origin/hive/auth"
        st.ahead = 2
        st.behind = 1
        st.changes = [
            GitChange(xy: "MM", path: "both.txt"),
            GitChange(xy: "R.", path: "renamed.txt", origPath: "old.txt"),
            GitChange(xy: "A.", path: "staged new.txt"),
            GitChange(xy: ".M", path: "h\u{E9}llo.txt"),
            GitChange(xy: "UU", path: "conflict.txt"),
            GitChange(xy: "??", path: "line\nbreak.txt"),
        ]
        var f = GitFacts()
        f.repo = "/src/app"
        f.worktree = "/src/app-hive/auth"
        f.status = st
        f.headSubject = "Add the login form"
        f.base = "64c298925b6ec3a708572fe87b0003bfd75ae616"
        f.baseSubject = "Start over\n\nWith a body"
        f.commits = 2
        f.diff = GitDiffStat(files: 3, insertions: 10, deletions: 2)
        f.updated = t(512)
        return f
    }

    private func json(_ s: String, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any], file: file, line: line)
    }

    // MARK: git

    func testTextOfAFullRecord() {
        XCTAssertEqual(lines(of: GitRenderer.text(fullFacts())), [
            "repo /src/app",
            "worktree /src/app-hive/auth",
            "branch hive/auth",
            "head 37c3085",
            "head.subject Add the login form",
            "upstream origin/hive/auth",
            "ahead 2",
            "behind 1",
            "base 64c2989",
            "base.subject Start over\\n\\nWith a body",
            "commits 2",
            "staged 3",
            "unstaged 2",
            "untracked 1",
            "conflicted 1",
            "changed 6",
            "diff.files 3",
            "diff.insertions 10",
            "diff.deletions 2",
            "updated 2026-11-24T10:00:00.512Z",
            "error -",
            "MM both.txt",
            "R. renamed.txt <- old.txt",
            "A. staged new.txt",
            ".M h\u{E9}llo.txt",
            "UU conflict.txt",
            "?? line\\nbreak.txt",
        ])
    }

    func testTextKeysInOrder() {
        for f in [fullFacts(), GitFacts.notARepository("/tmp/x", at: t()), GitFacts()] {
            let kv = keyValues(GitRenderer.text(f))
            XCTAssertEqual(Array(kv.prefix(Self.keys.count).map(\.0)), Self.keys)
        }
    }

    func testTextOfNotARepository() {
        let f = GitFacts.notARepository("/home/ana/notes", at: t())
        XCTAssertEqual(lines(of: GitRenderer.text(f)), [
            "repo -", "worktree -", "branch -", "head -", "head.subject -", "upstream -", "ahead -", "behind -",
            "base -", "base.subject -", "commits -", "staged -", "unstaged -", "untracked -", "conflicted -",
            "changed -", "diff.files -", "diff.insertions -", "diff.deletions -",
            "updated 2026-11-24T10:00:00.000Z",
            "error not a git repository: /home/ana/notes",
        ])
    }

    func testCleanWorkTreeCountsZeroNotUnknown() {
        var f = fullFacts()
        f.status?.changes = []
        f.diff = GitDiffStat()
        f.commits = 0
        let kv = Dictionary(uniqueKeysWithValues: keyValues(GitRenderer.text(f)))
        for k in ["staged", "unstaged", "untracked", "conflicted", "changed", "diff.files", "diff.insertions",
                  "diff.deletions", "commits"] {
            XCTAssertEqual(kv[k], "0", k)
        }
        XCTAssertEqual(lines(of: GitRenderer.text(f)).count, Self.keys.count, "no change lines")
    }

    func testUnknownsAreDashes() {
        // A repository with no commits and no upstream, git status known, nothing else.
        var st = GitStatus()
        st.branch = "main"
        st.changes = [GitChange(xy: "??", path: "a.txt")]
        var f = GitFacts()
        f.repo = "/src/new"
        f.worktree = "/src/new"
        f.status = st
        let kv = Dictionary(uniqueKeysWithValues: keyValues(GitRenderer.text(f)))
        for k in ["head", "head.subject", "upstream", "ahead", "behind", "base", "base.subject", "commits",
                  "diff.files", "diff.insertions", "diff.deletions", "updated", "error"] {
            XCTAssertEqual(kv[k], "-", k)
        }
        XCTAssertEqual(kv["branch"], "main")
        XCTAssertEqual(kv["untracked"], "1")
        XCTAssertEqual(kv["staged"], "0")
        XCTAssertEqual(kv["changed"], "1")
    }

    func testShortHashesAreSevenCharacters() {
        let kv = Dictionary(uniqueKeysWithValues: keyValues(GitRenderer.text(fullFacts())))
        XCTAssertEqual(kv["head"], "37c3085")
        XCTAssertEqual(kv["base"], "64c2989")
        XCTAssertEqual(GitFacts.short("37c308543b208dc5c961a4183bb5e5321e438a5b"), "37c3085")
        XCTAssertEqual(GitFacts.short("abc"), "abc")
        XCTAssertNil(GitFacts.short(nil))
    }

    func testEveryRecordStaysOneLine() {
        var f = fullFacts()
        f.headSubject = "one\ntwo\rthree"
        f.status?.branch = "b\nc"
        f.status?.changes = [GitChange(xy: "R.", path: "new\nname", origPath: "old\nname"),
                             GitChange(xy: "??", path: "tab\there")]
        f.error = "git: exit 128\nfatal: bad"
        let ls = lines(of: GitRenderer.text(f))
        XCTAssertEqual(ls.count, Self.keys.count + 2)
        let kv = Dictionary(uniqueKeysWithValues: keyValues(GitRenderer.text(f)))
        XCTAssertEqual(kv["head.subject"], "one\\ntwo\\rthree")
        XCTAssertEqual(kv["branch"], "b\\nc")
        XCTAssertEqual(kv["error"], "git: exit 128\\nfatal: bad")
        XCTAssertEqual(Array(ls.suffix(2)), ["R. new\\nname <- old\\nname", "?? tab\\there"])
    }

    // MARK: git.json

    func testJSONIsOneLineWithTheSameKeysInOrderThenFiles() throws {
        for f in [fullFacts(), GitFacts.notARepository("/home/ana/notes", at: t()), GitFacts()] {
            let s = GitRenderer.json(f)
            XCTAssertTrue(s.hasSuffix("}\n"), s)
            XCTAssertEqual(s.filter { $0 == "\n" }.count, 1, "one line: \(s)")
            let obj = try json(s)
            XCTAssertEqual(Set(obj.keys), Set(Self.keys + ["files"]))
            var last = s.startIndex
            for key in Self.keys + ["files"] {
                guard let range = s.range(of: "\"\(key)\":") else { XCTFail("\(key) missing"); continue }
                XCTAssertGreaterThan(range.lowerBound, last, "\(key) out of order")
                last = range.lowerBound
            }
        }
    }

    func testJSONOfAFullRecord() throws {
        let s = GitRenderer.json(fullFacts())
        let obj = try json(s)
        XCTAssertEqual(obj["repo"] as? String, "/src/app")
        XCTAssertEqual(obj["worktree"] as? String, "/src/app-hive/auth")
        XCTAssertEqual(obj["branch"] as? String, "hive/auth")
        XCTAssertEqual(obj["head"] as? String, "37c3085")
        XCTAssertEqual(obj["head.subject"] as? String, "Add the login form")
        XCTAssertEqual(obj["upstream"] as? String, "origin/hive/auth")
        XCTAssertEqual(obj["base"] as? String, "64c2989")
        XCTAssertEqual(obj["base.subject"] as? String, "Start over\n\nWith a body", "JSON keeps the value unescaped")
        XCTAssertEqual(obj["updated"] as? String, "2026-11-24T10:00:00.512Z")
        XCTAssertTrue(obj["error"] is NSNull)
        let numbers: [String: Int] = ["ahead": 2, "behind": 1, "commits": 2, "staged": 3, "unstaged": 2,
                                      "untracked": 1, "conflicted": 1, "changed": 6, "diff.files": 3,
                                      "diff.insertions": 10, "diff.deletions": 2]
        for (k, n) in numbers {
            XCTAssertFalse(obj[k] is String, "\(k) is a number")
            XCTAssertEqual((obj[k] as? NSNumber)?.intValue, n, k)
            XCTAssertTrue(s.contains("\"\(k)\":\(n)"), "\(k) written as a bare number: \(s)")
        }
    }

    func testJSONFiles() throws {
        let s = GitRenderer.json(fullFacts())
        let obj = try json(s)
        let files = try XCTUnwrap(obj["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 6)
        XCTAssertEqual(files.map { $0["xy"] as? String }, ["MM", "R.", "A.", ".M", "UU", "??"])
        XCTAssertEqual(files.map { $0["path"] as? String },
                       ["both.txt", "renamed.txt", "staged new.txt", "h\u{E9}llo.txt", "conflict.txt", "line\nbreak.txt"])
        XCTAssertEqual(files.map { $0["from"] as? String }, [nil, "old.txt", nil, nil, nil, nil])
        for (i, file) in files.enumerated() {
            XCTAssertEqual(Set(file.keys), i == 1 ? ["xy", "path", "from"] : ["xy", "path"], "file \(i)")
        }
        XCTAssertTrue(s.contains(#"{"xy":"R.","path":"renamed.txt","from":"old.txt"}"#), s)
        XCTAssertTrue(s.hasSuffix(#""files":[{"xy":"MM","path":"both.txt"},{"xy":"R.","path":"renamed.txt","from":"old.txt"},{"xy":"A.","path":"staged new.txt"},{"xy":".M","path":"h\#u{E9}llo.txt"},{"xy":"UU","path":"conflict.txt"},{"xy":"??","path":"line\nbreak.txt"}]}"# + "\n"), s)
    }

    func testJSONOfNotARepository() throws {
        let s = GitRenderer.json(GitFacts.notARepository("/home/ana/notes", at: t()))
        let obj = try json(s)
        for k in Self.keys where k != "updated" && k != "error" {
            XCTAssertTrue(obj[k] is NSNull, "\(k) is null, got \(String(describing: obj[k]))")
        }
        XCTAssertEqual(obj["updated"] as? String, "2026-11-24T10:00:00.000Z")
        XCTAssertEqual(obj["error"] as? String, "not a git repository: /home/ana/notes")
        XCTAssertEqual((obj["files"] as? [Any])?.count, 0)
        XCTAssertTrue(s.contains(#""ahead":null"#), s)
        XCTAssertTrue(s.contains(#""files":[]"#), s)
    }

    func testJSONAgreesWithText() throws {
        var unknownSome = fullFacts()
        unknownSome.status?.upstream = nil
        unknownSome.status?.ahead = nil
        unknownSome.status?.behind = nil
        unknownSome.diff = nil
        for f in [fullFacts(), unknownSome, GitFacts.notARepository("/x", at: t()), GitFacts()] {
            let text = Array(keyValues(GitRenderer.text(f)).prefix(Self.keys.count))
            try assertJSONTwin(text, try json(GitRenderer.json(f)), numeric: Self.numeric)
        }
    }

    func testEmptyStringsAreUnknownInBothFiles() throws {
        // A commit made with `--allow-empty-message` has an empty subject; the text
        // shows '-', so the JSON must say null as status.json does, not "".
        var f = fullFacts()
        f.headSubject = ""
        f.baseSubject = ""
        let kv = Dictionary(uniqueKeysWithValues: keyValues(GitRenderer.text(f)))
        XCTAssertEqual(kv["head.subject"], "-")
        XCTAssertEqual(kv["base.subject"], "-")
        let obj = try json(GitRenderer.json(f))
        XCTAssertTrue(obj["head.subject"] is NSNull, "head.subject: got \(String(describing: obj["head.subject"]))")
        XCTAssertTrue(obj["base.subject"] is NSNull, "base.subject: got \(String(describing: obj["base.subject"]))")
    }
}
