import Core
import Crypto
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Free bets and zero wins: calls that move none of the player's money, so they never reach the
/// ledger and keep their own idempotency record (`games_free_transactions`), each judged and
/// stored in one round trip.
extension Hub88Wallet {
    /// The player's free bet `uuid` answered RS_OK, if there is one: the reward it named, if any.
    struct StoredFreeBet {
        var reward: String?
    }

    /// For a win the ledger found no bet for: the player's free bet `uuid`, if there is one, and
    /// whether the player has played with the provider (which the refusal, if it is one, needs),
    /// in one statement.
    func freeBetOfWin(_ uuid: String, provider: String, player: PlayerID) async throws -> (freeBet: StoredFreeBet?, played: Bool) {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT f.transaction_uuid IS NOT NULL, f.reward_uuid,
                       EXISTS (SELECT 1 FROM games_sessions s WHERE s.player_id = \(player.rawValue) AND s.provider = \(provider))
                  FROM (SELECT 1) AS one
                  LEFT JOIN games_free_transactions f ON f.provider = \(provider) AND f.transaction_uuid = \(uuid)
                   AND f.player_id = \(player.rawValue) AND f.kind = 'bet' AND f.status = 'RS_OK'
                """, logger: logger)
            for try await (found, reward, played) in rows.decode((Bool, String?, Bool).self) {
                return (found ? StoredFreeBet(reward: reward) : nil, played)
            }
            throw LedgerError.unexpectedResult("no row from the free bet lookup")
        }
    }

    /// A free bet: the checks of any bet (the session, the player, the App's), with a stake of 0,
    /// then only the round opens. Judged and, when `RS_OK`, stored with its round in one round trip
    /// (games_free_bet, migration 0069); an answer stored first for the uuid stands. Its reward is
    /// kept for its win (Hub88Wallet.win).
    func freeBet(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, token: String, scale: Int) async throws
        -> Hub88Answer
    {
        let call = WalletStatements.FreeBet(
            provider: provider, transactionUUID: request.transactionUUID, player: player.rawValue, currency: request.currency,
            scale: Int32(scale), payloadHash: Self.payloadHash(of: request, kind: "bet", player: player, reward: request.rewardUUID),
            reward: request.rewardUUID, round: request.round, game: request.gameCode, roundClosed: request.roundClosed,
            hookArguments: CanonicalJSON.object(
                Self.hookArguments(
                    provider: provider, token: token, game: request.gameCode, playable: true, currency: request.currency,
                    round: request.round, closed: request.roundClosed, bet: 0, win: 0)),
            checks: (Self.playerChecks + hooks.betChecks).map(\.function))
        let judged = try await row(of: call)
        let status = judged.refusal.map { Self.status(hookRefusal: $0) } ?? .ok
        return try await answer(
            judged.record, request, player: player, provider: provider, balances: judged.balances, played: judged.played
        ) {
            try await answer(
                status, request.requestUUID, player: player, currency: request.currency, balances: judged.balances, provider: provider,
                played: judged.played)
        }
    }

    /// "You lost": no money moves, but the bet must exist (in the ledger, or as a free bet) and
    /// not be rolled back. Judged and, when `RS_OK`, stored with its round in one round trip
    /// (games_zero_win, migration 0065); an answer stored first for the uuid stands.
    func zeroWin(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, reference: String, scale: Int)
        async throws -> Hub88Answer
    {
        let bet = key(provider, reference)
        let call = WalletStatements.ZeroWin(
            provider: provider, transactionUUID: request.transactionUUID, player: player.rawValue, currency: request.currency,
            scale: Int32(scale), betScope: bet.scope, betKey: bet.key, betUUID: reference,
            payloadHash: Self.payloadHash(of: request, kind: "win", player: player), round: request.round, game: request.gameCode,
            roundClosed: request.roundClosed)
        let judged = try await row(of: call)
        let status: Hub88Status =
            switch judged.verdict {
            case "ok": .ok
            case "rolledBack": .transactionRolledBack
            default: .transactionDoesNotExist
            }
        return try await answer(
            judged.record, request, player: player, provider: provider, balances: judged.balances, played: judged.played ? true : nil
        ) {
            try await answer(
                status, request.requestUUID, player: player, currency: request.currency, balances: judged.balances, provider: provider,
                played: judged.played ? true : nil)
        }
    }

    /// What defines a free call (Hub88: the same uuid with any of it changed is a duplicate). The
    /// reward joins the hash only when named, so that calls stored before it existed replay alike.
    static func payloadHash(of request: Hub88Request.Transaction, kind: String, player: PlayerID, reward: String? = nil) -> [UInt8] {
        let defining =
            [
                kind, String(player.rawValue), request.currency, request.gameCode, request.round, request.referenceTransactionUUID ?? "",
            ] + (reward.map { [$0] } ?? [])
        return Array(SHA256.hash(data: Data(CanonicalJSON.array(defining).utf8)))
    }

    /// The answer to a free call once its record is settled: `judged` (this call's own answer)
    /// when it stored its answer or none was stored; otherwise the stored answer, or a duplicate
    /// when that was stored for other contents under the same uuid, shown with `balances` when
    /// the judgement read them (nil: read now) to a provider the player has played with (`played`,
    /// as the other answer takes it).
    func answer(
        _ record: WalletStatements.Record, _ request: Hub88Request.Transaction, player: PlayerID, provider: String,
        balances: Balances?, played: Bool?, judged: () async throws -> Hub88Answer
    ) async throws -> Hub88Answer {
        guard !record.stored, let first = record.firstStatus else { return try await judged() }
        guard record.sameCall == true, let status = Hub88Status(rawValue: first) else {
            return try await answer(
                .duplicateTransaction, request.requestUUID, player: player, currency: request.currency, balances: balances,
                provider: provider, played: played)
        }
        return Hub88Answer(
            status, requestUUID: request.requestUUID, user: request.user, currency: request.currency, balance: record.firstBalance)
    }
}

extension Hub88Wallet {
    /// The win of a free bet that named `reward`, if the reward's owner (`hooks.rewardWin`, a
    /// bonus grant's free spins) pays it; nil when nobody claims it and it is paid as before.
    func rewardWin(_ request: Hub88Request.Transaction, units: Int64, provider: String, player: PlayerID, reward: String?)
        async throws -> Hub88Answer?
    {
        guard let hook = hooks.rewardWin, let reward else { return nil }
        let claim = RewardWin(
            provider: provider, transactionUUID: request.transactionUUID, reward: reward, player: player, currency: request.currency,
            units: units)
        let status: Hub88Status
        switch try await hook(claim) {
        case .notClaimed: return nil
        case .mismatch: status = .duplicateTransaction
        case .replayed: status = .ok
        case .paid:
            status = .ok
            try await rounds.record(
                provider: provider, round: request.round, player: player, gameCode: request.gameCode, currency: request.currency,
                betUnits: 0, winUnits: units, closed: request.roundClosed)
        }
        return try await answer(status, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
    }
}
