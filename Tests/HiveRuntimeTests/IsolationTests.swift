import Foundation
import Logging
import XCTest
@testable import HiveCore
@testable import HiveRuntime

/// `sandbox=bwrap`: the words before the agent's command, and what bwrap's refusals mean.
final class SandboxCommandTests: XCTestCase {
    private let head = ["/usr/bin/bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-cgroup-try",
                        "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]

    func testMountsGoByPathParentsFirstEachOnce() {
        var s = Sandbox(program: "/usr/bin/bwrap", workdir: "/w")
        s.add(["/tmp/h/.local/bin", "/tmp/h", "/tmp/h"], .readOnly)
        s.add(["/tmp/t"], .emptyDir)
        s.add(["/w/.git", "/w", "/h/.claude", "/w"], .writable)
        s.network = false
        XCTAssertEqual(s.prefix, head + [
            "--bind", "/h/.claude", "/h/.claude",
            "--ro-bind", "/tmp/h", "/tmp/h", "--ro-bind", "/tmp/h/.local/bin", "/tmp/h/.local/bin",
            "--dir", "/tmp/t",
            "--bind", "/w", "/w", "--bind", "/w/.git", "/w/.git",
            "--unshare-net", "--chdir", "/w", "--",
        ])
    }

    func testAWritableParentNeverShowsWhatIsHiddenOrProtectedInside() {
        // The default: the agent works in the home, where the state folder and the mount are.
        var s = Sandbox(program: "/usr/bin/bwrap", workdir: "/home/u")
        s.add(["/home/u/.local/state/hivefs", "/home/u/hive", "/run/user/1000"], .hidden)
        s.add(["/home/u/.local/state/hivefs/sessions/a"], .exposed)
        s.add(["/home/u/.local/state/hivefs/sessions/a/hooks.log"], .writable)
        s.add(["/home/u/r/.git/hooks", "/home/u/r/.git/config"], .protected)
        s.add(["/home/u/r/.git", "/home/u"], .writable)
        let words = Array(s.prefix.dropFirst(head.count))
        XCTAssertEqual(words, [
            "--bind", "/home/u", "/home/u",
            "--tmpfs", "/home/u/.local/state/hivefs",
            "--ro-bind", "/home/u/.local/state/hivefs/sessions/a", "/home/u/.local/state/hivefs/sessions/a",
            "--bind", "/home/u/.local/state/hivefs/sessions/a/hooks.log", "/home/u/.local/state/hivefs/sessions/a/hooks.log",
            "--tmpfs", "/home/u/hive",
            "--bind", "/home/u/r/.git", "/home/u/r/.git",
            "--ro-bind", "/home/u/r/.git/config", "/home/u/r/.git/config",
            "--ro-bind", "/home/u/r/.git/hooks", "/home/u/r/.git/hooks",
            "--tmpfs", "/run/user/1000",
            "--chdir", "/home/u", "--",
        ])
        // On one path the stricter rule is made last: `sandbox.write` of a hidden folder does not open it.
        var t = Sandbox(program: "bwrap", workdir: "/w")
        t.add(["/s"], .hidden)
        t.add(["/s"], .writable)
        XCTAssertEqual(Array(t.prefix.dropFirst(head.count).prefix(5)), ["--bind", "/s", "/s", "--tmpfs", "/s"])
    }

    func testTheNetworkStaysUnlessTakenAway() {
        var s = Sandbox(program: "/usr/bin/bwrap", workdir: "/src/app")
        s.add(["/src/app"], .writable)
        XCTAssertEqual(s.prefix, head + ["--bind", "/src/app", "/src/app", "--chdir", "/src/app", "--"])
        XCTAssertFalse(s.prefix.contains("--unshare-net"))
        s.network = false
        XCTAssertEqual(s.prefix.suffix(4), ["--unshare-net", "--chdir", "/src/app", "--"])
    }

    func testAParentIsBoundBeforeItsChildren() {
        var s = Sandbox(program: "bwrap", workdir: "/a")
        s.add(["/a/b", "/a-b", "/a", "/a/b/c"], .writable)
        let binds = s.prefix.enumerated().filter { $0.offset > 0 && s.prefix[$0.offset - 1] == "--bind" }.map(\.element)
        XCTAssertEqual(binds, ["/a", "/a/b", "/a/b/c", "/a-b"])
    }

    func testTheReasonForNamespacesRefused() {
        for said in ["bwrap: No permissions to create new namespace, likely because the kernel does not allow non-privileged user namespaces.",
                     "bwrap: setting up uid map: Permission denied",
                     "bwrap: Creating new namespace failed: Operation not permitted"] {
            let r = Sandbox.reason(said, status: 1)
            XCTAssertTrue(r.hasPrefix("sandbox=bwrap cannot start: user namespaces are disabled for this user"), r)
            XCTAssertTrue(r.contains("sysctl -w user.max_user_namespaces="), r)
            XCTAssertTrue(r.hasSuffix("bwrap said: " + said), r)
        }
    }

    func testTheReasonForAPathMissing() {
        let said = "bwrap: Can't find source path /srv/data: No such file or directory"
        XCTAssertEqual(Sandbox.reason(said, status: 1), "sandbox=bwrap cannot start: a path to bind is missing. bwrap said: " + said)
        let named = "bwrap: Can't find source path /home/ana/namespaces/app: No such file or directory"
        XCTAssertEqual(Sandbox.reason(named, status: 1), "sandbox=bwrap cannot start: a path to bind is missing. bwrap said: " + named,
                       "a path that holds the word namespace is still a missing path")
    }

    func testTheReasonForAnythingElse() {
        XCTAssertEqual(Sandbox.reason("bwrap: execvp /bin/true: Permission denied", status: 1),
                       "sandbox=bwrap cannot start. bwrap said: bwrap: execvp /bin/true: Permission denied")
        XCTAssertEqual(Sandbox.reason("", status: 3), "sandbox=bwrap cannot start. bwrap said: exit 3")
        let r = Sandbox.reason("bwrap: one\nbwrap: two", status: 1)
        XCTAssertFalse(r.contains("\n"), "one line: \(r)")
        XCTAssertTrue(r.hasSuffix(#"bwrap said: bwrap: one\nbwrap: two"#), r)
    }

    func testBwrapIsFoundOnTheDaemonsPathAndItsAbsenceSaysHowToInstallIt() throws {
        let dir = NSTemporaryDirectory() + "bwrap-find-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try Sandbox.find(configured: nil, path: dir + "/bin:" + dir + "/none")) { e in
            let e = e as? HiveError
            XCTAssertEqual(e?.errno, .notSupported)
            XCTAssertEqual(e?.reason, "sandbox=bwrap: bubblewrap (bwrap) is not installed; install it (apt install bubblewrap, dnf install bubblewrap) or use sandbox=none")
        }
        // Not executable is not there.
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/bin/bwrap", contents: Data("#!/bin/sh\n".utf8)))
        XCTAssertThrowsError(try Sandbox.find(configured: nil, path: dir + "/bin"))
        XCTAssertEqual(chmod(dir + "/bin/bwrap", 0o755), 0)
        XCTAssertEqual(try Sandbox.find(configured: nil, path: dir + "/none:" + dir + "/bin"), dir + "/bin/bwrap")
    }
}

/// Where the cgroup hierarchies are, from the text of /proc/self/cgroup and /proc/self/mountinfo.
final class CgroupMountsTests: XCTestCase {
    private func parse(cgroup: String, mountinfo: String, controllers: [String: [String]] = [:]) -> (CgroupMounts, [String]) {
        var asked: [String] = []
        let m = CgroupMounts.parse(cgroup: cgroup, mountinfo: mountinfo) { dir in
            asked.append(dir)
            return controllers[dir] ?? []
        }
        return (m, asked)
    }

    /// A host on cgroup v1 (with systemd's hybrid `unified` beside it).
    func testV1WithCPUAndCPUAcctMountedTogether() throws {
        let mountinfo = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
            27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
            31 25 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
            32 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,memory
            33 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
            34 25 0:31 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,freezer
            35 25 0:32 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,cpuset

            """
        let cgroup = """
            12:pids:/user.slice/user-1000.slice/session-2.scope
            11:memory:/user.slice/user-1000.slice/session-2.scope
            9:freezer:/
            5:cpu,cpuacct:/user.slice
            4:cpuset:/
            1:name=systemd:/user.slice/user-1000.slice/session-2.scope
            0::/user.slice/user-1000.slice/session-2.scope

            """
        let (m, asked) = parse(cgroup: cgroup, mountinfo: mountinfo)
        XCTAssertEqual(m.v1, [
            "cpu": "/sys/fs/cgroup/cpu,cpuacct/user.slice",
            "cpuacct": "/sys/fs/cgroup/cpu,cpuacct/user.slice",
            "memory": "/sys/fs/cgroup/memory/user.slice/user-1000.slice/session-2.scope",
            "pids": "/sys/fs/cgroup/pids/user.slice/user-1000.slice/session-2.scope",
            "freezer": "/sys/fs/cgroup/freezer",
        ], "cpuset and name=systemd are not hivefs's")
        let v2 = try XCTUnwrap(m.v2, "the hybrid's unified hierarchy")
        XCTAssertEqual(v2.dir, "/sys/fs/cgroup/unified")
        XCTAssertEqual(v2.own, "/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-2.scope")
        XCTAssertEqual(v2.controllers, [], "it offers none")
        XCTAssertEqual(asked, ["/sys/fs/cgroup/unified/user.slice/user-1000.slice/session-2.scope"])
    }

    /// A container's view without a cgroup namespace: each hierarchy bound from its subtree.
    func testAV1MountOfASubtreeShowsOnlyWhatIsUnderIt() {
        let mountinfo = """
            1000 990 0:40 /docker/0123abcd /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime master:16 - cgroup cgroup rw,memory
            1001 990 0:41 /docker/0123abcd /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime master:15 - cgroup cgroup rw,cpu,cpuacct
            1002 990 0:42 /docker/0123abcd /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime master:17 - cgroup cgroup rw,pids
            1003 990 0:43 /docker/0123abcd /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime master:18 - cgroup cgroup rw,freezer
            """
        let cgroup = """
            11:memory:/docker/0123abcd/hive
            5:cpu,cpuacct:/docker/0123abcd
            8:pids:/docker/0123abcdef
            9:freezer:/system.slice/other.service
            """
        let (m, asked) = parse(cgroup: cgroup, mountinfo: mountinfo)
        XCTAssertEqual(m.v1, [
            "memory": "/sys/fs/cgroup/memory/hive",
            "cpu": "/sys/fs/cgroup/cpu,cpuacct",
            "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
        ], "a sibling whose name begins the same, and a path elsewhere, are not reachable")
        XCTAssertNil(m.v2)
        XCTAssertEqual(asked, [])
    }

    func testV2Only() throws {
        let own = "/user.slice/user-1000.slice/user@1000.service/app.slice/hivefs.service"
        let mountinfo = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
        let (m, asked) = parse(cgroup: "0::\(own)\n", mountinfo: mountinfo,
                               controllers: ["/sys/fs/cgroup" + own: ["cpuset", "cpu", "io", "memory", "pids"]])
        XCTAssertEqual(m.v1, [:])
        let v2 = try XCTUnwrap(m.v2)
        XCTAssertEqual(v2.dir, "/sys/fs/cgroup")
        XCTAssertEqual(v2.own, "/sys/fs/cgroup" + own)
        XCTAssertEqual(v2.controllers, ["cpuset", "cpu", "io", "memory", "pids"])
        XCTAssertEqual(asked, ["/sys/fs/cgroup" + own])
    }

    func testV2StartedInTheLeafHivefsKeepsOffersWhatItsParentDoes() throws {
        let unit = "/user.slice/user-1000.slice/user@1000.service/app.slice/hivefs.service"
        let mountinfo = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw\n"
        let (m, asked) = parse(cgroup: "0::\(unit)/hivefs.daemon\n", mountinfo: mountinfo,
                               controllers: ["/sys/fs/cgroup" + unit: ["cpu", "memory", "pids"]])
        let v2 = try XCTUnwrap(m.v2)
        XCTAssertEqual(v2.own, "/sys/fs/cgroup" + unit + "/hivefs.daemon")
        XCTAssertEqual(v2.controllers, ["cpu", "memory", "pids"], "the unit's, which the leaf has only once they are enabled")
        XCTAssertEqual(asked, ["/sys/fs/cgroup" + unit])
    }

    func testV2InItsOwnNamespaceIsTheMountItself() throws {
        let mountinfo = "700 690 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw\n"
        let v2 = try XCTUnwrap(parse(cgroup: "0::/\n", mountinfo: mountinfo).0.v2)
        XCTAssertEqual(v2.own, "/sys/fs/cgroup")
        XCTAssertNil(parse(cgroup: "0::/elsewhere\n", mountinfo: mountinfo.replacingOccurrences(of: " / /sys", with: " /mine /sys")).0.v2,
                     "outside the mount's root: not reachable")
    }

    func testOctalEscapesInMountPointsAndRoots() throws {
        let mountinfo = #"40 25 0:50 / /mnt/my\040cgroups rw,relatime - cgroup2 cgroup2 rw"# + "\n"
            + #"41 25 0:51 /a\040b /mnt/mem\134ory\011x rw,relatime - cgroup cgroup rw,memory"# + "\n"
        let (m, _) = parse(cgroup: "0::/s\n11:memory:/a b/c\n", mountinfo: mountinfo)
        XCTAssertEqual(m.v2?.dir, "/mnt/my cgroups")
        XCTAssertEqual(m.v2?.own, "/mnt/my cgroups/s")
        XCTAssertEqual(m.v1["memory"], "/mnt/mem\\ory\tx/c", "the root is escaped as the mount point is")
    }

    func testLinesThatAreNotMountsAreSkipped() {
        let (m, asked) = parse(cgroup: "garbage\n0::\n::\n", mountinfo: "garbage\n1 2 3 - cgroup2\n\n- - - -\n")
        XCTAssertEqual(m.v1, [:])
        XCTAssertNil(m.v2)
        XCTAssertEqual(asked, [])
    }

    func testUnescape() {
        XCTAssertEqual(CgroupMounts.unescape("/plain"), "/plain")
        XCTAssertEqual(CgroupMounts.unescape(#"/a\040b\011c\012d\134e"#), "/a b\tc\nd\\e")
        XCTAssertEqual(CgroupMounts.unescape(#"/end\04"#), #"/end\04"#, "too short to be an escape")
        XCTAssertEqual(CgroupMounts.unescape(#"/x\999\777"#), #"/x\999\777"#, "not octal, or over a byte")
        XCTAssertEqual(CgroupMounts.unescape("/é\\040ü"), "/é ü")
    }

    func testTheStateDirectorysTagIsFNV1a() {
        XCTAssertEqual(Cgroups.fnv(""), "811c9dc5")
        XCTAssertEqual(Cgroups.fnv("a"), "e40c292c")
        XCTAssertEqual(Cgroups.fnv("foobar"), "bf9cf968")
        XCTAssertEqual(Cgroups.fnv("/home/ana/.local/state/hivefs").count, 8)
        XCTAssertNotEqual(Cgroups.fnv("/s/1"), Cgroups.fnv("/s/2"))
    }
}

/// A `new` line is checked as the session will be made: with the config's sandbox
/// when it names none.
final class NewSandboxDefaultTests: XCTestCase {
    private var dir = ""
    private var hive: Hive!

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "hivefs-sandbox-\(getpid())-\(UUID().uuidString.prefix(8))"
        var config = HiveConfig(mountpoint: dir + "/mnt", stateDir: dir + "/state", home: dir)
        config.socket = "hivefs-sandbox-test-\(getpid())"
        config.cgroups = "off"
        hive = try Hive(config: config, logger: Logger(label: "test"))
    }

    override func tearDown() {
        hive = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    private func write(_ line: String) -> HiveError? {
        let done = expectation(description: "answered")
        let answer = Shared<HiveError?>(.io("not answered"))
        hive.rootControl(Array((line + "\n").utf8), uid: getuid()) { answer.set($0); done.fulfill() }
        wait(for: [done], timeout: 10)
        return answer.get
    }

    func testSandboxKeysWithoutASandboxAreRefusedBeforeTheSessionIsMade() {
        let e = write("new a agent=shell command=true sandbox.network=off")
        XCTAssertEqual(e?.errno, .invalidArgument, "the config's sandbox is none: \(String(describing: e))")
        XCTAssertEqual(e?.reason.contains("sandbox=none"), true, e?.reason ?? "")
        XCTAssertFalse(hive.exists("a"), "nothing made")
        XCTAssertEqual(write("new b agent=shell command=true sandbox.write=/srv")?.errno, .invalidArgument)
        XCTAssertFalse(hive.exists("b"))
    }
}

/// `hivefs mount` on cgroup v2: when it asks the user's systemd for a delegated scope.
final class UserScopeTests: XCTestCase {
    private let login = "/sys/fs/cgroup/user.slice/user-1000.slice/session-3.scope"
    private func v2(own: String) -> CgroupMounts {
        var m = CgroupMounts()
        m.v2 = .init(dir: "/sys/fs/cgroup", own: own, controllers: ["cpu", "memory", "pids"])
        return m
    }
    private func plan(_ mounts: CgroupMounts, mode: String = "auto", manager: Bool = true, run: String? = "/usr/bin/systemd-run",
                      command: [String] = ["/usr/bin/hivefs", "mount", "/home/ana/hive", "--foreground"]) -> UserScope.Plan {
        UserScope.plan(mode: mode, mounts: mounts, userManager: manager, systemdRun: run,
                       unit: "hivefs-0badcafe-42.scope", stateDir: "/home/ana/.local/state/hivefs", command: command)
    }

    func testALoginShellOnV2WithAUserManagerStartsTheDaemonInADelegatedScope() {
        XCTAssertEqual(plan(v2(own: login)), .wrap([
            "/usr/bin/systemd-run", "--user", "--scope", "--quiet", "--collect", "--unit=hivefs-0badcafe-42.scope",
            "--description=hivefs daemon for /home/ana/.local/state/hivefs", "--property=Delegate=yes", "--"]))
        // systemd-run would expand a `$` in the command line: asked not to.
        guard case .wrap(let literal) = plan(v2(own: login), command: ["/usr/bin/hivefs", "mount", "/home/ana/$hive"]) else { return XCTFail() }
        XCTAssertEqual(Array(literal.suffix(3)), ["--property=Delegate=yes", "--expand-environment=no", "--"])
    }

    func testNoScopeWhereTheDaemonMakesItsFoldersItselfOrCannotAsk() {
        func skipped(_ p: UserScope.Plan, _ words: String, file: StaticString = #filePath, line: UInt = #line) {
            guard case .skip(let why) = p else { return XCTFail("\(p)", file: file, line: line) }
            XCTAssertTrue(why.contains(words), why, file: file, line: line)
        }
        skipped(plan(v2(own: login), mode: "off"), "cgroups = \"off\"")
        var v1 = v2(own: login)
        v1.v1 = ["memory": "/sys/fs/cgroup/memory"]
        skipped(plan(v1), "cgroup v1")
        skipped(plan(CgroupMounts()), "no cgroup v2")
        skipped(plan(v2(own: "/sys/fs/cgroup")), "root of the cgroup v2 hierarchy")
        skipped(plan(v2(own: "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/hivefs.service/hivefs.daemon")), "own leaf")
        skipped(plan(v2(own: login), run: nil), "no systemd-run")
        skipped(plan(v2(own: login), manager: false), "no systemd user manager")
    }

    func testTheManagerIsAskedWithoutTheDaemonsUnitNameAndItsRefusalIsSaid() throws {
        let dir = NSTemporaryDirectory() + "userscope-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A stand-in systemd-run that keeps its arguments and refuses as one without a bus does.
        let run = dir + "/systemd-run", args = dir + "/args"
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(args)\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n"
            .write(toFile: run, atomically: false, encoding: .utf8)
        XCTAssertEqual(chmod(run, 0o755), 0)
        guard case .wrap(let prefix) = plan(v2(own: login), run: run) else { return XCTFail("no scope asked for") }
        let why = try XCTUnwrap(UserScope.probe(prefix))
        XCTAssertTrue(why.contains("exit 1") && why.contains("Failed to connect to bus: No medium found"), why)
        XCTAssertEqual(try String(contentsOfFile: args, encoding: .utf8),
                       "--user\n--scope\n--quiet\n--collect\n--property=Delegate=yes\n--\ntrue\n")
        // One that gives the scope runs the command it is given.
        try "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done; shift; exec \"$@\"\n".write(toFile: run, atomically: false, encoding: .utf8)
        XCTAssertNil(UserScope.probe(prefix))
    }
}
