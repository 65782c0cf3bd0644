import Foundation
import HiveCore
import HiveRuntime
import SystemPackage

/// Who may use the dashboard: whoever shows the access token, and, for a
/// WebSocket, only the page's own origin.
///
/// Decisions, stated once:
/// - A fresh token at every start (32 random bytes, hex), kept in a 0600 file in
///   the state directory (`web.token`) so the user's own scripts can read it, and
///   printed once, in the URL. A restart makes older URLs useless.
/// - The token is taken from the `X-Hivefs-Token` header (what the page's
///   requests and scripts send), a cookie the first page load sets (what the
///   browser sends with later loads and the WebSocket upgrade), or the URL's
///   `token` query (the printed URL; answered with a redirect that drops it).
/// - A request that changes something is a POST and must carry the header: a
///   cookie alone, which a browser sends with another site's forms, never does.
///   So the cookie can be `SameSite=Lax`: the printed URL opened from a link in
///   another site (mail, chat) still loads the page.
/// - Comparison takes the same time whatever the guess.
public struct Access: Sendable {
    public let token: String

    public static let header = "x-hivefs-token"

    public init(token: String) {
        self.token = token
    }

    /// The name of the cookie the token travels in: named after the token's start,
    /// so two dashboards on one host (cookies do not tell ports apart) keep theirs
    /// apart, and an older start's cookie is not sent as a wrong token.
    public var cookieName: String { "hivefs_" + token.prefix(8) }

    /// The `Set-Cookie` value a first load with the token is answered with.
    public var setCookie: String { "\(cookieName)=\(token); Path=/; HttpOnly; SameSite=Lax" }

    /// A new token: 32 bytes from the system's generator, as 64 hex digits.
    public static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    /// Whether `given` is the token, in time independent of where they differ.
    public func matches(_ given: String?) -> Bool {
        guard let given else { return false }
        let a = Array(given.utf8), b = Array(token.utf8)
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count { diff |= b[i] ^ (i < a.count ? a[i] : 0) }
        return diff == 0
    }

    /// The token a `Cookie` header carries for this dashboard, if any.
    public func token(inCookies header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces)
            guard let eq = kv.firstIndex(of: "="), kv[..<eq] == cookieName else { continue }
            return String(kv[kv.index(after: eq)...])
        }
        return nil
    }

    /// Whether a request from `origin` to `host` (its `Host` header) comes from the
    /// page this server gave: same scheme-less host and port. A missing Origin is
    /// refused: every browser sends one with a WebSocket upgrade.
    public static func sameOrigin(_ origin: String?, host: String?) -> Bool {
        guard let origin, let host, !host.isEmpty else { return false }
        return origin == "http://" + host || origin == "https://" + host
    }

    /// Writes `token` to `path`, readable by the user alone, replacing an older one
    /// at once (a new file renamed over it).
    public static func save(_ token: String, to path: String) throws(HiveError) {
        do throws(Errno) {
            try Sys.writeFileAtomically(path, Array((token + "\n").utf8), mode: 0o600)
        } catch {
            throw HiveError(error, "cannot write \(path): \(error)")
        }
    }
}
