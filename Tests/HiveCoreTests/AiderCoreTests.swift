import XCTest
@testable import HiveCore

/// Aider's notification and screen, without a mount.
final class AiderCoreTests: XCTestCase {
    func testTheCommandIsOneShellLineWithTheFixedPayload() {
        let c = AiderNotify.command(hook: ["/opt/hive fs/hivefs-hook"], log: "/s/it's/hooks.log")
        XCTAssertEqual(c, #"'/opt/hive fs/hivefs-hook' '/s/it'\''s/hooks.log' '{"hook_event_name":"AiderWaiting"}'"#)
    }

    func testWaitingIsIdleUnlessTheScreenAsks() {
        let payload = Array(AiderNotify.payload.utf8)
        let idle = AiderNotify.report(payload, screen: "aider: done\n> \n")
        XCTAssertEqual(idle.kind, AgentEventKind.idle)
        XCTAssertEqual(idle.wish?.state, .idle)
        let ask = AiderNotify.report(payload, screen: "src/a.py\nAdd file to the chat? (Y)es/(N)o [Yes]: \n\n")
        XCTAssertEqual(ask.kind, AgentEventKind.permission)
        XCTAssertEqual(ask.detail, "Add file to the chat?")
        XCTAssertEqual(ask.wish?.state, .waiting)
        XCTAssertEqual(AiderNotify.report(payload, screen: nil).kind, AgentEventKind.idle)
        let answered = "Add file to the chat? (Y)es/(N)o [Yes]: y\naider: done\n> \n"
        XCTAssertEqual(AiderNotify.report(payload, screen: answered).kind, AgentEventKind.idle, "an answered question is not asked")
        XCTAssertEqual(AiderNotify.report(Array("{}".utf8), screen: nil).kind, AgentEventKind.unreadable)
    }
}
