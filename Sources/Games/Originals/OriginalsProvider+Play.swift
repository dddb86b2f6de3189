import Core
import Foundation

/// A game page opening a session and playing a round: the outcome is fixed by the seeds before
/// the bet, then bet and win go through the operator's wallet.
extension OriginalsProvider {
    public struct SessionView: Sendable {
        public let id: String
        public let gameCode: String
        public let currency: String
        public let language: String
        public let balance: String?
        public let serverSeedHash: String
        public let clientSeed: String
        public let nonce: Int64
        /// Free rounds the operator awarded on this game, played before the player's own money.
        public let freeRoundsLeft: Int
        /// Their stake, when there are any.
        public let freeRoundStake: String?
    }

    /// What a game page shows when it opens: the session, the seeds, and the balance from the
    /// operator (nil when the wallet did not answer).
    public func open(session id: String) async throws -> SessionView? {
        guard let session = try await store.session(id), session.expiresAt > Date() else { return nil }
        let seeds = try await store.activeSeeds(of: session.player)
        let free = try await store.available(player: session.player, game: session.gameCode, currency: session.currency)
        let balance = try? await wallet(
            "user/balance",
            [
                "user": session.player, "token": session.operatorToken, "request_uuid": UUID().uuidString.lowercased(),
                "game_code": session.gameCode,
            ])
        return SessionView(
            id: session.id, gameCode: session.gameCode, currency: session.currency, language: session.language,
            balance: balance.flatMap { $0.balance }.map(Self.display), serverSeedHash: seeds.serverSeedHash, clientSeed: seeds.clientSeed,
            nonce: seeds.nonce, freeRoundsLeft: free?.left ?? 0, freeRoundStake: free.map { Self.display($0.betUnits) })
    }

    public enum Choice: Sendable {
        case dice(target: Int, direction: Dice.Direction)
        case slot
    }

    public struct PlayAnswer: Sendable {
        public let status: String
        public let bet: String?
        public let win: String?
        public let balance: String?
        /// After a free round: how many the player has left on this game.
        var freeRoundsLeft: Int?
        /// The round as JSON: id, nonce, seeds, and the game's outcome.
        let round: Data?

        static func refused(_ status: String, balance: Int64? = nil) -> PlayAnswer {
            PlayAnswer(status: status, bet: nil, win: nil, balance: balance.map(OriginalsProvider.display), freeRoundsLeft: nil, round: nil)
        }

