import Core
import Foundation
import Ledger
import Synchronization

/// What the wallet endpoints need on every call, kept in memory for a few seconds: the provider,
/// its parsed keys (an RSA key is too costly to parse per request), which of its games are
/// playable, and the ledger's currencies. A staff change is seen within `lifetime`.
///
/// A lock, not an actor: a cache hit is a few nanoseconds under the lock, where an actor would
/// cost every wallet call a hop to another thread and back.
public final class ProviderRegistry: Sendable {
    public struct Entry: Sendable {
        public let provider: Provider
        public let keys: ProviderKeys
        /// Game code → playable (game enabled and provider enabled).
        public let games: [String: Bool]
    }

    struct State {
        var entries: [String: (entry: Entry?, fetched: Date)] = [:]
        var currencies: (values: [String: Currency], fetched: Date)?
    }

    let directory: ProviderDirectory
    let ledger: Ledger
    let lifetime: TimeInterval
    private let state = Mutex(State())

    public init(directory: ProviderDirectory, ledger: Ledger, lifetime: TimeInterval = 5) {
        self.directory = directory
        self.ledger = ledger
        self.lifetime = lifetime
    }

    /// Nil for an unknown provider (also remembered for `lifetime`, so junk paths stay cheap).
    /// Two calls missing at once both fetch; the later write wins, which is harmless.
    public func entry(_ code: String, now: Date = Date()) async throws -> Entry? {
        let cached = state.withLock { $0.entries[code] }
        if let cached, now.timeIntervalSince(cached.fetched) < lifetime { return cached.entry }
        var entry: Entry?
        if let provider = try await directory.provider(code) {
            let keys = try await directory.keys(of: code)
            let games = try await directory.games(provider: code)
            entry = Entry(provider: provider, keys: keys, games: Dictionary(games.map { ($0.code, $0.enabled) }, uniquingKeysWith: { $1 }))
        }
        state.withLock { state in
            if state.entries.count > 1000 { state.entries.removeAll() }
            state.entries[code] = (entry, now)
        }
        return entry
    }

    public func currency(_ code: String, now: Date = Date()) async throws -> Currency? {
        let cached = state.withLock { $0.currencies }
        if let cached, now.timeIntervalSince(cached.fetched) < lifetime * 12 { return cached.values[code] }
        let values = try await ledger.currencies()
        state.withLock { $0.currencies = (values, now) }
        return values[code]
    }

    /// Forgets everything, after a staff change made here.
    public func invalidate() {
        state.withLock { $0 = State() }
    }
}
