import Foundation

/// "Croupier Sevens": 5 reels × 3 rows, 10 fixed paylines, pays for 3, 4 or 5 of a kind from the
/// leftmost reel. Every reel carries the same symbols in the same numbers (ordered differently),
/// so each row of each reel shows a symbol with the same odds and the RTP has a closed form
/// (`exactRTP`); docs/games/originals.md publishes it.
public enum Slot {
    public enum Symbol: String, Sendable, CaseIterable, Codable {
        case seven, bar, bell, plum, lemon, cherry
    }

    /// How many of each symbol every reel carries (32 stops).
    public static let counts: [Symbol: Int] = [.seven: 1, .bar: 2, .bell: 3, .plum: 5, .lemon: 8, .cherry: 13]

    /// Multipliers of the line bet for 3, 4 and 5 of a kind.
    public static let paytable: [Symbol: (three: Int64, four: Int64, five: Int64)] = [
        .seven: (100, 500, 2000), .bar: (50, 200, 800), .bell: (20, 80, 300), .plum: (10, 40, 120), .lemon: (6, 20, 60),
        .cherry: (4, 11, 30),
    ]

    /// Rows (0 top, 1 middle, 2 bottom) a line passes through on reels 1–5.
    public static let lines: [[Int]] = [
        [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [2, 2, 2, 2, 2], [0, 1, 2, 1, 0], [2, 1, 0, 1, 2],
        [0, 0, 1, 2, 2], [2, 2, 1, 0, 0], [1, 0, 0, 0, 1], [1, 2, 2, 2, 1], [0, 1, 1, 1, 0],
    ]

    /// The five reel strips: each a different order of the same 32 symbols.
    public static let strips: [[Symbol]] = {
        let base: [Symbol] = [
            .cherry, .lemon, .cherry, .plum, .cherry, .bell, .lemon, .cherry, .bar, .cherry, .lemon, .plum, .cherry, .seven, .lemon,
            .cherry,
            .bell, .cherry, .lemon, .plum, .cherry, .bar, .lemon, .cherry, .plum, .cherry, .bell, .lemon, .cherry, .plum, .lemon, .cherry,
        ]
        return [0, 7, 13, 19, 26].map { shift in Array(base[shift...] + base[..<shift]).reversedIfOdd(shift) }
    }()

    public static let rtpBasisPoints = 9613

    public struct LineWin: Sendable, Equatable {
        public let line: Int
        public let symbol: Symbol
        public let count: Int
        public let payout: Int64
    }

    public struct Outcome: Sendable, Equatable {
        /// Stop index per reel: the top row shows `strips[r][stop]`.
        public let stops: [Int]
        /// reels[r][row], top to bottom.
        public let reels: [[Symbol]]
        public let wins: [LineWin]
        public var payout: Int64 { wins.reduce(0) { $0 + $1.payout } }
    }

    /// A total bet splits evenly over the lines, so it must be a multiple of the line count.
    public static func isValid(bet: Int64) -> Bool { bet > 0 && bet % Int64(lines.count) == 0 }

    public static func stops(_ numbers: [UInt32]) -> [Int] {
        (0..<5).map { ProvablyFair.scaled(numbers[$0], range: strips[$0].count) }
    }

    public static func play(bet: Int64, numbers: [UInt32]) -> Outcome {
        let stops = stops(numbers)
        let reels = (0..<5).map { reel in (0..<3).map { row in strips[reel][(stops[reel] + row) % strips[reel].count] } }
        let lineBet = bet / Int64(lines.count)
        var wins: [LineWin] = []
        for (index, line) in lines.enumerated() {
            let first = reels[0][line[0]]
            var count = 1
            while count < 5, reels[count][line[count]] == first { count += 1 }
            guard count >= 3, let pays = paytable[first] else { continue }
            let multiplier = count == 3 ? pays.three : count == 4 ? pays.four : pays.five
            wins.append(LineWin(line: index + 1, symbol: first, count: count, payout: lineBet * multiplier))
        }
        return Outcome(stops: stops, reels: reels, wins: wins)
    }

    /// The return to player as an exact fraction (numerator, denominator) of the bet: per line,
    /// Σ over symbols of P(first n match, the next does not) × pay; every line has the same odds.
    public static func exactRTP() -> (numerator: Int64, denominator: Int64) {
        let stopsPerReel = Int64(counts.values.reduce(0, +))
        let denominator = stopsPerReel * stopsPerReel * stopsPerReel * stopsPerReel * stopsPerReel
        var numerator: Int64 = 0
        for (symbol, count) in counts {
            let hit = Int64(count)
            let miss = stopsPerReel - hit
            guard let pays = paytable[symbol] else { continue }
            // Ways out of 32⁵ for exactly 3 and exactly 4 from the left, and for 5.
            numerator += hit * hit * hit * miss * stopsPerReel * pays.three
            numerator += hit * hit * hit * hit * miss * pays.four
            numerator += hit * hit * hit * hit * hit * pays.five
        }
        return (numerator, denominator)
    }
}

extension Array {
    /// Alternate reels run the strip backwards, so neighbours differ from reel to reel.
    fileprivate func reversedIfOdd(_ shift: Int) -> [Element] { shift % 2 == 1 ? reversed() : self }
}
