import Bonuses
import Core
import Foundation
import Identity
import Ledger
import Persistence
import Synchronization
import TestSupport
import Testing

@testable import Games

/// Bonuses' free spins on Croupier Originals, wired as App wires them: Originals' wallet calls go
/// to the Hub88 wallet in process, whose reward wins go to Bonuses; Bonuses awards and cancels
/// spins through Originals' rewards API. Audits the ledger and Bonuses after every test.
struct FreeSpinsWorld {
    let harness: Hub88Harness
    let originals: OriginalsProvider
    let directory: ProviderDirectory
    let grants: Grants
    let campaigns: Campaigns

    /// Originals, made after the grants that call it.
    final class Box: Sendable {
        let provider = Mutex<OriginalsProvider?>(nil)
        func get() throws -> OriginalsProvider {
            guard let provider = provider.withLock({ $0 }) else { throw OriginalsError.notConfigured }
            return provider
        }
    }

    /// App's OriginalsFreeRounds for EUR, whose ledger units are Hub88's (both 1/100 000).
    struct Rewards: FreeRoundsProvider {
        let box: Box
        var code: String { OriginalsProvider.code }
        func award(_ award: FreeRoundsAward) async throws {
            try await box.get().awardFreeRounds(
                reward: award.reward, player: String(award.player.rawValue), game: award.game, currency: award.currency,
                betUnits: award.stakeUnits, rounds: award.rounds, validUntil: award.validUntil)
        }
        func cancel(reward: String) async throws { try await box.get().cancelFreeRounds(reward: reward) }
        func openRounds(reward: String) async throws -> Int { try await box.get().openFreeRounds(reward: reward) }
    }

    static func with(_ body: (FreeSpinsWorld) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let logger = TestServices.logger
            let directory = ProviderDirectory(database: database, secret: .random(), logger: logger)
            let ledger = Ledger(database: database, logger: logger)
            let registry = ProviderRegistry(directory: directory, ledger: ledger)
            let box = Box()
            let grants = Grants(database: database, ledger: ledger, logger: logger, freeRounds: Rewards(box: box))
            let wins = FreeSpinWins(grants: grants)
            let hooks = WalletHooks(
                betChecks: [BonusHooks.maxBetCheck], betFollowUps: [BonusHooks.recordWager],
                rewardWin: { win in
                    switch try await wins.credit(
                        provider: win.provider, transaction: win.transactionUUID, reward: win.reward, player: win.player,
                        currency: win.currency, units: win.units)
                    {
                    case .notOurs: .notClaimed
                    case .credited: .paid
                    case .replayed: .replayed
                    case .mismatch: .mismatch
                    }
                })
            let sessions = GameSessions(database: database, logger: logger)
            let wallet = Hub88Wallet(
                registry: registry, sessions: sessions, ledger: ledger, players: PlayerStatuses(database: database, logger: logger),
                rounds: GameRounds(database: database, logger: logger), database: database, hooks: hooks, logger: logger)
            let originals = try await OriginalsProvider.setUp(
                providers: directory, database: database, secret: .random(), publicURL: "http://casino.test",
                walletURL: "http://unused.test", logger: logger,
                transport: WalletTransport { endpoint, body, _ in
                    guard let entry = try await registry.entry(OriginalsProvider.code), let endpoint = Hub88Endpoint(rawValue: endpoint)
                    else { throw OriginalsError.notConfigured }
                    let answer = try await wallet.answer(signed: Array(body), endpoint: endpoint, entry: entry)
                    return .init(status: answer.status.rawValue, balance: answer.balance)
                })
            box.provider.withLock { $0 = originals }
            try await body(
                FreeSpinsWorld(
                    harness: Hub88Harness(database: database, ledger: ledger, sessions: sessions, registry: registry, wallet: wallet),
                    originals: originals, directory: directory, grants: grants,
                    campaigns: Campaigns(database: database, ledger: ledger, logger: logger)))
            for finding in try await LedgerAuditor(database: database, logger: logger).run() {
                #expect(finding.violations == 0, "invariant \(finding.invariant) (\(finding.name))")
            }
            #expect(try await BonusAuditor(database: database, ledger: ledger, logger: logger).violations() == 0)
        }
    }

    /// An enabled campaign of `spins` free spins of 1.00 EUR on the slot, winnings wagered ×10.
    func campaign(spins: Int = 3) async throws -> Campaign {
        let created = try await campaigns.create(
            CampaignTerms(
                name: "Spins", currency: "EUR", kind: .freeSpins, matchPercent: nil, amountUnits: 100_000, eligibility: .firstDeposit,
                wageringMultiplier: 10, wageringBase: .bonus, maxBetUnits: nil, expiryDays: 7, maxConversionUnits: nil,
                freeSpins: FreeSpinTerms(spins: spins, game: "slot", days: 3)))
        return try #require(try await campaigns.setEnabled(created.id, true))
    }

    /// The player's Originals slot session, opened as the casino launches it.
    func launch(_ player: PlayerID) async throws -> String {
        let token = try await harness.launch(player, with: OriginalsProvider.code)
        let keys = try await directory.keys(of: OriginalsProvider.code)
        let body = Array(
            try JSONSerialization.data(
                withJSONObject: ["user": String(player.rawValue), "token": token, "currency": "EUR", "game_code": "slot"],
                options: [.sortedKeys]))
        let answer = try await originals.gameURL(body: body, signature: try Hub88Signature.sign(body, with: keys.operatorKey))
        let url = try #require((try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: String])?["url"])
        return try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "session" }?.value)
    }

    func balances(_ player: PlayerID) async throws -> Balances { try await harness.ledger.balances(of: player)["EUR"] ?? .zero }
}
