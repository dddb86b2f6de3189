import Bonuses
import Compliance
import Core
import Foundation
import Games
import Identity
import Logging
import Payments
import PostgresNIO

/// Bonuses' parts (docs/bonuses.md), and the adapters through which Payments and Games use them
/// without knowing Bonuses.
extension AppDependencies {
    public var bonusCampaigns: Campaigns { Campaigns(database: database, ledger: ledger, logger: Logger(label: "croupier.bonuses")) }
    public var bonusGrants: Grants {
        Grants(
            database: database, ledger: ledger, logger: Logger(label: "croupier.bonuses"),
            freeRounds: OriginalsFreeRounds(originals: originals, ledger: ledger))
    }
    public var depositBonuses: DepositBonuses { DepositBonuses(grants: bonusGrants, logger: Logger(label: "croupier.bonuses")) }

    /// The maximum-bet check and the wagering follow-up of a wallet bet, and the wins of free
    /// spins a grant awarded, paid as its bonus money.
    var bonusWalletHooks: WalletHooks {
        let wins = FreeSpinWins(grants: bonusGrants)
        return WalletHooks(
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
    }

    func bonusSettlementJob(logger: Logger) -> BonusSettlementJob { BonusSettlementJob(grants: bonusGrants, logger: logger) }
}

/// A completed deposit grants the bonus it earns, in the completion's transaction; never to a
/// player in a time-out or self-exclusion (a deposit opened before it may complete during it).
struct DepositBonusObserver: DepositCompletionObserver {
    let bonuses: DepositBonuses
    let protection: PlayerProtection
    let segments: PlayerSegments

    func depositCompleted(_ deposit: CompletedDeposit, on connection: PostgresConnection) async throws {
        if try await protection.exclusion(of: deposit.player) != nil { return }
        _ = try await bonuses.depositCompleted(
            player: deposit.player, currency: deposit.currency, units: deposit.units, depositID: deposit.id,
            firstDeposit: deposit.firstDeposit, segments: try await segments.segments(of: deposit.player, on: connection).map(\.rawValue),
            on: connection)
    }
}

/// No withdrawal in a currency while a bonus runs there: the player forfeits it first.
struct RunningBonusGate: WithdrawalGate {
    let grants: Grants

    func refusal(player: PlayerID, currency: String) async throws -> WithdrawalRefusal? {
        try await grants.active(of: player).contains { $0.currency == currency } ? .bonusActive(currency) : nil
    }
}

/// A time-out or self-exclusion forfeits the player's running bonuses (DESIGN §7): money granted
/// to keep someone playing has no place once they asked to stop. It runs after the exclusion
/// committed; a forfeit that fails is logged and the settlement job ends the bonus at its expiry,
/// while the exclusion already stops every bet.
struct ExclusionForfeitsBonuses: ProtectionObserver {
    let grants: Grants
    let logger: Logger

    func playerExcluded(player: PlayerID, until: Date?) async {
        do {
            _ = try await grants.forfeitAll(player: player, reason: "excluded")
        } catch {
            logger.error("running bonuses not forfeited at an exclusion", metadata: ["player": "\(player.rawValue)", "reason": "\(error)"])
        }
    }
}