        /// The JSON the game page reads.
        public var body: [UInt8] {
            var object: [String: Any] = ["status": status]
            if let bet { object["bet"] = bet }
            if let win { object["win"] = win }
            if let balance { object["balance"] = balance }
            if let freeRoundsLeft { object["freeRoundsLeft"] = freeRoundsLeft }
            if let round, let value = try? JSONSerialization.jsonObject(with: round) { object["round"] = value }
            return Array(
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(#"{"status":"rejected"}"#.utf8))
        }
    }

    /// Limits, in Hub88 units: 0.10 to 1000 for dice, 0.10 to 100 for the slot.
    static let minimumBet: Int64 = 10_000
    static func maximumBet(_ game: String) -> Int64 { game == "slot" ? 10_000_000 : 100_000_000 }

    /// One round: the outcome is fixed by the seeds and the next nonce before the bet is placed;
    /// then bet, then the win (0 for a loss) closing the round, both through the wallet API. A
    /// free round the operator awarded on this game is played first, at its stake, as a free bet
    /// naming its reward; `betText` is then not used.
    public func play(session id: String, bet betText: String, choice: Choice) async throws -> PlayAnswer {
        guard let session = try await store.session(id), session.expiresAt > Date() else { return .refused("sessionExpired") }
        switch (choice, session.gameCode) {
        case (.dice(let target, let direction), "dice"):
            guard Dice.isValid(target: target, direction: direction) else { return .refused("invalidBet") }
        case (.slot, "slot"): break
        default: return .refused("invalidBet")
        }
        let free = try await store.claim(player: session.player, game: session.gameCode, currency: session.currency)
        let bet: Int64
        if let free {
            bet = free.betUnits
        } else {
            guard let paid = try? Amount.units(fromDecimal: betText, scale: Hub88Amount.scale), paid >= Self.minimumBet,
                paid <= Self.maximumBet(session.gameCode), session.gameCode != "slot" || Slot.isValid(bet: paid)
            else { return .refused("invalidBet") }
            bet = paid
        }
        let seeds = try await store.reserveNonce(of: session.player)
        let numbers = ProvablyFair.numbers(serverSeed: seeds.serverSeed, clientSeed: seeds.clientSeed, nonce: seeds.nonce)
        var round: [String: Any] = ["nonce": seeds.nonce, "serverSeedHash": seeds.serverSeedHash, "clientSeed": seeds.clientSeed]
        let payout: Int64
        let parameters: [String: Any]
        let outcome: [String: Any]
        switch choice {
        case .dice(let target, let direction):
            let result = Dice.play(bet: bet, target: target, direction: direction, numbers: numbers)
            payout = result.payout
            parameters = ["target": target, "direction": direction.rawValue]
            outcome = ["roll": result.roll, "won": result.won]
            round["dice"] = [
                "roll": result.roll, "target": target, "direction": direction.rawValue, "won": result.won,
                "multiplier": Dice.multiplierText(target: target, direction: direction),
            ]
        case .slot:
            let result = Slot.play(bet: bet, numbers: numbers)
            payout = result.payout
            parameters = ["lines": Slot.lines.count]
            outcome = ["stops": result.stops, "reels": result.reels.map { $0.map(\.rawValue) }]
            round["slot"] = [
                "stops": result.stops, "reels": result.reels.map { $0.map(\.rawValue) },
                "lines": result.wins.map {
                    [
                        "line": $0.line, "symbol": $0.symbol.rawValue, "count": $0.count, "win": Self.display($0.payout),
                        "rows": Slot.lines[$0.line - 1],
                    ]
                },
            ]
        }
        let roundID = "orig-\(session.player)-\(seeds.id)-\(seeds.nonce)"
        let betUUID = "\(roundID)-bet"
        var base: [String: Any] = [
            "user": session.player, "token": session.operatorToken, "round": roundID, "game_code": session.gameCode,
            "currency": session.currency,
            "supplier_transaction_id": roundID, "is_free": free != nil,
        ]
        if let free { base["reward_uuid"] = free.reward }
        let placed: WalletAnswer
        do {
            placed = try await wallet(
                "transaction/bet",
                base.merging([
                    "transaction_uuid": betUUID, "request_uuid": UUID().uuidString.lowercased(), "amount": bet, "round_closed": false,
                ]) { $1 })
        } catch {
            if let free { try await store.release(reward: free.reward) }
            // Hub88's rule for suppliers: a bet whose fate is unknown is rolled back (once here;
            // a rollback that also goes unanswered is left to reconciliation).
            logger.error("originals bet failed; rolling it back", metadata: ["round": "\(roundID)", "reason": "\(error)"])
            _ = try? await wallet(
                "transaction/rollback",
                [
                    "user": session.player, "token": session.operatorToken, "transaction_uuid": "\(roundID)-rollback",
                    "reference_transaction_uuid": betUUID,
                    "round": roundID, "round_closed": true, "game_code": session.gameCode, "request_uuid": UUID().uuidString.lowercased(),
                ])
            return .refused("walletUnavailable")
        }
        if placed.status != "RS_OK", let free { try await store.release(reward: free.reward) }
        switch placed.status {
        case "RS_OK": break
        case "RS_ERROR_NOT_ENOUGH_MONEY": return .refused("notEnoughMoney", balance: placed.balance)
        case "RS_ERROR_TOKEN_EXPIRED", "RS_ERROR_INVALID_TOKEN": return .refused("sessionExpired", balance: placed.balance)
        // The player's own loss or wager limit, or their time-out or self-exclusion (player protection).
        case "RS_ERROR_LIMIT_REACHED": return .refused("limitReached", balance: placed.balance)
        case "RS_ERROR_USER_DISABLED": return .refused("playDisabled", balance: placed.balance)
        default: return .refused("rejected", balance: placed.balance)
        }
        // Recorded before the win is sent: a win the wallet does not answer now is sent again by
        // `settlePending` until it is (Hub88's rule for suppliers: retry wins, never drop them).
        let id = try await store.recordRound(
            player: session.player, seed: seeds, nonce: seeds.nonce, game: session.gameCode, currency: session.currency, bet: bet,
            win: payout,
            parameters: Self.canonical(parameters), outcome: Self.canonical(outcome), operatorToken: session.operatorToken,
            reward: free?.reward)
        var settled: WalletAnswer?
        for attempt in 1...3 {
            do {
                settled = try await sendWin(
                    player: session.player, token: session.operatorToken, roundID: roundID, game: session.gameCode,
                    currency: session.currency, payout: payout)
                break
            } catch {
                logger.warning(
                    "originals win not answered", metadata: ["round": "\(roundID)", "attempt": "\(attempt)", "reason": "\(error)"])
                if attempt < 3 { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
        guard let settled, settled.status == "RS_OK" else {
            logger.error("originals win not settled yet", metadata: ["round": "\(roundID)", "status": "\(settled?.status ?? "no answer")"])
            return .refused("walletUnavailable", balance: settled?.balance ?? placed.balance)
        }
        try await store.markSettled(id)
        round["id"] = String(id)
        return PlayAnswer(
            status: "ok", bet: Self.display(bet), win: Self.display(payout), balance: settled.balance.map(Self.display),
            freeRoundsLeft: free?.left, round: try JSONSerialization.data(withJSONObject: round, options: [.sortedKeys]))
    }
}
