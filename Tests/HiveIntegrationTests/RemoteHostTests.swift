import Foundation
import XCTest

/// Another host over real ssh (SSHHost: sshd in a network namespace of the
/// test's own): `hivefs status --host` reads its tree through `hivefs serve
/// --stdio`, says why when it cannot, and fails fast on a cut link.
final class RemoteHostTests: MountedTestCase {
    var box: SSHHost!
    var config: String { m.root + "/hosts.toml" }

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
        XCTAssertFalse((m.read("status") ?? "").contains("far"), "a session of the other host, not of this one")
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
