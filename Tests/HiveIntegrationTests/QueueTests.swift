import Foundation
import XCTest

/// A session's `queue`: prompts appended to it are typed one a turn, once the agent
/// is idle; waiting and paused agents hold them; `queue clear` drops them; a crash
/// of the daemon loses none and types none twice.
final class QueueTests: ClaudeTestCase {
    /// `queue.sent` and `prompt` events, in order, as `KIND DETAIL`.
    func deliveries(_ name: String) -> [String] {
        events(name).compactMap { e in
            guard let k = e["kind"] as? String, k == "queue.sent" || k == "prompt" else { return nil }
            return k + " " + (e["detail"] as? String ?? "")
        }
    }

    func kinds(_ name: String, _ kind: String) -> [String] {
        events(name).filter { $0["kind"] as? String == kind }.map { $0["detail"] as? String ?? "" }
    }

    func append(_ path: String, _ text: String) -> Int32 { m.write(path, text, flags: O_WRONLY | O_APPEND) }

    func testPromptsAppendedWhileWorkingGoOneATurnInOrder() {
        newClaude("q", turns: [[["sleep": 2], ["say": "first"]], [["say": "did a"]], [["say": "did b"]]])
        waitReport("q", "prompt Fix the bug")
        XCTAssertEqual(append("q/queue", "a\n"), 0)
        XCTAssertEqual(m.sh("echo b >> $MNT/q/queue").status, 0)
        XCTAssertEqual(m.read("q/queue"), "a\nb\n", "what is pending, as written")
        XCTAssertEqual(m.status("q", "queue"), "2")
        XCTAssertEqual(kinds("q", "queue.sent"), [], "a working agent holds the queue")
        waitReport("q", "idle did b", timeout: 30)
        XCTAssertEqual(deliveries("q"), ["prompt Fix the bug", "queue.sent 1 a", "prompt a", "queue.sent 2 b", "prompt b"])
        XCTAssertEqual(kinds("q", "queue.added"), ["1 a", "2 b"])
        XCTAssertEqual(m.read("q/queue"), "")
        XCTAssertEqual(m.status("q", "queue"), "0")
        let json = try? JSONSerialization.jsonObject(with: Data((m.read("q/status.json") ?? "").utf8)) as? [String: Any]
        XCTAssertEqual(json?["queue"] as? Int, 0)
        XCTAssertEqual(m.sh("stat -c %a $MNT/q/queue").out, "600\n")
    }

    func testAWaitingAgentHoldsTheQueueUntilApproved() {
        newClaude("w", turns: [[["tools": [["name": "Bash", "input": ["command": "make deploy"], "permission": "ask"]]], ["say": "deployed"]],
                               [["say": "did a"]]])
        m.waitState("w", ["waiting"])
        XCTAssertEqual(append("w/queue", "a\n"), 0)
        XCTAssertEqual(kinds("w", "queue.sent"), [], "waiting: held")
        XCTAssertEqual(m.read("w/queue"), "a\n")
        XCTAssertTrue(waitUntil(10) { !(self.m.read("w/permission") ?? "").isEmpty }, "the question is read from the screen")
        XCTAssertEqual(m.write("w/control", "approve\n"), 0)
        waitReport("w", "idle did a", timeout: 30)
        XCTAssertEqual(deliveries("w"), ["prompt Fix the bug", "queue.sent 1 a", "prompt a"])
    }

    func testAPausedAgentHoldsTheQueueUntilResumed() {
        newClaude("p", turns: [[["say": "first"]], [["say": "did a"]]])
        waitReport("p", "idle first")
        XCTAssertEqual(m.write("p/control", "pause\n"), 0)
        m.waitState("p", ["paused"])
        XCTAssertEqual(append("p/queue", "a\n"), 0)
        XCTAssertEqual(kinds("p", "queue.sent"), [], "paused: held")
        XCTAssertEqual(m.status("p", "queue"), "1")
        XCTAssertEqual(m.write("p/control", "resume\n"), 0)
        waitReport("p", "idle did a", timeout: 30)
        XCTAssertEqual(deliveries("p"), ["prompt Fix the bug", "queue.sent 1 a", "prompt a"])
        XCTAssertEqual(m.read("p/queue"), "")
    }

