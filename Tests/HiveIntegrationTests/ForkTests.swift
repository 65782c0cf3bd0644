import Foundation
import XCTest

/// `fork NEW` in a session's control and `new NEW from=NAME` in the root's: a new
/// session on a new branch from the parent's HEAD, carrying its uncommitted work,
/// with the lineage in both sessions' events and the new one's status.
final class ForkTests: MountedTestCase {
    /// The lines of `git status --porcelain` in a work tree, and its index's tree.
    private func porcelain(_ dir: String) -> String { m.sh("git -C \(dir) status --porcelain").out }
    private func indexTree(_ dir: String) -> String { m.sh("git -C \(dir) write-tree").out }
    private func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: m.mnt + "/" + name) }

    func testAForkCarriesHeadAndUncommittedWorkOnANewBranchAndLeavesTheParentAlone() throws {
        let repo = makeRepo("repo")
        XCTAssertEqual(m.write("control", "new p agent=shell dir=\(repo) worktree=yes command=\"sleep 600\" limit.pids=300\n"), 0,
                       m.read("control") ?? "")
        m.waitState("p", ["working", "idle"])
        let parent = try XCTUnwrap(m.status("p", "worktree"))
        // A commit of its own, a changed tracked file (one change staged), a new file, a deleted one.
        XCTAssertEqual(m.sh("""
            cd \(parent) && echo two > b.txt && git add b.txt && git commit -qm 'second' && echo changed > a.txt \
            && echo staged >> b.txt && git add b.txt && mkdir -p notes && printf 'new\\0bytes' > notes/new.bin \
            && chmod 0750 notes/new.bin
            """).status, 0)
        // The user's diff settings do not change the patch the fork applies.
        XCTAssertEqual(m.sh("git -C \(repo) config diff.noprefix true && git -C \(repo) config diff.mnemonicPrefix true").status, 0)
        let parentHead = m.sh("git -C \(parent) rev-parse HEAD").out.trimmingCharacters(in: .whitespacesAndNewlines)
        let parentStatus = porcelain(parent), parentIndex = indexTree(parent)
        let pid = try XCTUnwrap(m.pid("p"))

        XCTAssertEqual(m.write("p/control", "fork q\n"), 0, m.read("p/control") ?? "")
        // It is made and started at once, with the parent's spec.
        XCTAssertTrue(exists("q"))
        m.waitState("q", ["working", "idle"])
        XCTAssertEqual(m.status("q", "parent"), "p")
        XCTAssertEqual(m.status("p", "parent"), "-")
        XCTAssertEqual(m.read("q/command"), "sleep 600\n")
        XCTAssertEqual(m.status("q", "limit.pids"), "300")
        XCTAssertEqual(m.status("q", "branch"), "hive/q")
        let child = try XCTUnwrap(m.status("q", "worktree"))
        XCTAssertNotEqual(child, parent)
        // Its branch starts at the parent's HEAD, and its files are the parent's, uncommitted.
        XCTAssertEqual(m.sh("git -C \(child) rev-parse HEAD").out.trimmingCharacters(in: .whitespacesAndNewlines), parentHead)
        XCTAssertEqual(try String(contentsOfFile: child + "/a.txt", encoding: .utf8), "changed\n")
        XCTAssertEqual(try String(contentsOfFile: child + "/b.txt", encoding: .utf8), "two\nstaged\n")
        XCTAssertEqual(FileManager.default.contents(atPath: child + "/notes/new.bin"), Data("new\0bytes".utf8))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: child + "/notes/new.bin")[.posixPermissions] as? Int, 0o750)
        XCTAssertEqual(porcelain(child), " M a.txt\n M b.txt\n?? notes/\n", "carried uncommitted, not staged")
        // The parent: the same files, index and HEAD, running, never paused.
        XCTAssertEqual(porcelain(parent), parentStatus)
        XCTAssertEqual(indexTree(parent), parentIndex)
        XCTAssertTrue(["working", "idle"].contains(m.state("p")))
        XCTAssertEqual(m.pid("p"), pid)
        XCTAssertFalse(frozen(pid))
        let parentEvents = m.read("p/events") ?? ""
        XCTAssertFalse(parentEvents.contains(" state paused"), parentEvents)
        XCTAssertNotNil(parentEvents.range(of: #"; held still [0-9]+ ms for the copy\n"#, options: .regularExpression),
                        "how long the running parent was held: \(parentEvents)")
        // Both record the fork.
        XCTAssertTrue(parentEvents.contains(" fork to q at \(parentHead.prefix(7)); 3 uncommitted files carried"), parentEvents)
        let childEvents = m.read("q/events") ?? ""
        XCTAssertTrue(childEvents.contains(" fork from p at \(parentHead.prefix(7)); 3 uncommitted files carried"), childEvents)
        let fork = try XCTUnwrap(m.jsonLines(m.state + "/sessions/q/events.jsonl").first { $0["kind"] as? String == "fork" }?["fork"]
                                 as? [String: Any])
        XCTAssertEqual(fork["parent"] as? String, "p")
        XCTAssertEqual(fork["child"] as? String, "q")
        XCTAssertEqual(fork["commit"] as? String, parentHead)
        XCTAssertNil(FileManager.default.contents(atPath: m.state + "/sessions/q/fork.patch"), "the patch is not left behind")

        // The root's form does the same, with a setting changed; the fork of a fork names its own parent.
        XCTAssertEqual(m.write("control", "new r from=q command=\"sleep 500\"\n"), 0, m.read("control") ?? "")
        m.waitState("r", ["working", "idle"])
        XCTAssertEqual(m.status("r", "parent"), "q")
        XCTAssertEqual(m.read("r/command"), "sleep 500\n")
        let third = try XCTUnwrap(m.status("r", "worktree"))
        XCTAssertEqual(try String(contentsOfFile: third + "/a.txt", encoding: .utf8), "changed\n")
        XCTAssertTrue((m.read("q/control") ?? "").hasSuffix("error -\n"), "the root's fork is told to the parent, refused nothing")
        XCTAssertTrue((m.read("q/events") ?? "").contains(" control fork r command="), m.read("q/events") ?? "")
    }

    func testBadForksAreRefusedAndMakeNothing() throws {
        let repo = makeRepo("repo")
        XCTAssertEqual(m.write("control", "new p agent=shell dir=\(repo) worktree=yes command=\"sleep 600\"\n"), 0)
        m.waitState("p", ["working", "idle"])
        let cases: [(String, Int32, String)] = [
            ("fork p", EEXIST, "session 'p' exists"),
            ("fork bad/name", EINVAL, "name"),
            ("fork", EINVAL, "fork needs the new session's name"),
            ("fork x agent=claude", EINVAL, "a fork keeps its parent's agent"),
            ("fork x dir=/tmp", EINVAL, "a fork keeps its parent's dir"),
            ("fork x worktree=no", EINVAL, "worktree=no is not for forks"),
            ("fork x nonsense", EINVAL, "'nonsense' is not KEY=VALUE"),
            ("fork x colour=blue", EINVAL, "unknown key 'colour'"),
        ]
        for (line, errno, reason) in cases {
            XCTAssertEqual(m.write("p/control", line + "\n"), errno, line)
            XCTAssertTrue((m.read("p/control") ?? "").contains(reason), "\(line): \(m.read("p/control") ?? "")")
        }
        // A fork made before a later line is refused still starts.
        XCTAssertEqual(m.write("p/control", "fork made\nfork p\n"), EEXIST)
        m.waitState("made", ["working", "idle"])
        XCTAssertEqual(m.status("made", "parent"), "p")
        XCTAssertEqual(m.write("control", "new x from=nope\n"), ENOENT)
        XCTAssertTrue((m.read("control") ?? "").contains("no session nope to fork"), m.read("control") ?? "")
        XCTAssertEqual(m.write("control", "new x from=p agent=codex\n"), EINVAL)
        XCTAssertFalse(exists("x"))
        XCTAssertEqual(m.sh("git -C \(repo) branch --list 'hive/x'").out, "", "no branch was made")
        XCTAssertTrue(["working", "idle"].contains(m.state("p")))
    }

    func testAForkOfASessionOutsideARepositoryWorksInTheSameFolder() throws {
        let dir = m.root + "/plain"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        XCTAssertEqual(m.write("control", "new p agent=shell dir=\(dir) command=\"sleep 600\"\n"), 0)
        m.waitState("p", ["working", "idle"])
        XCTAssertEqual(m.write("p/control", "fork q\n"), 0, m.read("p/control") ?? "")
        m.waitState("q", ["working", "idle"])
        XCTAssertEqual(m.status("q", "dir"), dir)
        XCTAssertEqual(m.status("q", "worktree"), "-")
        XCTAssertTrue((m.read("q/events") ?? "").contains(" fork from p no repository: it works in \(dir) as its parent does"),
                      m.read("q/events") ?? "")
    }
}

