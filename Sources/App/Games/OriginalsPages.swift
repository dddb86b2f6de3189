import Foundation
import Games

/// An Originals game page: the session, the seeds, the bet limits and, for the slot, its lines,
/// symbols and paytable.
struct OriginalsGamePage: PageModel {
    struct Symbol {
        let symbol: String
        let label: String
    }

    struct Pays {
        let symbol: String
        let label: String
        let three: String
        let four: String
        let five: String
    }

    let session: String
    let currency: String
    let balance: String
    let serverSeedHash: String
    let clientSeed: String
    let nonce: Int64
    let fairnessURL: String
    let minBet = "0.10"
    let maxBet: String
    let defaultBet = "1.00"
    let lines: Int?
    let symbols: [Symbol]
    let paytable: [Pays]
    /// Free rounds the operator awarded on this game, played first at their stake.
    let hasFreeRounds: Bool
    let freeRoundsLeft: Int
    let freeRoundStake: String

    init(_ view: OriginalsProvider.SessionView) {
        let slot = view.gameCode == "slot"
        session = view.id
        hasFreeRounds = view.freeRoundsLeft > 0
        freeRoundsLeft = view.freeRoundsLeft
        freeRoundStake = view.freeRoundStake ?? ""
        currency = view.currency
        balance = view.balance ?? "—"
        serverSeedHash = view.serverSeedHash
        clientSeed = view.clientSeed
        nonce = view.nonce
        fairnessURL = "/originals/fairness?session=\(view.id)"
        maxBet = slot ? "100.00" : "1000.00"
        lines = slot ? Slot.lines.count : nil
        symbols = slot ? Slot.Symbol.allCases.map { Symbol(symbol: $0.rawValue, label: $0.rawValue.capitalized) } : []
        paytable =
            slot
            ? Slot.Symbol.allCases.compactMap { symbol in
                Slot.paytable[symbol].map {
                    Pays(
                        symbol: symbol.rawValue, label: symbol.rawValue.capitalized, three: String($0.three), four: String($0.four),
                        five: String($0.five))
                }
            } : []
    }
}

/// `/originals/fairness`: the current seeds and every round with what is needed to check it.
struct FairnessPage: PageModel {
    struct Seeds {
        let serverSeedHash: String
        let clientSeed: String
        let nonce: Int64
    }

    struct Round {
        let id: String
        let game: String
        let gameLabel: String
        let nonce: Int64
        let clientSeed: String
        let serverSeedHash: String
        let serverSeed: String
        let revealed: Bool
        let bet: String
        let win: String
        let outcomeText: String
        let parametersJSON: String
        let outcomeJSON: String
        let atText: String
    }

    let session: String
    let current: Seeds
    let rounds: [Round]
    let hasRounds: Bool
    let reelLengths = Slot.strips.map(\.count).map(String.init).joined(separator: ",")

    init(session: String, rounds: [OriginalsProvider.PastRound], current: OriginalsProvider.SessionView, gameLabel: (String) -> String) {
        self.session = session
        self.current = Seeds(serverSeedHash: current.serverSeedHash, clientSeed: current.clientSeed, nonce: current.nonce)
        self.rounds = rounds.map { round in
            Round(
                id: round.id, game: round.game, gameLabel: gameLabel(round.game), nonce: round.nonce, clientSeed: round.clientSeed,
                serverSeedHash: round.serverSeedHash, serverSeed: round.serverSeed, revealed: !round.serverSeed.isEmpty, bet: round.bet,
                win: round.win, outcomeText: Self.outcomeText(round), parametersJSON: round.parameters, outcomeJSON: round.outcome,
                atText: DisplayTime.text(round.at))
        }
        self.hasRounds = !rounds.isEmpty
    }

    /// A round's result in a line: the dice roll, or the slot's middle row.
    static func outcomeText(_ round: OriginalsProvider.PastRound) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(round.outcome.utf8)) as? [String: Any] else { return "" }
        if let roll = object["roll"] as? Int {
            return String(format: "%02d.%02d", roll / 100, roll % 100)
        }
        if let reels = object["reels"] as? [[String]] {
            return reels.map { $0[1] }.joined(separator: " · ")
        }
        return ""
    }
}
