import Foundation
import HiveCore
import XCTest

/// Another host over real ssh (SSHHost: sshd in a network namespace of the
/// test's own): the mount shows its tree under `@box`, and `hivefs status --host`
/// reads it, through `hivefs serve --stdio`; each says why when it cannot, and
/// fails fast on a cut link.
final class RemoteHostTests: MountedTestCase {
    var box: SSHHost!
    /// The config file the local daemon reads (MountFixture names it).
    var config: String { m.root + "/none.toml" }

    override func prepare(_ m: MountFixture) throws {
        box = try SSHHost()
        addTeardownBlock { [box] in box?.tearDown() }
        try box.hostsEntry().write(toFile: config, atomically: false, encoding: .utf8)
        let far = box.daemon
        XCTAssertEqual(far.write("control", "new far agent=shell dir=\(far.root) command=\"sleep 300\"\n"), 0)
        far.waitState("far", ["idle"])
    }

    func hivefs(_ args: String, config: String? = nil) -> MountFixture.Result {
        m.sh("'\(MountFixture.binary)' \(args) --config '\(config ?? self.config)'")
    }

    func testStatusOfAnotherHostIsReadOverSSH() {
        let root = hivefs("status --host box")
        XCTAssertEqual(root.status, 0, root.err)
        let there = box.daemon.read("status") ?? ""
        XCTAssertEqual(root.out.split(separator: "\n").first, there.split(separator: "\n").first, "the far side's table")
        XCTAssertTrue(root.out.contains("far"), root.out)
        func rows() -> [Substring] { (m.read("status") ?? "").split(separator: "\n").compactMap { $0.split(separator: " ").first } }
        XCTAssertTrue(waitUntil(15) { rows().contains("@box/far") }, "listed as the other host's, once its link is up")
        XCTAssertFalse(rows().contains("far"), "a session of the other host, not of this one")
        let one = hivefs("status --host box far")
        XCTAssertEqual(one.status, 0, one.err)
        XCTAssertEqual(one.out.split(separator: "\n").first, (box.daemon.read("far/status") ?? "").split(separator: "\n").first)
        let missing = hivefs("status --host box nope")
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.err.contains("box: ENOENT"), missing.err)
        let unknown = hivefs("status --host elsewhere")
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.err.contains("no host elsewhere in"), unknown.err)
    }

    func testTheOtherHostsTreeIsUnderAtItsNameAndSteeredFromHere() throws {
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT/@box").out.contains("far\n") }, "ls: " + m.sh("ls -a $MNT; ls $MNT/@box").out + m.sh("ls $MNT/@box").err + "\nlog: " + m.daemonLog)
        XCTAssertTrue(m.sh("ls $MNT").out.contains("@box\n"))
        XCTAssertEqual(m.write("control", "host remove box\n"), EPERM, "a host of the config file stays")
        XCTAssertEqual(m.read("@box/far/state"), "idle\n", m.daemonLog)
        XCTAssertEqual(m.read("@box/far/agent"), box.daemon.read("far/agent"))
        XCTAssertEqual(m.sh("stat -c %a $MNT/@box/far/control $MNT/@box/far/state").out, "600\n444\n")
        XCTAssertEqual(m.sh("stat -c %s $MNT/@box/far/state").out, "5\n", "its size there")
        XCTAssertEqual(m.sh("ls $MNT/@box/far").out, box.daemon.sh("ls $MNT/far").out)

        // poll() on a file there wakes when it changes there.
        let fd = open(m.mnt + "/@box/far/state", O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(read(fd, &buf, 64), 5)
        var p = pollfd(fd: fd, events: Int16(POLLIN | POLLPRI), revents: 0)
        XCTAssertEqual(poll(&p, 1, 0), 0, "nothing changed yet")

        // Control: the same effect and errnos as there.
        XCTAssertEqual(m.write("@box/far/control", "pause\n"), 0)
        XCTAssertEqual(box.daemon.read("far/state"), "paused\n", "taken there before the write returned")
        XCTAssertEqual(poll(&p, 1, 5000), 1, "poll woke")
        XCTAssertEqual(pread(fd, &buf, 64, 0), 7, "a re-read after poll() sees the change")
        XCTAssertEqual(String(decoding: buf.prefix(7), as: UTF8.self), "paused\n")
        XCTAssertEqual(m.read("@box/far/state"), "paused\n")
        XCTAssertTrue(waitUntil(5) { self.m.sh("stat -c %s $MNT/@box/far/state").out == "7\n" },
                      "its size there, once the change is announced: " + m.sh("stat -c %s $MNT/@box/far/state").out)
        XCTAssertEqual(m.write("@box/far/control", "fly away\n"), EINVAL)
        XCTAssertEqual(m.write("@box/far/state", "x\n"), EACCES)
        XCTAssertTrue((m.read("@box/far/control") ?? "").contains("EINVAL"))

        // Sessions made and removed there.
        XCTAssertEqual(m.write("@box/control", "new near agent=shell dir=\(box.daemon.root) command=\"sleep 300\"\n"), 0)
        box.daemon.waitState("near", ["idle", "working"])
        XCTAssertTrue(waitUntil(5) { self.m.sh("ls $MNT/@box").out.contains("near\n") }, "a session made there appears here")
        XCTAssertEqual(m.write("@box/near/control", "kill\n"), 0)
        box.daemon.waitState("near", ["killed"])
        XCTAssertEqual(rmdir(m.mnt + "/@box/near"), 0)
        XCTAssertFalse(box.daemon.sh("ls $MNT").out.contains("near\n"))
        XCTAssertEqual(mkdir(m.mnt + "/@box/scratch", 0o755), 0)
        XCTAssertEqual(box.daemon.read("scratch/state"), "new\n", "mkdir made a session there")
        XCTAssertEqual(mkdir(m.mnt + "/@box/scratch", 0o755), -1)
        XCTAssertEqual(errno, EEXIST)
        XCTAssertEqual(rmdir(m.mnt + "/@box/far"), -1)
        XCTAssertEqual(errno, EBUSY, "a running session there is refused as there")

        // A cut link: reads fail with ENOTCONN within seconds, and @box/status says why.
        box.cut()
        let start = Date()
        let cat = m.sh("cat $MNT/@box/far/state")
        XCTAssertNotEqual(cat.status, 0)
        XCTAssertTrue(cat.err.contains("Transport endpoint is not connected"), cat.err)
        XCTAssertLessThan(Date().timeIntervalSince(start), 9)
        XCTAssertTrue((m.read("@box/status") ?? "").contains("link down since"), (m.read("@box/status") ?? "no @box/status") + m.daemonLog)
        XCTAssertEqual(m.read("far/state"), nil, "nothing of box is shown as this host's")
        box.restore()
        XCTAssertTrue(waitUntil(40) { self.m.read("@box/far/state") == "paused\n" }, "the link is made again by itself")
    }

    func testOtherHostsAreNotServedOnOverTheLink() throws {
        XCTAssertTrue(waitUntil(15) { self.m.sh("ls $MNT").out.contains("@box\n") })
        let c = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { c.close() }
        try c.handshake()
        XCTAssertFalse(try c.ask(.lopen(fid: 0, flags: UInt32(O_RDONLY))).isError)
        guard case .readdir(let entries) = try c.ask(.readdir(fid: 0, offset: 0, count: 8192)) else { return XCTFail("no readdir") }
        XCTAssertFalse(entries.contains { $0.name.hasPrefix("@") }, "\(entries.map(\.name))")
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 1, names: ["@box", "far"])), .error(.noSuchFileOrDirectory))
    }

    func testAHostDownAtMountSaysWhyAndIsFoundByItselfOnceBack() throws {
        box.cut()
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertTrue(waitUntil(20) { (self.m.read("@box/status") ?? "").contains("link down since") },
                      m.read("@box/status") ?? "no @box/status")
        box.restore()
        // Nobody reads anything of box meanwhile: the mirror catches up by itself.
        XCTAssertTrue(waitUntil(60) { self.m.sh("ls $MNT/@box").out.contains("far\n") }, m.daemonLog)
        XCTAssertEqual(m.read("@box/far/state"), "idle\n")
    }

    func testAHostWithoutHivefsOrWithoutTheKeyIsSaidSo() throws {
        let noHivefs = m.root + "/no-hivefs.toml"
        try box.hostsEntry(command: "/nonexistent/hivefs serve --stdio").write(toFile: noHivefs, atomically: false, encoding: .utf8)
        let r = hivefs("status --host box", config: noHivefs)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("hivefs is not installed on box"), r.err)

        // A key the far side does not know: ssh's own words come through.
        XCTAssertEqual(m.sh("ssh-keygen -q -t ed25519 -N '' -f \(m.root)/stranger").status, 0)
        let strangerConfig = m.root + "/stranger_config"
        let text = (try String(contentsOfFile: box.sshConfig, encoding: .utf8))
            .replacingOccurrences(of: box.dir + "/user_key", with: m.root + "/stranger")
        try text.write(toFile: strangerConfig, atomically: false, encoding: .utf8)
        let strangerHosts = m.root + "/stranger.toml"
        try box.hostsEntry().replacingOccurrences(of: box.sshConfig, with: strangerConfig)
            .write(toFile: strangerHosts, atomically: false, encoding: .utf8)
        let denied = hivefs("status --host box", config: strangerHosts)
        XCTAssertEqual(denied.status, 1)
        XCTAssertTrue(denied.err.contains("Permission denied (publickey"), denied.err)
    }

    func testACutLinkFailsWithinSecondsAndTheHostIsReadAgainOnceRestored() {
        XCTAssertEqual(hivefs("status --host box").status, 0)
        box.cut()
        let start = Date()
        let r = hivefs("status --host box")
        let took = Date().timeIntervalSince(start)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.err.contains("ENOTCONN"), r.err)
        XCTAssertLessThan(took, 9, "never hangs past a few seconds")
        box.restore()
        let again = hivefs("status --host box")
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertTrue(again.out.contains("far"))
    }
}

