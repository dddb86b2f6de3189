import Core
import Foundation
import Ledger

/// What the wallet endpoints need on every call, kept in memory for a few seconds: the provider,
/// its parsed keys (an RSA key is too costly to parse per request), which of its games are
/// playable, and the ledger's currencies. A staff change is seen within `lifetime`.
public actor ProviderRegistry {
    public struct Entry: Sendable {
        public let provider: Provider
        public let keys: ProviderKeys
        /// Game code → playable (game enabled and provider enabled).
        public let games: [String: Bool]
    }

    let directory: ProviderDirectory
    let ledger: Ledger
    let lifetime: TimeInterval
    private var entries: [String: (entry: Entry?, fetched: Date)] = [:]
    private var currencies: (values: [String: Currency], fetched: Date)?

    public init(directory: ProviderDirectory, ledger: Ledger, lifetime: TimeInterval = 5) {
        self.directory = directory
        self.ledger = ledger
        self.lifetime = lifetime
    }

    /// Nil for an unknown provider (also remembered for `lifetime`, so junk paths stay cheap).
    public func entry(_ code: String, now: Date = Date()) async throws -> Entry? {
        if let cached = entries[code], now.timeIntervalSince(cached.fetched) < lifetime { return cached.entry }
        var entry: Entry?
        if let provider = try await directory.provider(code) {
            let keys = try await directory.keys(of: code)
            let games = try await directory.games(provider: code)
            entry = Entry(provider: provider, keys: keys, games: Dictionary(games.map { ($0.code, $0.enabled) }, uniquingKeysWith: { $1 }))
        }
        if entries.count > 1000 { entries.removeAll() }
        entries[code] = (entry, now)
        return entry
    }

    public func currency(_ code: String, now: Date = Date()) async throws -> Currency? {
        if let currencies, now.timeIntervalSince(currencies.fetched) < lifetime * 12 { return currencies.values[code] }
        let values = try await ledger.currencies()
        currencies = (values, now)
        return values[code]
    }

    /// Forgets everything, after a staff change made here.
    public func invalidate() {
        entries.removeAll()
        currencies = nil
    }
}
