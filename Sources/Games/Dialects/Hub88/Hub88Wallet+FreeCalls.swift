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
                return .invalidToken
            }
            if session.expiresAt <= Date() { return .tokenExpired }
            if session.gameCode != request.gameCode { return .invalidGame }
            if session.currency != request.currency { return .wrongCurrency }
            guard let status = try await players.status(of: player), status.mayBet else { return .userDisabled }
            return .ok
        }
    }

    /// "You lost": no money moves, but the bet must exist (in the ledger, or as a free bet) and
    /// not be rolled back.
    func zeroWin(_ request: Hub88Request.Transaction, provider: String, player: PlayerID, reference: String) async throws -> Hub88Answer {
        try await free(request, provider: provider, player: player, kind: "win") {
            try await zeroWinStatus(reference: reference, provider: provider, player: player)
        }
    }

    /// Idempotency for calls the ledger never sees: the first answer is stored with a hash of
    /// what defines the call; an exact replay gets that answer, a changed one a duplicate.
    func free(
        _ request: Hub88Request.Transaction, provider: String, player: PlayerID, kind: String, reward: String? = nil,
        check: () async throws -> Hub88Status
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
        let stored: (ByteBuffer, String, Int64?)? = try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT payload_hash, status, balance FROM games_free_transactions WHERE provider = \(provider) AND transaction_uuid = \(request.transactionUUID)",
                logger: logger)
            for try await row in rows.decode((ByteBuffer, String, Int64?).self) { return row }
            return nil
        }
        if let (storedHash, status, balance) = stored {
            guard Array(buffer: storedHash) == hash, let status = Hub88Status(rawValue: status) else {
                return try await answer(
                    .duplicateTransaction, request.requestUUID, player: player, currency: request.currency, balances: nil,
                    provider: provider)
            }
            return Hub88Answer(status, requestUUID: request.requestUUID, user: request.user, currency: request.currency, balance: balance)
        }
        let status = try await check()
        let reply = try await answer(
            status, request.requestUUID, player: player, currency: request.currency, balances: nil, provider: provider)
        guard status == .ok else { return reply }
        try await rounds.record(
            provider: provider, round: request.round, player: player, gameCode: request.gameCode, currency: request.currency, betUnits: 0,
            winUnits: 0,
            closed: request.roundClosed)
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO games_free_transactions (provider, transaction_uuid, kind, payload_hash, status, player_id, currency, balance,
                                                     reward_uuid)
                VALUES (\(provider), \(request.transactionUUID), \(kind), \(ByteBuffer(bytes: hash)), \(status.rawValue), \(player.rawValue), \(request.currency),
                        \(reply.balance), \(reward)) ON CONFLICT DO NOTHING
                """, logger: logger
            ).collect()
        }
        return reply
    }

    func zeroWinStatus(reference uuid: String, provider: String, player: PlayerID) async throws -> Hub88Status {
        let reference = key(provider, uuid)
        let rollback = try await ledger.rollbackState(of: reference)
        guard let bet = try await ledger.operation(reference), bet.player == player else {
            if rollback == .refusedInAdvance { return .transactionRolledBack }
            return try await isFreeBet(uuid, provider: provider, player: player) ? .ok : .transactionDoesNotExist
        }
        return rollback == .rolledBack ? .transactionRolledBack : .ok
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
