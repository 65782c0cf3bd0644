import Foundation
import HiveCore

/// What hivefs gives a Gemini CLI session.
extension Hive {
    /// Writes the session's settings with hivefs's hooks and returns their path, for
    /// `GEMINI_CLI_SYSTEM_SETTINGS_PATH`. Gemini CLI reads that file in place of the
    /// machine's system settings (`/etc/gemini-cli/settings.json`, or the file the
    /// variable already names), so those are carried over into it; the user's and
    /// the project's settings are read as always and keep their own hooks.
    func geminiSettings(_ name: String, env: [String: String]) throws(HiveError) -> String {
        let system = env["GEMINI_CLI_SYSTEM_SETTINGS_PATH"]
            ?? ProcessInfo.processInfo.environment["GEMINI_CLI_SYSTEM_SETTINGS_PATH"] ?? "/etc/gemini-cli/settings.json"
        var base: [String: Any] = [:]
        if let bytes = Sys.readFile(system, followLinks: true), !bytes.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                throw .invalid("\(system) is not a JSON object; Gemini CLI's system settings cannot be carried over")
            }
            base = object
        }
        let command = config.hookCommand.map(Text.shellQuote).joined(separator: " ") + " " + Text.shellQuote(store.hooksLogPath(name))
        let path = store.geminiSettingsPath(name)
        do {
            try Sys.writeFileAtomically(path, Array(GeminiHooks.settings(hookCommand: command, base: base).utf8))
        } catch {
            throw error.hive("cannot write \(path)")
        }
        return path
    }
}