/// A fork of a Claude Code session goes on from the parent's conversation under an id
/// of its own (`--resume PARENT --fork-session --session-id NEW`), with the parent's
/// transcript placed where Claude Code looks for it in the new worktree.
final class ClaudeForkTests: ClaudeTestCase {
    func testAForkedClaudeGoesOnFromTheParentsConversationUnderItsOwnId() throws {
        XCTAssertEqual(m.sh("cd \(work) && git init -q -b main && git -c user.email=t@e -c user.name=T add -A "
                            + "&& git -c user.email=t@e -c user.name=T commit -qm first").status, 0)
        newClaude("p", prompt: "Fix the bug", turns: [[["say": "First answer."]], [["say": "Second answer."]]], extra: ["worktree=yes"])
        m.waitState("p", ["idle"], timeout: 15)
        waitReport("p", "idle")
        let parentID = try XCTUnwrap(m.status("p", "agent.session"))
        let parentTranscript = try XCTUnwrap(events("p").compactMap { $0["transcript"] as? String }.first)
        let parentBytes = try XCTUnwrap(FileManager.default.contents(atPath: parentTranscript))

        XCTAssertEqual(m.write("p/control", "fork q prompt=\"Try another way\"\n"), 0, m.read("p/control") ?? "")
        m.waitState("q", ["idle"], timeout: 15)
        waitReport("q", "idle")
        let childID = try XCTUnwrap(m.status("q", "agent.session"))
        XCTAssertNotEqual(childID, parentID)
        let argv = try XCTUnwrap(m.jsonLines(m.root + "/p.argv.jsonl").last?["argv"] as? [String])
        let at = try XCTUnwrap(argv.firstIndex(of: "--resume"))
        // The conversation as it was at the fork, a copy under an id of its own: never the parent's transcript.
        let fork = try XCTUnwrap(events("q").first { $0["kind"] as? String == "fork" }?["fork"] as? [String: Any])
        XCTAssertEqual(fork["conversation"] as? String, parentID)
        let snapshot = try XCTUnwrap(fork["snapshot"] as? String)
        XCTAssertNotEqual(snapshot, parentID)
        XCTAssertEqual(Array(argv[at...].prefix(5)), ["--resume", snapshot, "--fork-session", "--session-id", childID], "\(argv)")
        XCTAssertEqual(argv.last, "Try another way")
        XCTAssertTrue(reported("q").contains("prompt Try another way"), "\(reported("q"))")
        // Its transcript begins with the parent's conversation and goes on in its worktree's project folder.
        let worktree = try XCTUnwrap(m.status("q", "worktree"))
        let childTranscript = try XCTUnwrap(events("q").compactMap { $0["transcript"] as? String }.first)
        XCTAssertTrue(childTranscript.hasSuffix("/" + childID + ".jsonl"), childTranscript)
        XCTAssertTrue(childTranscript.contains(worktree.replacingOccurrences(of: "/", with: "-")), childTranscript)
        let childBytes = try XCTUnwrap(FileManager.default.contents(atPath: childTranscript))
        XCTAssertTrue(childBytes.starts(with: parentBytes), "the fork starts from the parent's conversation")
        XCTAssertGreaterThan(childBytes.count, parentBytes.count)
        // The parent's conversation is its own still.
        XCTAssertEqual(FileManager.default.contents(atPath: parentTranscript), parentBytes)
        XCTAssertEqual(m.status("p", "agent.session"), parentID)
        XCTAssertTrue((m.read("q/events") ?? "").contains("conversation \(parentID) forked"), m.read("q/events") ?? "")
    }

