import Foundation

/// A URL's origin as browsers write it in `Origin` headers and `postMessage` events: the game
/// frame's rules and sender check, and the live socket's Origin check, compare against it.
enum WebOrigin {
    /// `scheme://host[:port]` of an http(s) URL, lower-cased, the scheme's default port left out;
    /// nil for anything else.
    static func of(_ text: String) -> String? {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host?.lowercased()
        else { return nil }
        let port = url.port.flatMap { $0 == (scheme == "https" ? 443 : 80) ? nil : $0 }
        return "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "")
    }
}
