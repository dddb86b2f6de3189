import Core
import Crypto
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Free bets and zero wins: calls that move none of the player's money, so they never reach the
/// ledger and keep their own idempotency record (`games_free_transactions`).
extension Hub88Wallet {
    func isFreeBet(_ uuid: String, provider: String, player: PlayerID) async throws -> Bool {
        try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT 1 FROM games_free_transactions WHERE provider = \(provider) AND transaction_uuid = \(uuid) AND player_id = \(player.rawValue)
                   AND kind = 'bet' AND status = 'RS_OK'
                """, logger: logger
            ).collect().count > 0
        }
    }

    /// The reward the free bet `uuid` named, if it named one.
    func freeBetReward(_ uuid: String, provider: String, player: PlayerID) async throws -> String? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT reward_uuid FROM games_free_transactions WHERE provider = \(provider) AND transaction_uuid = \(uuid)
                   AND player_id = \(player.rawValue) AND kind = 'bet' AND status = 'RS_OK'
                """, logger: logger)
            for try await reward in rows.decode(String?.self) { return reward }
            return nil
        }
    }

    /// A free bet: the session rules of any bet, then only the round opens. Its reward is kept
    /// for its win (Hub88Wallet.win).
    func freeBet(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, token: String) async throws -> Hub88Answer {
        try await free(request, provider: provider, player: player, kind: "bet", reward: request.rewardUUID) {
            guard let session = try await sessions.session(token: token, provider: provider), session.player == player else {
                return FreeCheck(status: .invalidToken)
            }
            if session.expiresAt <= Date() { return FreeCheck(status: .tokenExpired, played: true) }
            if session.gameCode != request.gameCode { return FreeCheck(status: .invalidGame, played: true) }
            if session.currency != request.currency { return FreeCheck(status: .wrongCurrency, played: true) }
            guard let status = try await players.status(of: player), status.mayBet else {
                return FreeCheck(status: .userDisabled, played: true)
            }
            return FreeCheck(status: .ok, played: true)
        }
    }

    /// "You lost": no money moves, but the bet must exist (in the ledger, or as a free bet) and
    /// not be rolled back. Judged and, when `RS_OK`, stored with its round in one round trip
    /// (games_zero_win, migration 0065); an answer stored first for the uuid stands.
    func zeroWin(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, reference: String, scale: Int)
        async throws -> Hub88Answer
    {
        let bet = key(provider, reference)
        let call = FreeCallStatements.ZeroWin(
            provider: provider, transactionUUID: request.transactionUUID, player: player.rawValue, currency: request.currency,
            scale: Int32(scale), betScope: bet.scope, betKey: bet.key, betUUID: reference,
            payloadHash: Self.payloadHash(of: request, kind: "win", player: player), round: request.round, game: request.gameCode,
            roundClosed: request.roundClosed)
        let judged = try await database.withConnection { connection in
            for try await row in try await connection.execute(call, logger: logger) { return row }
            throw LedgerError.unexpectedResult("no row from games_zero_win")
        }
        let status: Hub88Status =
            switch judged.verdict {
            case "ok": .ok
            case "rolledBack": .transactionRolledBack
            default: .transactionDoesNotExist
            }
        return try await answer(judged.record, request, player: player, provider: provider, balances: judged.balances) {
            try await answer(
                status, request.requestUUID, player: player, currency: request.currency, balances: judged.balances, provider: provider,
                played: judged.played)
        }
    }

    /// A free call's verdict, with what the check learnt on the way: the balances, when it read
    /// them, and whether the player has played with this provider (a session or a bet of theirs).
    struct FreeCheck {
        var status: Hub88Status
        var balances: Balances? = nil
        var played = false
    }

    /// Idempotency for calls the ledger never sees: the first answer is stored with a hash of
    /// what defines the call; an exact replay gets that answer, a changed one a duplicate. Only
    /// an OK answer is stored: a refused call may be sent again and succeed.
    func free(
        _ request: Hub88Request.Transaction, provider: String, player: PlayerID, kind: String, reward: String? = nil,
        check: () async throws -> FreeCheck
    )
        async throws
        -> Hub88Answer
    {
        // Judged, then stored (or the answer stored first read) in one more round trip. That
        // answer stands, whatever the check says now: the check only reads.
        let verdict = try await check()
        let reply = try await answer(
            verdict.status, request.requestUUID, player: player, currency: request.currency, balances: verdict.balances,
            provider: provider, played: verdict.played)
        let store = FreeCallStatements.Store(
            provider: provider, transactionUUID: request.transactionUUID, kind: kind,
            payloadHash: Self.payloadHash(of: request, kind: kind, player: player, reward: reward), status: verdict.status.rawValue,
            player: player.rawValue, currency: request.currency, balance: reply.balance, reward: reward, round: request.round,
            game: request.gameCode, roundClosed: request.roundClosed, store: verdict.status == .ok)
        let record = try await database.withConnection { connection in
            for try await row in try await connection.execute(store, logger: logger) { return row }
            throw LedgerError.unexpectedResult("no row from games_store_free_call")
        }
        return try await answer(record, request, player: player, provider: provider, balances: verdict.balances) { reply }
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
    /// the judgement read them (nil: read now).
    func answer(
        _ record: FreeCallStatements.Record, _ request: Hub88Request.Transaction, player: PlayerID, provider: String,
        balances: Balances?, judged: () async throws -> Hub88Answer
    ) async throws -> Hub88Answer {
        guard !record.stored, let first = record.firstStatus else { return try await judged() }
        guard record.sameCall == true, let status = Hub88Status(rawValue: first) else {
            return try await answer(
                .duplicateTransaction, request.requestUUID, player: player, currency: request.currency, balances: balances,
                provider: provider)
        }
        return Hub88Answer(
            status, requestUUID: request.requestUUID, user: request.user, currency: request.currency, balance: record.firstBalance)
    }
}

extension Hub88Wallet {
    /// The win of a free bet that named a reward, if the reward's owner (`hooks.rewardWin`, a
    /// bonus grant's free spins) pays it; nil when nobody claims it and it is paid as before.
    func rewardWin(_ request: Hub88Request.Transaction, units: Int64, provider: String, player: PlayerID, reference: String)
        async throws -> Hub88Answer?
    {
        guard let hook = hooks.rewardWin, let reward = try await freeBetReward(reference, provider: provider, player: player) else {
            return nil
        }
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
