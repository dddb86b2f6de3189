import Foundation

/// Times on pages: rendered by the server in UTC with the zone named; `theme.js` rewrites every
/// `[data-local-time]` element in the viewer's own zone.
enum DisplayTime {
    static func text(_ date: Date) -> String {
        let iso = date.formatted(.iso8601)
        return "\(iso.prefix(10)) \(iso.dropFirst(11).prefix(5)) UTC"
    }
}
