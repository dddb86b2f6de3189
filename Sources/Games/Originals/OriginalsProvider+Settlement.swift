import Foundation

/// Wins are never dropped: the win closing a round is sent with the same id until the wallet
/// answers it (Hub88's rule for suppliers).
extension OriginalsProvider {
    /// The win that closes a round (0 for a loss); the same transaction_uuid every time it is sent.
    func sendWin(player: String, token: String, roundID: String, game: String, currency: String, payout: Int64) async throws -> WalletAnswer
    {
        try await wallet(
            "transaction/win",
            [
                "user": player, "token": token, "round": roundID, "game_code": game, "currency": currency,
                "supplier_transaction_id": roundID,
                "is_free": false, "transaction_uuid": "\(roundID)-win", "reference_transaction_uuid": "\(roundID)-bet",
                "request_uuid": UUID().uuidString.lowercased(), "amount": payout, "round_closed": true,
            ])
    }

    /// Sends again every win the wallet has not answered (rounds older than `age`); returns how
    /// many rounds it settled. A win the wallet refuses because its bet was rolled back is owed
    /// nothing and is settled too.
    @discardableResult
    public func settlePending(olderThan age: TimeInterval = 30) async throws -> Int {
        var count = 0
        for round in try await store.unsettled(olderThan: age) {
            let roundID = "orig-\(round.player)-\(round.seedID)-\(round.nonce)"
            guard
                let answer = try? await sendWin(
                    player: round.player, token: round.operatorToken, roundID: roundID, game: round.game, currency: round.currency,
                    payout: round.win)
            else { continue }
            switch answer.status {
            case "RS_OK", "RS_ERROR_TRANSACTION_ROLLED_BACK", "RS_ERROR_TRANSACTION_DOES_NOT_EXIST":
                if answer.status != "RS_OK" {
                    logger.notice("originals round owes nothing", metadata: ["round": "\(roundID)", "status": "\(answer.status)"])
                }
                try await store.markSettled(round.id)
                count += 1
            default:
                logger.error("originals win refused", metadata: ["round": "\(roundID)", "status": "\(answer.status)"])
            }
        }
        return count
    }
}
