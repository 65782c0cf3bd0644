import Foundation
import HiveCore

/// What Gemini CLI needs of the machine: a settings file with hivefs's hooks.
extension GeminiAgent: AgentRuntime {
    /// A session it reported goes on (`--resume ID`); its hooks come through the
    /// settings file `GEMINI_CLI_SYSTEM_SETTINGS_PATH` names.
    func prepare(_ parts: Parts, _ s: LiveSession, _ plan: inout LaunchPlan) throws(HiveError) {
        plan.launch.resume = plan.launch.conversation != nil
        plan.env["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] = try settings(parts, plan)
    }

    /// Its configuration and chats (`~/.gemini`).
    func sandboxWrites(env: [String: String], home: String) -> [String] {
        [(env["HOME"] ?? home) + "/.gemini"]
    }

    /// Its settings (hooks, MCP servers), instructions, commands and extensions.
    func sandboxProtects(env: [String: String], home: String) -> [ProtectedPath] {
        let folder = (env["HOME"] ?? home) + "/.gemini"
        return [.file(folder + "/settings.json", seed: "{}\n"), .file(folder + "/.env"), .file(folder + "/GEMINI.md"),
                .folder(folder + "/commands"), .folder(folder + "/extensions")]
    }

    /// Writes the session's settings with hivefs's hooks and returns their path, for
    /// `GEMINI_CLI_SYSTEM_SETTINGS_PATH`. Gemini CLI reads that file in place of the
    /// machine's system settings (`/etc/gemini-cli/settings.json`, or the file the
    /// variable already names), so those are carried over into it; the user's and
    /// the project's settings are read as always and keep their own hooks.
    private func settings(_ parts: Parts, _ plan: LaunchPlan) throws(HiveError) -> String {
        let env = plan.spec.env, name = plan.name
        let system = env["GEMINI_CLI_SYSTEM_SETTINGS_PATH"]
            ?? ProcessInfo.processInfo.environment["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] ?? "/etc/gemini-cli/settings.json"
        var base: [String: Any] = [:]
        if let bytes = Sys.readFile(system, followLinks: true), !bytes.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw .invalid("\(system) is not a JSON object; Gemini CLI's system settings cannot be carried over")
            }
            base = object
        }
        let command = plan.launch.reportCommand.map(Text.shellQuote).joined(separator: " ")
        let path = parts.store.geminiSettingsPath(name)
        do {
            try Sys.writeFileAtomically(path, Array(GeminiHooks.settings(hookCommand: command, base: base).utf8))
        } catch {
            throw error.hive("cannot write \(path)")
        }
        return path
    }
}