    func testQueueClearDropsThePendingPrompts() {
        newClaude("c", turns: [[["sleep": 2], ["say": "first"]]])
        waitReport("c", "prompt Fix the bug")
        XCTAssertEqual(append("c/queue", "a\nb\n"), 0)
        XCTAssertEqual(m.write("c/control", "queue clear\n"), 0)
        XCTAssertEqual(m.read("c/queue"), "")
        XCTAssertEqual(m.status("c", "queue"), "0")
        XCTAssertEqual(kinds("c", "queue.cleared"), ["2 prompts dropped"])
        waitReport("c", "idle first")
        XCTAssertEqual(kinds("c", "queue.sent"), [], "nothing left to deliver once idle")
        // Anything else after `queue` is refused, and the queue is as it was.
        XCTAssertEqual(append("c/queue", "later\n"), 0)
        XCTAssertEqual(m.write("c/control", "queue flush\n"), EINVAL)
        XCTAssertTrue((m.read("c/control") ?? "").contains("EINVAL queue takes one word"), m.read("c/control") ?? "")
        XCTAssertEqual(kinds("c", "queue.cleared").count, 1)
    }

    func testARefusedWriteQueuesNothingOfIt() {
        XCTAssertEqual(mkdir(m.mnt + "/held", 0o755), 0)
        XCTAssertEqual(append("held/queue", "a\n"), 0)
        // `echo x > queue` opens with O_TRUNC: it appends too.
        XCTAssertEqual(m.write("held/queue", "b\r\n\n"), 0)
        XCTAssertEqual(m.read("held/queue"), "a\nb\n")
        let long = "ok\n" + String(repeating: "x", count: 70000) + "\n"
        XCTAssertEqual(append("held/queue", long), E2BIG)
        XCTAssertEqual(m.write("held/queue", Array("c\n".utf8) + [0] + Array("\n".utf8), flags: O_WRONLY | O_APPEND), EINVAL)
        XCTAssertEqual(m.write("held/queue", [0x64, 0xFF, 0x0A], flags: O_WRONLY | O_APPEND), EINVAL)
        XCTAssertEqual(m.read("held/queue"), "a\nb\n", "nothing of a refused write was queued")
        XCTAssertEqual(m.status("held", "queue"), "2")
        XCTAssertEqual(kinds("held", "queue.added"), ["1 a", "2 b"])
        XCTAssertTrue((m.read("held/control") ?? "").contains("EINVAL"), "the refusal is shown on control")
        XCTAssertEqual(m.state("held"), "new", "a new session holds its queue")
    }