/// `host add` and `host remove` in the root control: a host named at run time,
/// reached as `[link]` says, kept across a restart of the daemon.
final class RuntimeHostTests: MountedTestCase {
    var box: SSHHost!

    override func prepare(_ m: MountFixture) throws {
        box = try SSHHost()
        addTeardownBlock { [box] in box?.tearDown() }
        try box.linkDefaults().write(toFile: m.root + "/none.toml", atomically: false, encoding: .utf8)
        XCTAssertEqual(box.daemon.write("control", "new far agent=shell dir=\(box.daemon.root) command=\"sleep 300\"\n"), 0)
        box.daemon.waitState("far", ["idle"])
    }

    func testAHostAddedAtRunTimeIsShownKeptAndRemoved() {
        XCTAssertFalse(m.sh("ls $MNT").out.contains("@box"))
        XCTAssertEqual(m.write("control", "host add box box\n"), 0)
        XCTAssertTrue(waitUntil(15) { self.m.read("@box/far/state") == "idle\n" }, m.daemonLog)
        XCTAssertTrue(m.sh("cat $MNT/events").out.contains("host.added box box"))
        XCTAssertEqual(m.write("control", "host add box box\n"), EEXIST)
        XCTAssertEqual(m.write("control", "host add evil -oProxyCommand=sh\n"), EINVAL)
        XCTAssertTrue((m.read("control") ?? "").contains("EINVAL"))

        // Kept across a restart of the daemon.
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertTrue(waitUntil(15) { self.m.read("@box/far/state") == "idle\n" }, "still there after a restart")

        XCTAssertEqual(m.write("control", "host remove box\n"), 0)
        XCTAssertFalse(m.sh("ls $MNT").out.contains("@box"))
        XCTAssertNil(m.read("@box/far/state"))
        XCTAssertEqual(m.write("control", "host remove box\n"), ENOENT)
        m.crashDaemon()
        XCTAssertNoThrow(try m.mount())
        XCTAssertFalse(m.sh("ls $MNT").out.contains("@box"), "and gone for good")
    }
}
