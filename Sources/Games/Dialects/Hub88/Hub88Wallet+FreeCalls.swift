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
    /// not be rolled back.
    func zeroWin(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, reference: String) async throws -> Hub88Answer {
        try await free(request, provider: provider, player: player, kind: "win") {
            try await zeroWinStatus(reference: reference, provider: provider, player: player, currency: request.currency)
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
        // The reward joins the hash only when named, so that calls stored before it existed replay alike.
        let defining =
            [
                kind, String(player.rawValue), request.currency, request.gameCode, request.round, request.referenceTransactionUUID ?? "",
            ] + (reward.map { [$0] } ?? [])
        let hash = Array(SHA256.hash(data: Data(CanonicalJSON.array(defining).utf8)))
        // A new call is the common case: judged, then stored, in two round trips. Only a call
        // that finds an answer stored (a replay, a twin that stored first, a reused uuid) reads
        // it, and that answer stands, whatever the check says now. The check only reads.
        let verdict = try await check()
        let reply = try await answer(
            verdict.status, request.requestUUID, player: player, currency: request.currency, balances: verdict.balances,
            provider: provider, played: verdict.played)
        if verdict.status == .ok {
            let store = FreeCallStatements.Store(
                provider: provider, transactionUUID: request.transactionUUID, kind: kind, payloadHash: hash,
                status: verdict.status.rawValue, player: player.rawValue, currency: request.currency, balance: reply.balance,
                reward: reward, round: request.round, game: request.gameCode, roundClosed: request.roundClosed)
            let stored = try await database.withConnection { connection in
                var rows = 0
                for try await _ in try await connection.execute(store, logger: logger) { rows += 1 }
                return rows > 0
            }
            if stored { return reply }
        }
        let first: (ByteBuffer, String, Int64?)? = try await database.withConnection { connection in
            let rows = try await connection.execute(
                FreeCallStatements.Stored(provider: provider, transactionUUID: request.transactionUUID), logger: logger)
            for try await row in rows { return row }
            return nil
        }
        guard let (storedHash, status, balance) = first else { return reply }
        guard Array(buffer: storedHash) == hash, let status = Hub88Status(rawValue: status) else {
            return try await answer(
                .duplicateTransaction, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
        }
        return Hub88Answer(status, requestUUID: request.requestUUID, user: request.user, currency: request.currency, balance: balance)
    }

    /// The bet and its rollback state come with the balance to answer, in one read. A bet of
    /// this player keyed by this provider passed its session check: the player has played here.
    func zeroWinStatus(reference uuid: String, provider: String, player: PlayerID, currency: String) async throws -> FreeCheck {
        let view = try await ledger.referenceView(of: key(provider, uuid), player: player, currency: currency)
        guard let bet = view.operation, bet.player == player else {
            if view.rollback == .refusedInAdvance { return FreeCheck(status: .transactionRolledBack, balances: view.balances) }
            let free = try await isFreeBet(uuid, provider: provider, player: player)
            return FreeCheck(status: free ? .ok : .transactionDoesNotExist, balances: view.balances, played: free)
        }
        return FreeCheck(status: view.rollback == .rolledBack ? .transactionRolledBack : .ok, balances: view.balances, played: true)
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
