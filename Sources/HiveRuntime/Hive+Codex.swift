import Foundation
import HiveCore

/// What hivefs knows how to find of a Codex CLI session.
extension Hive {
    /// The rollout of thread `id`: under `$CODEX_HOME/sessions/YYYY/MM/DD/`
    /// (`CODEX_HOME` from the session's environment, then hivefs's, else
    /// `~/.codex`), newest days first. Nil until Codex has written it.
    func codexRollout(thread id: String, env: [String: String]) -> String? {
        let home = env["CODEX_HOME"] ?? ProcessInfo.processInfo.environment["CODEX_HOME"] ?? config.home + "/.codex"
        let sessions = CodexPaths.sessionsFolder(codexHome: home)
        for year in Sys.listDirectory(sessions).reversed() {
            for month in Sys.listDirectory(sessions + "/" + year).reversed() {
                for day in Sys.listDirectory(sessions + "/" + year + "/" + month).reversed() {
                    let folder = [sessions, year, month, day].joined(separator: "/")
                    if let name = Sys.listDirectory(folder).first(where: { CodexPaths.isRollout($0, of: id) }) {
                        return folder + "/" + name
                    }
                }
            }
        }
        return nil
    }
}
