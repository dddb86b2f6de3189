import Core
import Foundation
import Ledger
import Synchronization

/// What the wallet endpoints need on every call, kept in memory for a few seconds: the provider,
/// its parsed keys (an RSA key is too costly to parse per request), which of its games are
/// playable, and the ledger's currencies. A staff change is seen within `lifetime`.
///
/// Providers that exist and codes that named none are cached apart: anyone can put a code in a
/// wallet URL, so unknown codes get their own bounded cache and can only push out each other,
/// never a real provider's keys.
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
        /// As many as staff registered: never evicted by traffic.
        var providers: [String: (entry: Entry, fetched: Date)] = [:]
        var unknown: UnknownCodes
        var currencies: (values: [String: Currency], fetched: Date)?
    }

    let directory: ProviderDirectory
    let ledger: Ledger
    let lifetime: TimeInterval
    let unknownCodesLimit: Int
    private let state: Mutex<State>

    public init(directory: ProviderDirectory, ledger: Ledger, lifetime: TimeInterval = 5, unknownCodesLimit: Int = 1000) {
        self.directory = directory
        self.ledger = ledger
        self.lifetime = lifetime
        self.unknownCodesLimit = unknownCodesLimit
        self.state = Mutex(State(unknown: UnknownCodes(capacity: unknownCodesLimit)))
    }

    /// Nil for an unknown provider. A code that cannot be a provider's costs no query; another
    /// unknown code costs one per `lifetime` while it stays among the last `unknownCodesLimit`.
    /// Two calls missing at once both fetch; the later write wins, which is harmless.
    public func entry(_ code: String, now: Date = Date()) async throws -> Entry? {
        guard ProviderDirectory.isValidCode(code) else { return nil }
        let cached = state.withLock { state -> Entry?? in
            if let known = state.providers[code] {
                return now.timeIntervalSince(known.fetched) < lifetime ? .some(known.entry) : nil
            }
            return state.unknown.isFresh(code, now: now, lifetime: lifetime) ? .some(nil) : nil
        }
        if let cached { return cached }
        var entry: Entry?
        if let provider = try await directory.provider(code) {
            let keys = try await directory.keys(of: code)
            let games = try await directory.games(provider: code)
            entry = Entry(provider: provider, keys: keys, games: Dictionary(games.map { ($0.code, $0.enabled) }, uniquingKeysWith: { $1 }))
        }
        state.withLock { state in
            if let entry {
                state.providers[code] = (entry, now)
            } else {
                state.providers[code] = nil
                state.unknown.insert(code, at: now)
            }
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
        state.withLock { $0 = State(unknown: UnknownCodes(capacity: unknownCodesLimit)) }
    }
}

/// Codes that named no provider and when they were looked up: at most `capacity`, the oldest
/// forgotten first, in constant time per insertion.
struct UnknownCodes {
    let capacity: Int
    private var lookedUp: [String: Date] = [:]
    /// Insertion order; once full, a ring whose next slot to reuse is `oldest`.
    private var order: [String] = []
    private var oldest = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func isFresh(_ code: String, now: Date, lifetime: TimeInterval) -> Bool {
        lookedUp[code].map { now.timeIntervalSince($0) < lifetime } ?? false
    }

    mutating func insert(_ code: String, at now: Date) {
        guard lookedUp.updateValue(now, forKey: code) == nil else { return }
        if order.count < capacity {
            order.append(code)
        } else {
            lookedUp[order[oldest]] = nil
            order[oldest] = code
            oldest = (oldest + 1) % capacity
        }
    }
}
