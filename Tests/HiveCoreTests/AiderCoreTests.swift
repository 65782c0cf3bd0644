import XCTest
@testable import HiveCore

/// Aider's notification and screen, without a mount.
final class AiderCoreTests: XCTestCase {
    func testTheCommandIsOneShellLineWithTheFixedPayload() {
        let c = AiderNotify.command(report: ["/opt/hive fs/hivefs-hook", "/s/it's/hooks.log"])
        XCTAssertEqual(c, #"'/opt/hive fs/hivefs-hook' '/s/it'\''s/hooks.log' '{"hook_event_name":"AiderWaiting"}'"#)
    }

    func testWaitingIsIdleUnlessTheScreenAsks() {
        let payload = Array(AiderNotify.payload.utf8)
        let idle = AiderNotify.report(payload, screen: "aider: done\n> \n")
        XCTAssertEqual(idle.kind, EventKind.idle)
        XCTAssertEqual(idle.wish?.state, .idle)
        let ask = AiderNotify.report(payload, screen: "src/a.py\nAdd file to the chat? (Y)es/(N)o [Yes]: \n\n")
        XCTAssertEqual(ask.kind, EventKind.permission)
        XCTAssertEqual(ask.detail, "Add file to the chat?")
        XCTAssertEqual(ask.wish?.state, .waiting)
        XCTAssertEqual(AiderNotify.report(payload, screen: nil).kind, EventKind.idle)
        let answered = "Add file to the chat? (Y)es/(N)o [Yes]: y\naider: done\n> \n"
        XCTAssertEqual(AiderNotify.report(payload, screen: answered).kind, EventKind.idle, "an answered question is not asked")
        XCTAssertEqual(AiderNotify.report(Array("{}".utf8), screen: nil).kind, EventKind.hookUnreadable)
    }

    /// Aider 0.86.2's questions name what they are about on the line above.
    func testAQuestionsSubjectIsTheLineAbove() throws {
        let add = try XCTUnwrap(ScreenMenu.letters("diff> Change it [[edit app.py hello bye]]\napp.py\nAdd file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: \n\n"))
        XCTAssertEqual(add.subject, "app.py")
        XCTAssertEqual(add.options.map(\.label), ["Yes", "No", "Don't ask again"])
        let run = try XCTUnwrap(ScreenMenu.letters("Applied edit to app.py\necho ran > ran.txt\nRun shell command? (Y)es/(N)o/(D)on't ask again [Yes]:"))
        XCTAssertEqual(run.subject, "echo ran > ran.txt")
        XCTAssertEqual(run.kind, .tool)
        let create = try XCTUnwrap(ScreenMenu.letters("new.txt\nCreate new file? (Y)es/(N)o [Yes]: "))
        XCTAssertEqual(create.subject, "new.txt")
        XCTAssertEqual(create.permission(id: 3, tool: nil, subject: nil).keys(choosing: create.deny ?? 0), ["n", "Enter"])
        let other = try XCTUnwrap(ScreenMenu.letters("You can skip this check with --no-gitignore\nAdd .aider* to .gitignore (recommended)? (Y)es/(N)o [Yes]: "))
        XCTAssertNil(other.subject, "only where Aider names one")
    }

    /// A quiet Aider is idle only at its prompt: it prints nothing for seconds as it starts.
    func testThePromptIsTheEditFormatAndAMark() {
        XCTAssertTrue(AiderNotify.atPrompt("Repo-map: using 4096 tokens, auto refresh\n────\ndiff> \n\n"))
        XCTAssertTrue(AiderNotify.atPrompt("app.py\ndiff> half typed\n"))
        XCTAssertTrue(AiderNotify.atPrompt("> \n"))
        XCTAssertTrue(AiderNotify.atPrompt("architect> "))
        XCTAssertFalse(AiderNotify.atPrompt("Say hello [[say Hello.]]\n\n"), "the prompt hivefs typed, echoed before Aider runs")
        XCTAssertFalse(AiderNotify.atPrompt("░█         Waiting for openai/scripted\n"))
        XCTAssertFalse(AiderNotify.atPrompt("x = a -> b\n"))
        XCTAssertFalse(AiderNotify.atPrompt(""))
    }
}