    func testADaemonCrashLosesNoPromptAndTypesNoneTwice() throws {
        newClaude("k", turns: [[["sleep": 3], ["say": "first"]], [["say": "did a"]], [["say": "did b"]]])
        waitReport("k", "prompt Fix the bug")
        XCTAssertEqual(append("k/queue", "a\nb\n"), 0)
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.read("k/queue").map { $0.isEmpty || $0 == "b\n" || $0 == "a\nb\n" }, true, m.read("k/queue") ?? "-")
        waitReport("k", "idle did b", timeout: 30)
        XCTAssertEqual(deliveries("k"), ["prompt Fix the bug", "queue.sent 1 a", "prompt a", "queue.sent 2 b", "prompt b"])
        XCTAssertEqual(m.read("k/queue"), "")
        XCTAssertEqual(kinds("k", "adopted").count, 1)
    }

    func testAShellAgentTakesThemOneAtATimeAcrossACrash() {
        let script = "while read l; do echo got \"$l\"; sleep 0.3; done"
        newShell("s", "sh -c '\(script)'")
        m.waitState("s", ["idle"])
        XCTAssertEqual(m.write("s/control", "pause\n"), 0)
        m.waitState("s", ["paused"])
        XCTAssertEqual(append("s/queue", "one\ntwo\nthree\n"), 0)
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.read("s/queue"), "one\ntwo\nthree\n", "the queue is read back from the log")
        XCTAssertEqual(m.write("s/control", "resume\n"), 0)
        XCTAssertTrue(waitUntil(30) { self.kinds("s", "queue.sent").count == 3 && self.m.state("s") == "idle" },
                      m.read("s/events") ?? "")
        XCTAssertTrue(waitUntil(10) { (self.m.read("s/log") ?? "").contains("got three") }, m.read("s/log") ?? "")
        // The terminal ends its lines with "\r\n", one Character to Swift.
        let got = (m.read("s/log") ?? "").split(whereSeparator: \.isNewline).filter { $0.hasPrefix("got ") }.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(got, ["got one", "got two", "got three"])
        XCTAssertEqual(kinds("s", "queue.sent"), ["1 one", "2 two", "3 three"])
        XCTAssertEqual(m.read("s/queue"), "")
    }

    /// Makes the log say prompt `id` was delivered, as a daemon that crashed after
    /// recording the delivery and before typing it leaves it: its `queue.added` line
    /// again, as `queue.sent`.
    func recordSentWithoutTyping(_ name: String, id: Int) throws {
        let path = m.state + "/sessions/\(name)/events.jsonl"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let added = try XCTUnwrap(text.split(separator: "\n").last { $0.contains("\"kind\":\"queue.added\"") && $0.contains("\"key\":\"\(id)\"") })
        let sent = added.replacingOccurrences(of: "\"kind\":\"queue.added\"", with: "\"kind\":\"queue.sent\"")
        let fd = open(path, O_WRONLY | O_APPEND)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertEqual(Foundation.write(fd, sent + "\n", sent.utf8.count + 1), sent.utf8.count + 1)
        close(fd)
    }

    func testAPromptRecordedButNeverTypedIsTypedOnceByTheNextDaemon() throws {
        newClaude("r", turns: [[["say": "first"]], [["say": "did a"]], [["say": "did b"]]])
        waitReport("r", "idle first")
        XCTAssertEqual(m.write("r/control", "pause\n"), 0)
        m.waitState("r", ["paused"])
        XCTAssertEqual(append("r/queue", "a\nb\n"), 0)
        m.crashDaemon()
        try recordSentWithoutTyping("r", id: 1)
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.read("r/queue"), "b\n", "a was delivered, as far as the log says")
        XCTAssertEqual(m.write("r/control", "resume\n"), 0)
        waitReport("r", "idle did b", timeout: 30)
        let d = deliveries("r")
        XCTAssertEqual(d.count, 6, "\(d)")
        XCTAssertEqual(Array(d.prefix(2)), ["prompt Fix the bug", "queue.sent 1 a"])
        XCTAssertTrue(d[2].hasPrefix("queue.sent 1 a (again: "), d[2])
        XCTAssertEqual(Array(d.suffix(3)), ["prompt a", "queue.sent 2 b", "prompt b"], "typed once, then the next")
        XCTAssertEqual(events("r").filter { $0["kind"] as? String == "queue.sent" }.compactMap { $0["reason"] as? String }, ["again"])
    }

    func testAnAgentThatReportsNoPromptsIsNeverTypedAPromptTwice() throws {
        newShell("t", "sh -c 'while read l; do echo got \"$l\"; done'")
        m.waitState("t", ["idle"])
        XCTAssertEqual(m.write("t/control", "pause\n"), 0)
        m.waitState("t", ["paused"])
        XCTAssertEqual(append("t/queue", "one\ntwo\n"), 0)
        m.crashDaemon()
        try recordSentWithoutTyping("t", id: 1)
        XCTAssertNoThrow(try m.mount())
        XCTAssertEqual(m.write("t/control", "resume\n"), 0)
        XCTAssertTrue(waitUntil(20) { (self.m.read("t/log") ?? "").contains("got two") && self.m.state("t") == "idle" },
                      m.read("t/events") ?? "")
        XCTAssertFalse((m.read("t/log") ?? "").contains("got one"), "at most once: one may have been typed before the crash")
        XCTAssertEqual(kinds("t", "queue.sent"), ["1 one", "2 two"])
        XCTAssertEqual(m.read("t/queue"), "")
    }

    // MARK: writers that buffer

    func testALineWrittenInBlocksThroughOneOpenFileIsOnePrompt() {
        XCTAssertEqual(mkdir(m.mnt + "/blocks", 0o755), 0)
        // As a buffering writer does: 3 KB blocks cut anywhere, through one open file.
        let py = """
        import os, sys
        text = ("x" * 10000) + "\\n" + "é✓ second " * 400 + "\\nlast, no newline"
        data = text.encode()
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
        for i in range(0, len(data), 3000):
            assert os.write(fd, data[i:i + 3000]) == len(data[i:i + 3000])
        os.close(fd)
        """
        let r = m.sh("python3 -c '\(py)' $MNT/blocks/queue")
        XCTAssertEqual(r.status, 0, r.err)
        let second = String(repeating: "é✓ second ", count: 400)
        // The last line is taken at release, which comes after close(2) returns.
        XCTAssertTrue(waitUntil(10) { self.m.status("blocks", "queue") == "3" }, m.read("blocks/events") ?? "")
        XCTAssertEqual(m.read("blocks/queue"), String(repeating: "x", count: 10000) + "\n" + second + "\nlast, no newline\n")
        XCTAssertEqual(kinds("blocks", "queue.added").count, 3, "one prompt a line, not one a block")
    }

    func testALineOverTheLimitWithoutANewlineIsRefusedAtOnceAndTheNextLineIsTaken() {
        XCTAssertEqual(mkdir(m.mnt + "/long", 0o755), 0)
        let py = """
        import os, sys
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
        os.write(fd, b"x" * 40000)
        try:
            os.write(fd, b"x" * 40000)
            print("taken")
        except OSError as e:
            print(e.errno)
        os.write(fd, b"xx\\nnext\\n")
        os.close(fd)
        """
        let r = m.sh("python3 -c '\(py)' $MNT/long/queue")
        XCTAssertEqual(r.out, "\(E2BIG)\n", r.err)
        XCTAssertEqual(m.read("long/queue"), "next\n", "the long line is dropped to its newline; nothing else is lost")
        XCTAssertEqual(kinds("long", "queue.added"), ["1 next"])
        // A line over the limit whose last block ends it with the block's only newline:
        // the line is refused, the block that ends it taken as nothing, and the daemon goes on.
        let blocks = """
        import os, sys
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
        try:
            os.write(fd, b"y" * 66000)
        except OSError as e:
            print(e.errno)
        os.write(fd, b"y" * 4000 + b"\\n")
        os.close(fd)
        """
        let once = m.sh("python3 -c '\(blocks)' $MNT/long/queue")
        XCTAssertEqual(once.out, "\(E2BIG)\n", once.err)
        XCTAssertEqual(append("long/queue", "after\n"), 0, "the mount still answers")
        XCTAssertEqual(m.read("long/queue"), "next\nafter\n")
    }

    func testAControlCharacterInAPromptIsRefusedAndNothingIsQueued() {
        XCTAssertEqual(mkdir(m.mnt + "/ctl", 0o755), 0)
        XCTAssertEqual(append("ctl/queue", "a\n"), 0)
        XCTAssertEqual(append("ctl/queue", "fine\nstop\u{1B}here\n"), EINVAL)
        XCTAssertTrue((m.read("ctl/control") ?? "").contains("EINVAL prompt 2 holds the control character U+001B at character 5"),
                      m.read("ctl/control") ?? "")
        XCTAssertEqual(append("ctl/queue", "early\rsubmit\n"), EINVAL)
        XCTAssertTrue((m.read("ctl/control") ?? "").contains("U+000D at character 6"), m.read("ctl/control") ?? "")
        XCTAssertEqual(m.read("ctl/queue"), "a\n", "nothing of a refused write")
        XCTAssertEqual(append("ctl/queue", "tab\tis fine\r\n"), 0)
        XCTAssertEqual(m.read("ctl/queue"), "a\ntab\tis fine\n")
    }

    func testAQueueHoldsAtMost4MiBPending() {
        XCTAssertEqual(mkdir(m.mnt + "/full", 0o755), 0)
        let line = String(repeating: "y", count: 65536) + "\n"
        // 4 MiB in one write(2): the kernel hands it on in blocks.
        XCTAssertEqual(append("full/queue", String(repeating: line, count: 64)), 0)
        XCTAssertEqual(m.status("full", "queue"), "64")
        XCTAssertEqual(append("full/queue", "one more\n"), ENOSPC)
        XCTAssertEqual(m.status("full", "queue"), "64", "nothing of it was queued")
        XCTAssertTrue((m.read("full/control") ?? "").contains("ENOSPC a queue holds at most 4194304 bytes"), m.read("full/control") ?? "")
        XCTAssertEqual(m.write("full/control", "queue clear\n"), 0)
        XCTAssertEqual(append("full/queue", "one more\n"), 0)
    }
}
