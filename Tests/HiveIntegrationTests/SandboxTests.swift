import Foundation
import XCTest

/// `sandbox=bwrap`: Debian's bubblewrap around shell sessions. What the agent may
/// write, what it may reach, and what happens when the sandbox cannot start.
class SandboxTestCase: MountedTestCase {
    /// The daemon's (and so the agents') home: the test's, with a `.bashrc` to protect.
    var home: String { m.root + "/home" }

    override func setUpWithError() throws {
        guard access("/usr/bin/bwrap", X_OK) == 0 else { throw XCTSkip("bubblewrap is not installed (apt install bubblewrap)") }
        try super.setUpWithError()
    }

    override func prepare(_ m: MountFixture) throws {
        try FileManager.default.createDirectory(atPath: m.root + "/home", withIntermediateDirectories: true)
        try "# the user's own\n".write(toFile: m.root + "/home/.bashrc", atomically: true, encoding: .utf8)
        m.environment += ["HOME=" + m.root + "/home"]
    }

    /// What a session printed (its log, which outlives its screen).
    func printed(_ name: String) -> String { m.read(name + "/log") ?? "" }

    func waitPrinted(_ name: String, _ text: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(waitUntil(timeout) { self.printed(name).contains(text) }, "\(name) printed:\n\(printed(name))", file: file, line: line)
    }
}

final class SandboxTests: SandboxTestCase {
    func testASandboxedSessionWritesItsWorktreeAndNothingElse() throws {
        let repo = makeRepo("repo")
        // Its neighbour, unsandboxed, in a worktree of the same repository.
        XCTAssertEqual(m.write("control", "new other agent=shell dir=\(repo) worktree=yes command=\"sleep 300\"\n"), 0)
        m.waitState("other", ["working", "idle"])
        let otherTree = try XCTUnwrap(m.status("other", "worktree"))
        let otherBefore = m.sh("cd '\(otherTree)' && git status --porcelain && ls -a").out
        let bashrc = try String(contentsOfFile: home + "/.bashrc", encoding: .utf8)

        let script = """
            echo mine > own.txt && echo own-ok; \
            echo evil >> ~/.bashrc || echo bashrc-refused; \
            echo evil > \(otherTree)/intruder.txt || echo other-refused; \
            echo t > /tmp/private.txt && echo tmp-ok; \
            git add own.txt && git commit -qm 'from the sandbox' && echo commit-ok; \
            echo 'rm -rf ~' > \(repo)/.git/hooks/post-commit || echo hooks-refused; \
            git config core.hooksPath /tmp || echo config-refused; \
            echo /tmp > \(repo)/.git/commondir || echo commondir-refused; \
            test -e \(m.state)/link.sock || echo no-link-sock; \
            test -e \(m.mnt)/other/control || echo no-other-sessions; \
            kill -0 \(m.daemon ?? 1) 2>/dev/null || echo no-daemon-pid; \
            ls /proc/\(m.daemon ?? 1)/root/ > /dev/null 2>&1 || echo no-proc-root; \
            umount \(m.root)/home > /dev/null 2>&1 || echo no-umount; \
            echo all-tried; sleep 300
            """
        XCTAssertEqual(m.write("control", "new boxed agent=shell dir=\(repo) worktree=yes sandbox=bwrap command=\"sh -c \\\"\(script)\\\"\"\n"), 0,
                       m.read("control") ?? "")
        waitPrinted("boxed", "all-tried")
        let out = printed("boxed")
        // What git would run later, outside, stays as it was; the ways out of the sandbox
        // (the daemon's link socket, which serves the whole tree, and the mount) are not there.
        XCTAssertTrue(FileManager.default.fileExists(atPath: m.state + "/link.sock"), "the test means something")
        // Nor can it signal, or reach through /proc, a process outside, nor undo its mounts (as root, without capabilities).
        for expected in ["own-ok", "bashrc-refused", "other-refused", "tmp-ok", "commit-ok", "hooks-refused", "config-refused", "commondir-refused",
                         "no-link-sock", "no-other-sessions", "no-daemon-pid", "no-proc-root", "no-umount"] {
            XCTAssertTrue(out.contains(expected), "\(expected) missing in:\n\(out)")
        }
        // The agent's own error, as the kernel gave it to it.
        XCTAssertTrue(out.contains("Read-only file system"), out)
        XCTAssertEqual(m.status("boxed", "sandbox"), "bwrap")
        XCTAssertEqual(m.status("boxed", "sandbox.network"), "on")

        // Outside: its own file and commit are there; nothing else changed.
        let ownTree = try XCTUnwrap(m.status("boxed", "worktree"))
        XCTAssertEqual(try String(contentsOfFile: ownTree + "/own.txt", encoding: .utf8), "mine\n")
        XCTAssertTrue(m.sh("cd '\(ownTree)' && git log --format=%s -1").out.contains("from the sandbox"))
        XCTAssertTrue(waitUntil(5) { (self.m.read("boxed/git") ?? "").contains("from the sandbox") }, m.read("boxed/git") ?? "")
        XCTAssertEqual(try String(contentsOfFile: home + "/.bashrc", encoding: .utf8), bashrc)
        XCTAssertEqual(m.sh("cd '\(otherTree)' && git status --porcelain && ls -a").out, otherBefore)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/private.txt"), "its /tmp is its own")
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/.git/hooks/post-commit"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: repo + "/.git/commondir"), "git would follow it to another repository's config")
        XCTAssertFalse(m.sh("git -C '\(repo)' config core.hooksPath").out.contains("/tmp"))
    }

