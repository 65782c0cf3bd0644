import Foundation
import XCTest

/// The shape of the tree, its modes, and `stat` telling the truth.
final class TreeTests: MountedTestCase {
    func testRootListsItsFilesSortedWithModes() {
        newShell("beta", "sleep 60")
        newShell("alpha", "sleep 60")
        let ls = m.sh("ls -a $MNT").out.split(separator: "\n").map(String.init)
        XCTAssertEqual(ls, [".", "..", "alpha", "beta", "control", "events", "history", "spool", "status", "status.json"])
        let modes = m.sh("stat -c '%n %A' $MNT/control $MNT/status $MNT/status.json $MNT/events $MNT/history $MNT/alpha").out
        XCTAssertTrue(modes.contains("/status.json -r--r--r--"), modes)
        XCTAssertTrue(modes.contains("/control -rw-------"), modes)
        XCTAssertTrue(modes.contains("/status -r--r--r--"), modes)
        XCTAssertTrue(modes.contains("/events -r--r--r--"), modes)
        XCTAssertTrue(modes.contains("/history drwxr-xr-x"), modes)
        XCTAssertTrue(modes.contains("/alpha drwxr-xr-x"), modes)
        XCTAssertEqual(m.sh("stat -c %u $MNT/alpha/status").out.trimmingCharacters(in: .whitespacesAndNewlines), String(getuid()))
    }

    func testRootStatusJSONIsEverySessionsStatusJSONInOneArray() throws {
        XCTAssertEqual(m.read("status.json"), "[]\n")
        newShell("beta", "sleep 60")
        newShell("alpha", "sleep 60")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((m.read("status.json") ?? "").utf8)) as? [[String: Any]])
        XCTAssertEqual(root.map { $0["name"] as? String }, ["alpha", "beta"])
        for (i, name) in ["alpha", "beta"].enumerated() {
            let own = try XCTUnwrap(JSONSerialization.jsonObject(with: Data((m.read(name + "/status.json") ?? "").utf8)) as? [String: Any])
            XCTAssertEqual(Set(root[i].keys), Set(own.keys))
            XCTAssertEqual(root[i]["pid"] as? Int, own["pid"] as? Int)
            XCTAssertEqual(root[i]["attach"] as? String, own["attach"] as? String)
        }
        XCTAssertTrue(root[0].keys.contains("changed"))
        XCTAssertEqual(m.sh("stat -c %s $MNT/status.json").out.trimmingCharacters(in: .whitespacesAndNewlines),
                       String((m.read("status.json") ?? "").utf8.count), "stat tells its size")
    }

    func testSessionDirectoryHoldsEveryFile() {
        newShell("s1", "sleep 60")
        let ls = m.sh("ls $MNT/s1").out.split(separator: "\n").map(String.init)
        XCTAssertEqual(ls, ["agent", "command", "control", "diff", "diff.stat", "dir", "events", "events.jsonl", "files", "git", "git.json",
                            "log", "mode", "model", "permission", "permission.json", "prompt", "queue", "sandbox", "screen", "screen.ansi", "setup", "state",
                            "status", "status.json", "trust", "worktree"])
        let modes = m.sh("cd $MNT/s1 && stat -c '%n %a' control queue state status agent").out
        XCTAssertTrue(modes.contains("control 600"), modes)
        XCTAssertTrue(modes.contains("queue 600"), modes)
        XCTAssertTrue(modes.contains("state 444"), modes)
        XCTAssertTrue(modes.contains("status 444"), modes)
        XCTAssertTrue(modes.contains("agent 444"), "spec files are read-only once started: \(modes)")
    }

    func testStatSizeIsWhatAReadReturns() {
        newShell("s1", "sleep 60")
        for f in ["s1/status", "s1/status.json", "s1/state", "s1/control", "s1/events", "s1/events.jsonl", "s1/command", "s1/queue", "status", "control", "events"] {
            let r = m.sh("stat -c %s $MNT/\(f); cat $MNT/\(f) | wc -c")
            let nums = r.out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            XCTAssertEqual(nums.count, 2, f)
            XCTAssertEqual(nums.first, nums.last, "\(f): stat size and bytes read differ")
        }
    }

    func testMtimeMovesWhenEventsAreAdded() {
        newShell("s1", "sleep 60")
        let before = m.sh("stat -c %Y.%s $MNT/s1/events").out
        sleep(1)
        XCTAssertEqual(m.write("s1/control", "pause\n"), 0)
        let after = m.sh("stat -c %Y.%s $MNT/s1/events").out
        XCTAssertNotEqual(before, after)
    }

    func testStrayFilesRenamesAndDeletesAreRefused() {
        newShell("s1", "sleep 60")
        XCTAssertEqual(m.write("s1/notes.txt", "x", flags: O_WRONLY | O_CREAT), EACCES)
        XCTAssertEqual(m.write("stray", "x", flags: O_WRONLY | O_CREAT), EACCES)
        XCTAssertEqual(mkdir(m.mnt + "/s1/sub", 0o755) == 0 ? 0 : errno, EACCES)
        XCTAssertEqual(rename(m.mnt + "/s1", m.mnt + "/s2") == 0 ? 0 : errno, EPERM)
        XCTAssertEqual(unlink(m.mnt + "/s1/status") == 0 ? 0 : errno, EPERM)
        XCTAssertTrue(m.sh("ls $MNT/s1").out.contains("status"))
    }

    func testStatusTableAndJSONTwin() throws {
        newShell("s1", "sleep 60")
        let table = m.read("status") ?? ""
        let lines = table.split(separator: "\n")
        XCTAssertEqual(lines.first.map { $0.split(separator: " ").map(String.init) }, ["NAME", "STATE", "AGENT", "IDLE", "TOKENS", "COST", "BRANCH", "CPU", "MEM", "REASON"])
        XCTAssertTrue(lines.dropFirst().first?.hasPrefix("s1 ") ?? false, table)
        let json = try JSONSerialization.jsonObject(with: Data((m.read("s1/status.json") ?? "").utf8)) as? [String: Any]
        XCTAssertEqual(json?["name"] as? String, "s1")
        XCTAssertEqual(json?["agent"] as? String, "shell")
        XCTAssertEqual((json?["pid"] as? NSNumber)?.int32Value, m.pid("s1"))
        XCTAssertTrue(json?["tokens.input"] is NSNull)
        XCTAssertEqual(m.status("s1", "tokens.input"), "-")
        XCTAssertEqual(m.status("s1", "attach"), "tmux -L \(m.socket) attach -t s1")
    }
}
