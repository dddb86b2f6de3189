import Crypto
import Foundation

/// Croupier Originals' fairness scheme (docs/games/originals.md): the server seed is committed
/// by its SHA-256 before play, the player chooses the client seed, each round has a nonce, and
/// every outcome is read from HMAC-SHA256(key: server seed, message: "<client seed>:<nonce>:0").
/// All arithmetic is on integers, so anyone can recompute it exactly.
public enum ProvablyFair {
    /// 32 random bytes as 64 hex characters; the text itself is the HMAC key.
    public static func newServerSeed() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// The commitment shown before play: hex SHA-256 of the seed's text.
    public static func commitment(_ serverSeed: String) -> String {
        SHA256.hash(data: Data(serverSeed.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Eight big-endian 32-bit numbers from one HMAC.
    public static func numbers(serverSeed: String, clientSeed: String, nonce: Int64, cursor: Int = 0) -> [UInt32] {
        let mac = Array(
            HMAC<SHA256>.authenticationCode(
                for: Data("\(clientSeed):\(nonce):\(cursor)".utf8), using: SymmetricKey(data: Data(serverSeed.utf8))))
        return (0..<8).map { index in
            mac[index * 4..<index * 4 + 4].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        }
    }

    /// ⌊value × range / 2³²⌋: a number in 0..<range from a uniform 32-bit value.
    public static func scaled(_ value: UInt32, range: Int) -> Int {
        Int((UInt64(value) * UInt64(range)) >> 32)
    }

    /// A client seed a person can type: 1–64 printable characters, no colon (the separator).
    public static func isValidClientSeed(_ seed: String) -> Bool {
        (1...64).contains(seed.count) && seed.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7f && $0 != ":" }
    }
}

/// Dice: a roll 0…9999 (shown 00.00–99.99). "Under T" wins when roll < T, "over T" when
/// roll ≥ T. The payout is bet × 9900 / chance (chance in hundredths of a percent), rounded
/// down: a 1 % house edge, RTP 99 % less the rounding.
public enum Dice {
    public enum Direction: String, Sendable, Codable { case under, over }

    public static let rtpBasisPoints = 9900
    /// The roll threshold's allowed range for each direction: a 1 %…98 % chance.
    public static let underTargets = 100...9800
    public static let overTargets = 200...9900

    public struct Outcome: Sendable, Equatable {
        public let roll: Int
        public let won: Bool
        public let payout: Int64
    }

    public static func isValid(target: Int, direction: Direction) -> Bool {
        direction == .under ? underTargets.contains(target) : overTargets.contains(target)
    }

    /// Winning rolls out of 10000.
    public static func chance(target: Int, direction: Direction) -> Int {
        direction == .under ? target : 10000 - target
    }

    public static func roll(_ numbers: [UInt32]) -> Int {
        ProvablyFair.scaled(numbers[0], range: 10000)
    }

    public static func play(bet: Int64, target: Int, direction: Direction, numbers: [UInt32]) -> Outcome {
        let roll = roll(numbers)
        let won = direction == .under ? roll < target : roll >= target
        return Outcome(roll: roll, won: won, payout: won ? bet * 9900 / Int64(chance(target: target, direction: direction)) : 0)
    }

    /// The multiplier as shown, 4 decimals, rounded down: "1.9800".
    public static func multiplierText(target: Int, direction: Direction) -> String {
        let tenThousandths = 99_000_000 / chance(target: target, direction: direction)
        return "\(tenThousandths / 10000).\(String(format: "%04d", tenThousandths % 10000))"
    }
}