    func testTheWholeTreeIsPausedResumedKilledAndRestartedInsideTheSandbox() throws {
        let file = m.root + "/count"
        let script = "echo started >> \(m.root)/starts; while :; do echo x >> \(file); sleep 0.05; done"
        try FileManager.default.createDirectory(atPath: m.root + "/proj", withIntermediateDirectories: true)
        XCTAssertEqual(m.write("control", "new s agent=shell dir=\(m.root)/proj sandbox=bwrap sandbox.write=\(m.root) command=\"sh -c '\(script)'\"\n"), 0,
                       m.read("control") ?? "")
        m.waitState("s", ["working", "idle"])
        func size() -> Int { (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1 }
        XCTAssertTrue(waitUntil(3) { size() > 0 })
        XCTAssertEqual(m.write("s/control", "pause\n"), 0)
        usleep(200_000)
        let frozen = size()
        usleep(600_000)
        XCTAssertEqual(size(), frozen)
        XCTAssertEqual(m.write("s/control", "resume\n"), 0)
        XCTAssertTrue(waitUntil(3) { size() > frozen })
        let pid = try XCTUnwrap(m.pid("s"))
        let tree = processTree(pid)
        XCTAssertEqual(m.write("s/control", "restart\n"), 0)
        m.waitState("s", ["working", "idle"])
        XCTAssertTrue(waitUntil(3) { tree.keys.allSatisfy { !alive($0) } }, "the old run's processes, bwrap's too, are gone")
        XCTAssertTrue(waitUntil(3) { ((try? String(contentsOfFile: self.m.root + "/starts", encoding: .utf8)) ?? "").split(separator: "\n").count == 2 })
        XCTAssertEqual(m.write("s/control", "kill\n"), 0)
        XCTAssertEqual(m.state("s"), "killed")
    }

    func testNetworkOffCannotReachAServerOnLoopback() throws {
        // A server on 127.0.0.1 that says hello to whoever connects (ended by the test, or after 60 s).
        let port = 20_000 + Int(getpid() % 20_000)
        let server = """
            import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
            s.bind(('127.0.0.1', \(port))); s.listen(); s.settimeout(60)
            while True:
                c, _ = s.accept(); c.sendall(b'hello-from-server'); c.close()
            """
        try server.write(toFile: m.root + "/server.py", atomically: true, encoding: .utf8)
        m.sh("timeout 60 python3 \(m.root)/server.py > /dev/null 2>&1 &")
        addTeardownBlock { [m] in m?.sh("pkill -f '\(m?.root ?? "-")/server.py'") }
        XCTAssertTrue(waitUntil(5) { self.m.sh("python3 -c \"import socket; socket.create_connection(('127.0.0.1', \(port)))\"").status == 0 })

        // In its home: the rest of the test's folder is under /tmp, which the sandbox hides.
        try "import socket\nprint(socket.create_connection(('127.0.0.1', \(port)), timeout=5).recv(64))\n"
            .write(toFile: home + "/client.py", atomically: true, encoding: .utf8)
        let client = "sh -c 'python3 \(home)/client.py; echo client-done; sleep 60'"
        try FileManager.default.createDirectory(atPath: m.root + "/proj", withIntermediateDirectories: true)
        XCTAssertEqual(m.write("control", "new cut agent=shell dir=\(m.root)/proj sandbox=bwrap sandbox.network=off command=\"\(client)\"\n"), 0,
                       m.read("control") ?? "")
        XCTAssertEqual(m.write("control", "new open agent=shell dir=\(m.root)/proj sandbox=bwrap command=\"\(client)\"\n"), 0)
        waitPrinted("cut", "client-done")
        waitPrinted("open", "client-done")
        XCTAssertTrue(printed("cut").contains("ConnectionRefusedError") || printed("cut").contains("Network is unreachable"), printed("cut"))
        XCTAssertFalse(printed("cut").contains("hello-from-server"))
        XCTAssertTrue(printed("open").contains("hello-from-server"), printed("open"))
        XCTAssertEqual(m.status("cut", "sandbox.network"), "off")
    }

    func testSandboxKeysAreChecked() throws {
        XCTAssertEqual(m.write("control", "new a agent=shell command=true sandbox=docker\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new a agent=shell command=true sandbox.network=maybe\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new a agent=shell command=true sandbox.write=relative/path sandbox=bwrap\n"), EINVAL)
        XCTAssertEqual(m.write("control", "new a agent=shell command=true sandbox=none sandbox.network=off\n"), EINVAL,
                       "a network rule needs a sandbox")
        XCTAssertNil(m.read("a/state"))
        // A writable path that is not there fails the start, with the path named.
        try FileManager.default.createDirectory(atPath: m.root + "/proj", withIntermediateDirectories: true)
        XCTAssertEqual(m.write("control", "new b agent=shell dir=\(m.root)/proj command=\"sleep 30\" sandbox=bwrap sandbox.write=\(m.root)/nowhere\n"), 0)
        m.waitState("b", ["failed"])
        XCTAssertTrue((m.status("b", "reason") ?? "").contains("\(m.root)/nowhere does not exist"), m.read("b/status") ?? "")
        // Its folder is writable whole: the home (the default dir) is refused, with the way out.
        XCTAssertEqual(m.write("control", "new h agent=shell command=\"sleep 30\" sandbox=bwrap\n"), 0)
        m.waitState("h", ["failed"])
        XCTAssertTrue((m.status("h", "reason") ?? "").contains("holds the home"), m.read("h/status") ?? "")
        // The spec file of a new session.
        XCTAssertEqual(mkdir(m.mnt + "/c", 0o755), 0)
        XCTAssertEqual(m.read("c/sandbox"), "none\n")
        XCTAssertEqual(m.write("c/sandbox", "bwrap\n"), 0)
        XCTAssertEqual(m.write("c/sandbox", "chroot\n"), EINVAL)
        XCTAssertEqual(m.read("c/sandbox"), "bwrap\n")
    }
}

/// A sandbox that cannot start fails its session with the reason and the fix; it never runs unsandboxed.
final class BrokenSandboxTests: SandboxTestCase {
    override func prepare(_ m: MountFixture) throws {
        try super.prepare(m)
        try "bwrap = \"\(m.root)/no/bwrap\"\nsandbox = \"bwrap\"\n".write(toFile: m.root + "/none.toml", atomically: true, encoding: .utf8)
    }

