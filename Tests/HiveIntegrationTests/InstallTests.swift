import Foundation
import XCTest

/// `make install-files` and `make uninstall` under a temporary PREFIX (the
/// copying half of `make install`, from the binaries the tests run), and the
/// installed service's start and stop commands run as systemd would run them.
final class InstallTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "hivefs-install-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: root + "/home", withIntermediateDirectories: true)
        addTeardownBlock { [self] in
            sh("fusermount3 -u -z '\(root)/home/hive' 2>/dev/null; tmux -L install-\(getpid()) kill-server 2>/dev/null")
            MountFixture.removeCgroups(root + "/home/.local/state/hivefs")
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// Runs a shell command line, its output to files (a daemon it starts keeps no pipe open).
    @discardableResult
    func sh(_ command: String, env: [String] = []) -> (status: Int32, out: String, err: String) {
        let out = root + "/.out", err = root + "/.err"
        guard let pid = spawn(["/bin/sh", "-c", command], stdout: out, stderr: err, env: env) else { return (127, "", "cannot spawn") }
        var st: Int32 = 0
        waitpid(pid, &st, 0)
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        return ((st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f), read(out), read(err))
    }

    var make: String {
        let built = URL(fileURLWithPath: MountFixture.binary).deletingLastPathComponent().path
        return "make -s -C '\(MountFixture.repoFile(""))' BUILT='\(built)' PREFIX='\(root)/usr' UNITDIR='\(root)/home/.config/systemd/user'"
    }

    func testInstallPutsEverythingWhereItIsLookedForAndUninstallTakesItAway() throws {
        let r = sh("\(make) install-files")
        XCTAssertEqual(r.status, 0, r.err)
        let fm = FileManager.default
        let files = ["usr/bin/hivefs", "usr/bin/hivefs-hook", "usr/share/man/man1/hivefs.1", "usr/share/man/man5/hivefs.5",
                     "usr/share/bash-completion/completions/hivefs", "usr/share/zsh/site-functions/_hivefs",
                     "usr/share/fish/vendor_completions.d/hivefs.fish", "home/.config/systemd/user/hivefs.service"]
        for f in files { XCTAssertTrue(fm.fileExists(atPath: root + "/" + f), f) }
        XCTAssertTrue(fm.isExecutableFile(atPath: root + "/usr/bin/hivefs"))
        XCTAssertEqual(sh("'\(root)/usr/bin/hivefs' --version").out, "0.1.0\n")
        // Man finds the pages under the prefix.
        if sh("command -v man").status == 0 {
            let page = sh("MANPATH='\(root)/usr/share/man' MANWIDTH=80 man 5 hivefs 2>/dev/null | head -5")
            XCTAssertTrue(page.out.contains("HIVEFS(5)"), page.out + page.err)
        }
        // The completions are the program's own.
        let bash = try String(contentsOfFile: root + "/usr/share/bash-completion/completions/hivefs", encoding: .utf8)
        XCTAssertEqual(bash, try String(contentsOfFile: MountFixture.repoFile("contrib/completions/hivefs.bash"), encoding: .utf8))

        // The unit names the installed binary, and its start and stop work.
        let unit = try String(contentsOfFile: root + "/home/.config/systemd/user/hivefs.service", encoding: .utf8)
        func line(_ key: String) -> String? {
            unit.split(separator: "\n").first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
        let start = try XCTUnwrap(line("ExecStart"))
        let stop = try XCTUnwrap(line("ExecStop"))
        XCTAssertEqual(start, "\(root)/usr/bin/hivefs mount --foreground")
        XCTAssertEqual(stop, "-\(root)/usr/bin/hivefs unmount")
        XCTAssertEqual(line("KillMode"), "process", "stopping the service leaves the agents running")
        try fm.createDirectory(atPath: root + "/home/.config/hivefs", withIntermediateDirectories: true)
        try "socket = \"install-\(getpid())\"\n".write(toFile: root + "/home/.config/hivefs/config.toml", atomically: false, encoding: .utf8)
        let env = ["HOME=" + root + "/home", "XDG_CONFIG_HOME=", "XDG_STATE_HOME="]
        let daemon = try XCTUnwrap(spawn(["/bin/sh", "-c", "exec " + start], stdout: root + "/daemon.out",
                                         stderr: root + "/daemon.err", env: env))
        var status: Int32 = -1
        defer { if status == -1 { kill(daemon, SIGKILL); waitpid(daemon, &status, 0) } }
        XCTAssertTrue(waitUntil(30) { fm.fileExists(atPath: self.root + "/home/hive/status.json") }, "the service mounted ~/hive")
        XCTAssertEqual(sh("echo 'new svc agent=shell command=\"sleep 300\"' > ~/hive/control && cat ~/hive/svc/state", env: env).status, 0)
        let stopped = sh(String(stop.dropFirst()), env: env)
        XCTAssertEqual(stopped.status, 0, stopped.err)
        XCTAssertTrue(waitUntil(15) { waitpid(daemon, &status, WNOHANG) == daemon }, "the daemon ends when the service stops")
        XCTAssertEqual(status, 0, "and cleanly")
        XCTAssertEqual(sh("tmux -L install-\(getpid()) has-session -t svc").status, 0, "the agent outlives the service")

        let u = sh("\(make) uninstall")
        XCTAssertEqual(u.status, 0, u.err)
        for f in files { XCTAssertFalse(fm.fileExists(atPath: root + "/" + f), "\(f) left behind") }
    }
}
