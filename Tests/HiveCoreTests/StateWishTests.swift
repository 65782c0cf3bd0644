import Foundation
import XCTest
@testable import HiveCore

final class StateWishTests: XCTestCase {
    private let wishes: [StateWish] = [.working, .waiting("permission Bash rm -rf build"), .asking("a question"), .idle(nil),
                                       .idle("rate_limit: slow down"), .ready]

    /// Asserts that `wish` from `current` (with `reason`) leads to `expected`, or to no change for nil.
    private func assertNext(_ wish: StateWish, from current: SessionState, reason: String? = nil,
                            _ expected: (SessionState, String?)?, file: StaticString = #filePath, line: UInt = #line) {
        let got = wish.next(from: current, reason: reason)
        let what = "\(wish) from \(current) (\(reason ?? "no reason"))"
        switch (got, expected) {
        case (nil, nil):
            break
        case let (g?, e?):
            XCTAssertEqual(g.0, e.0, what, file: file, line: line)
            XCTAssertEqual(g.1, e.1, what, file: file, line: line)
        case let (g?, nil):
            XCTFail("\(what): expected no change, got \(g.0) \(g.1 ?? "nil")", file: file, line: line)
        case let (nil, e?):
            XCTFail("\(what): expected \(e.0) \(e.1 ?? "nil"), got no change", file: file, line: line)
        }
    }

    func testNoChangeFromPausedEndedOrNew() {
        for wish in wishes {
            for state in [SessionState.paused, .new, .exited, .killed, .failed] {
                assertNext(wish, from: state, nil)
                assertNext(wish, from: state, reason: "something", nil)
            }
        }
    }

    func testWorking() {
        assertNext(.working, from: .starting, (.working, nil))
        assertNext(.working, from: .idle, (.working, nil))
        assertNext(.working, from: .waiting, reason: "permission Bash rm", (.working, nil))
        assertNext(.working, from: .idle, reason: "rate_limit: x", (.working, nil))
        assertNext(.working, from: .working, nil)
    }

    func testWorkingClearsAStaleReason() {
        assertNext(.working, from: .working, reason: "left over", (.working, nil))
    }

    func testWaiting() {
        assertNext(.waiting("permission Bash rm"), from: .starting, (.waiting, "permission Bash rm"))
        assertNext(.waiting("permission Bash rm"), from: .working, (.waiting, "permission Bash rm"))
        assertNext(.waiting("permission Bash rm"), from: .idle, (.waiting, "permission Bash rm"))
    }

    func testWaitingForTheSameReasonIsNoChange() {
        assertNext(.waiting("permission Bash rm"), from: .waiting, reason: "permission Bash rm", nil)
    }

    func testAWaitWithoutAReasonTakesTheNewOne() {
        assertNext(.waiting("permission Edit a.swift"), from: .waiting, (.waiting, "permission Edit a.swift"))
    }

    func testAlreadyWaitingKeepsTheFirstReason() {
        // The code's rule: once waiting with a reason, another wait changes nothing; the
        // permission asked first is more precise than the notification that follows it.
        assertNext(.asking("Claude needs your permission to use Bash"), from: .waiting, reason: "permission Bash rm",
                   nil)
        // A new permission request is precise: it replaces the reason (the first was answered).
        assertNext(.waiting("permission Edit a.swift"), from: .waiting, reason: "permission Bash rm",
                   (.waiting, "permission Edit a.swift"))
        // A notification with nothing to follow is the reason.
        assertNext(.asking("Claude has a question"), from: .working, (.waiting, "Claude has a question"))
        assertNext(.asking("Claude has a question"), from: .waiting, (.waiting, "Claude has a question"))
        // Leaving the wait is still a change.
        assertNext(.working, from: .waiting, reason: "permission Bash rm", (.working, nil))
        assertNext(.idle(nil), from: .waiting, reason: "permission Bash rm", (.idle, nil))
    }

    func testIdle() {
        assertNext(.idle(nil), from: .working, (.idle, nil))
        assertNext(.idle(nil), from: .waiting, reason: "permission x", (.idle, nil))
        assertNext(.idle(nil), from: .starting, (.idle, nil))
        assertNext(.idle(nil), from: .idle, nil)
        assertNext(.idle("rate_limit: x"), from: .working, (.idle, "rate_limit: x"))
        assertNext(.idle("rate_limit: x"), from: .idle, reason: "rate_limit: x", nil)
        assertNext(.idle("rate_limit: y"), from: .idle, reason: "rate_limit: x", (.idle, "rate_limit: y"))
        assertNext(.idle(nil), from: .idle, reason: "rate_limit: x", (.idle, nil))  // a good turn clears the old error
    }

    func testReadyFromStartingOrWaiting() {
        assertNext(.ready, from: .starting, (.idle, nil))
        assertNext(.ready, from: .starting, reason: "workspace trust dialog", (.idle, nil))
        // The code's rule: also from `waiting`, which the screen may have set for the trust
        // dialog before the agent could report; SessionStart means it was answered.
        assertNext(.ready, from: .waiting, reason: "workspace trust dialog (answer with: keys 1, or attach)", (.idle, nil))
        assertNext(.ready, from: .waiting, (.idle, nil))
        // Anywhere else it changes nothing: a SessionStart of /clear or a compaction
        // does not end a turn.
        assertNext(.ready, from: .working, nil)
        assertNext(.ready, from: .idle, nil)
        assertNext(.ready, from: .idle, reason: "rate_limit: x", nil)
    }

    func testTheStateAPausedSessionReturnsTo() {
        XCTAssertEqual(StateWish.working.state, .working)
        XCTAssertEqual(StateWish.waiting("x").state, .waiting)
        XCTAssertEqual(StateWish.idle(nil).state, .idle)
        XCTAssertEqual(StateWish.idle("e").state, .idle)
        XCTAssertEqual(StateWish.ready.state, .idle)
    }
}