    func testAMissingBwrapFailsTheSessionAndNothingRuns() throws {
        XCTAssertEqual(m.write("control", "new a agent=shell command=\"touch \(m.root)/ran\"\n"), 0)
        m.waitState("a", ["failed"])
        let reason = m.status("a", "reason") ?? ""
        XCTAssertTrue(reason.contains("bubblewrap is not at \(m.root)/no/bwrap"), reason)
        XCTAssertTrue(reason.contains("apt install bubblewrap"), reason)
        XCTAssertEqual(m.status("a", "sandbox"), "bwrap", "the config's default")
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.root + "/ran"), "never started without its sandbox")
        // The config's default is only a default.
        XCTAssertEqual(m.write("control", "new b agent=shell sandbox=none command=\"touch \(m.root)/ran\"\n"), 0)
        XCTAssertTrue(waitUntil(5) { FileManager.default.fileExists(atPath: self.m.root + "/ran") })
    }

    func testABwrapThatCannotMakeItsNamespacesSaysSo() throws {
        // bubblewrap's own words when user namespaces are off, from a stand-in at the config's path
        // (as root, the real one needs none; turning them off for the machine would reach other tests).
        try FileManager.default.createDirectory(atPath: m.root + "/no", withIntermediateDirectories: true)
        try "#!/bin/sh\necho 'bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n"
            .write(toFile: m.root + "/no/bwrap", atomically: true, encoding: .utf8)
        chmod(m.root + "/no/bwrap", 0o755)
        try FileManager.default.createDirectory(atPath: m.root + "/proj", withIntermediateDirectories: true)
        XCTAssertEqual(m.write("control", "new a agent=shell dir=\(m.root)/proj command=\"touch \(m.root)/ran\"\n"), 0)
        m.waitState("a", ["failed"])
        let reason = m.status("a", "reason") ?? ""
        XCTAssertTrue(reason.contains("user namespaces are disabled"), reason)
        XCTAssertTrue(reason.contains("bwrap said: bwrap: No permissions to create new namespace"), reason)
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.root + "/ran"))
    }
}
