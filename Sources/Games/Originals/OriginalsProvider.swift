import Core
import Foundation
import Logging

/// Croupier Originals, the built-in provider (docs/games/originals.md). It is registered as an
/// ordinary Hub88 provider and talks to the wallet over HTTP with signed requests, exactly as an
/// outside provider would: every demo round exercises the real protocol. It works in Hub88
/// units (1/100000 of the currency) and knows nothing of the ledger.
public struct OriginalsProvider: Sendable {
    public static let code = "originals"
    /// Rounds and launches may last this long.
    static let sessionLifetime: TimeInterval = 12 * 3600

    let store: OriginalsStore
    let keys: Keys
    /// Where the game pages are served: `<base>/originals/play/…`.
    let publicURL: String
    let logger: Logger
    /// Sends a signed body to a wallet endpoint; HTTP by default, replaced in tests.
    let transport: WalletTransport

    public struct Catalogue: Sendable {
        public let code: String
        public let name: String
        public let rtpBasisPoints: Int
        public let volatility: String
    }

    public static let games = [
        Catalogue(code: "dice", name: "Dice", rtpBasisPoints: Dice.rtpBasisPoints, volatility: "low"),
        Catalogue(code: "slot", name: "Croupier Sevens", rtpBasisPoints: Slot.rtpBasisPoints, volatility: "medium"),
    ]

    /// Hub88 units as a decimal with at least two places: 10198000 → "101.98".
    public static func display(_ units: Int64) -> String {
        var text = Amount.decimal(units: units, scale: Hub88Amount.scale)
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        return text
    }

    static func canonical(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8), as: UTF8.self)
    }
}