    func testAForkInTheParentsOwnFolderResumesACopyNeverTheParentsTranscript() throws {
        newClaude("p", prompt: "Fix the bug", turns: [[["say": "First answer."]], [["say": "Forked answer."]]])
        waitReport("p", "idle")
        let parentID = try XCTUnwrap(m.status("p", "agent.session"))
        let parentTranscript = try XCTUnwrap(events("p").compactMap { $0["transcript"] as? String }.first)
        let parentBytes = try XCTUnwrap(FileManager.default.contents(atPath: parentTranscript))
        XCTAssertEqual(m.write("p/control", "fork q prompt=\"Again\"\n"), 0, m.read("p/control") ?? "")
        waitReport("q", "idle")
        XCTAssertEqual(m.status("q", "dir"), work, "no repository: the same folder")
        XCTAssertEqual(FileManager.default.contents(atPath: parentTranscript), parentBytes, "the parent's transcript was not written")
        let childTranscript = try XCTUnwrap(events("q").compactMap { $0["transcript"] as? String }.first)
        XCTAssertNotEqual(childTranscript, parentTranscript)
        XCTAssertTrue(try XCTUnwrap(FileManager.default.contents(atPath: childTranscript)).starts(with: parentBytes))
        XCTAssertEqual(m.status("p", "agent.session"), parentID)
    }
}
