import Foundation
import XCTest

/// An agent gets the environment of the daemon that starts it, as it is then, and its
/// session's `env.` keys: not what the tmux server (which outlives daemons) was born with.
final class EnvironmentTests: MountedTestCase {
    override func prepare(_ m: MountFixture) throws {
        m.environment = ["HIVE_TEST_OLD=from-the-first-daemon", "HIVE_TEST_KEPT=first"]
    }

    /// The lines of `env` a session's shell wrote, as a dictionary.
    private func envOf(_ name: String) -> [String: String] {
        let path = m.root + "/\(name).env"
        XCTAssertTrue(waitUntil(10) { ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").contains("END=1") },
                      "\(name) wrote no environment")
        var out: [String: String] = [:]
        for line in ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    func testASessionStartedByANewDaemonHasThatDaemonsEnvironment() throws {
        newShell("first", "sh -c 'env > \(m.root)/first.env; echo END=1 >> \(m.root)/first.env; exec sleep 300'", extra: "env.OWN=mine")
        let first = envOf("first")
        XCTAssertEqual(first["HIVE_TEST_OLD"], "from-the-first-daemon")
        XCTAssertEqual(first["OWN"], "mine")
        XCTAssertEqual(first["HIVE_SESSION"], "first")

        // A new daemon, with another environment; the tmux server (and `first`) live on.
        m.crashDaemon()
        m.environment = ["HIVE_TEST_NEW=from-the-second-daemon", "HIVE_TEST_KEPT=second"]
        try m.mount()
        newShell("second", "sh -c 'env > \(m.root)/second.env; echo END=1 >> \(m.root)/second.env; exec sleep 300'", extra: "env.OWN=theirs")
        let second = envOf("second")
        XCTAssertNil(second["HIVE_TEST_OLD"], "a variable the new daemon does not have leaked from the tmux server")
        XCTAssertEqual(second["HIVE_TEST_NEW"], "from-the-second-daemon")
        XCTAssertEqual(second["HIVE_TEST_KEPT"], "second")
        XCTAssertEqual(second["OWN"], "theirs")
        XCTAssertEqual(second["HIVE_SESSION"], "second")
        XCTAssertNotNil(second["TMUX_PANE"], "tmux's own variables stay")
        XCTAssertEqual(second["TERM"], first["TERM"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.state + "/sessions/second/environ"),
                       "the environment file (it may hold keys) is removed once read")
    }
}
