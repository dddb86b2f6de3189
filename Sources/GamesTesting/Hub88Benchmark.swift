import AsyncHTTPClient
import Core
import CryptoExtras
import Foundation
import Games
import IdentityTesting
import Ledger
import LedgerTesting
import Logging
import NIOCore
import Persistence
import Synchronization

/// The Hub88 dialect under load over HTTP (bench/hub88, bench/capacity): bet/win/rollback rounds
/// from many clients against a running server, signed like a real provider's. Signing is the
/// provider's cost, not ours, so every request is built and signed before the clock starts; the
/// clock then measures only what the server does.
public struct Hub88Benchmark: Sendable {
    public struct Result: Sendable {
        public let calls: Int
        public let seconds: Double
        public let p50Microseconds: Int
        public let p99Microseconds: Int
        public let statuses: [String: Int]
        /// By endpoint (`transaction/bet`, ...), and `replay` and `refusal` across endpoints.
        public let latencies: Latencies
        /// Answers that were not what the call must get (counted during warm-up too): `RS_OK`
        /// for a round's call, `RS_ERROR_NOT_ENOUGH_MONEY` for a refusal, the first answer's
        /// exact bytes for a replay.
        public let wrongAnswers: [String]
        /// Seconds into the measurement when the prepared calls ran out (nil: they lasted).
        public let ranOutAfter: Double?
        public var callsPerSecond: Double { Double(calls) / seconds }
    }

    /// Besides the rounds (a bet, then a win, a zero win or a rollback), the shares of all calls
    /// that re-send a call of the same round byte for byte, signature included (a provider's
    /// retry), and that are bets larger than any balance.
    public struct Mix: Sendable {
        public let replays: Double
        public let refusals: Double

        public init(replays: Double, refusals: Double) {
            self.replays = replays
            self.refusals = refusals
        }

        public static let rounds = Mix(replays: 0, refusals: 0)
        public static let providers = Mix(replays: 0.05, refusals: 0.02)
    }

    let providers: ProviderDirectory
    let sessions: GameSessions
    let ledger: Ledger
    let database: Database
    let serverURL: String
    let players: Int
    let clients: Int
    let roundsPerClient: Int
    let duration: Duration
    let warmup: Duration
    let mix: Mix
    let firstPlayer: Int64
    let providerCode: String

    public init(
        providers: ProviderDirectory, sessions: GameSessions, ledger: Ledger, database: Database, serverURL: String, players: Int,
        clients: Int,
        roundsPerClient: Int, duration: Duration, warmup: Duration = .zero, mix: Mix = .rounds, firstPlayer: Int64 = 6_000_000,
        providerCode: String = "bench"
    ) {
        self.providers = providers
        self.sessions = sessions
        self.ledger = ledger
        self.database = database
        self.serverURL = serverURL
        self.players = players
        self.clients = clients
        self.roundsPerClient = roundsPerClient
        self.duration = duration
        self.warmup = warmup
        self.mix = mix
        self.firstPlayer = firstPlayer
        self.providerCode = providerCode
    }

    public struct Call: Sendable {
        let endpoint: String
        let body: ByteBuffer
        let signature: String
        /// The index in its round of the call this one re-sends.
        let replayOf: Int?
        let refusal: Bool
    }

    /// Players are funded with 10,000.00 EUR; a refused bet asks for 100,000,000.00.
    static let refusedBet = 10_000_000_000_000

    /// Registers the provider with a fresh key pair, creates and funds the players, opens one
    /// session each, and returns the rounds (clients × rounds per client), each a sequence of
    /// signed calls that one client sends in order.
    public func prepare() async throws -> [[Call]] {
        let providerKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let operatorKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        _ = try await providers.add(
            code: providerCode, name: "Benchmark provider", dialect: "hub88", apiURL: "http://127.0.0.1:9", operatorID: 1,
            providerKeyPEM: providerKey.publicKey.pemRepresentation, operatorKeyPEM: operatorKey.pemRepresentation, currencies: ["EUR"])
        try await providers.upsert([Game(provider: providerCode, code: "bench_slot", name: "Benchmark slot", category: "video-slots")])
        let ids = (0..<Int64(players)).map { firstPlayer + $0 }
        try await SyntheticPlayers.create(ids: ids, database: database, logger: Logger(label: "croupier.bench"))
        var tokens: [Int64: String] = [:]
        for id in ids {
            let funded = try await ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "bench", key: "fund-\(id)"), player: PlayerID(id), currency: "EUR",
                    movement: .adjustment(units: 1_000_000_000), metadata: ["reason": "hub88 benchmark"]))
            guard funded.code == .ok else { throw LedgerError.unexpectedResult("funding player \(id): \(funded.code)") }
            tokens[id] = try await sessions.start(player: PlayerID(id), provider: providerCode, gameCode: "bench_slot", currency: "EUR")
        }
        let sessionTokens = tokens
        // A round has two calls, so refusal rounds (one call) and replays per call are chosen to
        // make `mix.refusals` and `mix.replays` the shares of all calls.
        let roundShare = 1 - mix.replays - mix.refusals
        let refusalRounds = 2 * (mix.refusals / roundShare) / (1 + 2 * (mix.refusals / roundShare))
        let replayPerCall = mix.replays / roundShare
        // Rounds: a bet, then a win (half of them), a zero win (four in ten) or a rollback (one in ten).
        return try await withThrowingTaskGroup(of: (Int, [[Call]]).self) { group in
            for client in 0..<clients {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(client) &+ 0x5eed)
                    var rounds: [[Call]] = []
                    for round in 0..<roundsPerClient {
                        let player = ids[Int(random.next() % UInt64(ids.count))]
                        let token = sessionTokens[player]!
                        let roundID = "b\(client)-\(round)"
                        let common: [String: Any] = [
                            "user": String(player), "token": token, "round": roundID, "game_code": "bench_slot", "currency": "EUR",
                            "supplier_transaction_id": roundID, "meta": ["bench": true],
                        ]
                        func call(_ endpoint: String, _ extra: [String: Any], refusal: Bool = false) throws -> Call {
                            var payload = common.merging(extra) { $1 }
                            payload["request_uuid"] = "\(roundID)-\(endpoint)"
                            let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
                            return Call(
                                endpoint: endpoint, body: ByteBuffer(data: body),
                                signature: try Hub88Signature.sign(body, with: providerKey), replayOf: nil, refusal: refusal)
                        }
                        if refusalRounds > 0, random.nextUnit() < refusalRounds {
                            rounds.append([
                                try call(
                                    "transaction/bet",
                                    ["transaction_uuid": "\(roundID)-bet", "amount": Self.refusedBet, "round_closed": true],
                                    refusal: true)
                            ])
                            continue
                        }
                        var calls = [
                            try call("transaction/bet", ["transaction_uuid": "\(roundID)-bet", "amount": 100_000, "round_closed": false])
                        ]
                        let roll = random.next() % 10
                        if roll == 0 {
                            calls.append(
                                try call(
                                    "transaction/rollback",
                                    [
                                        "transaction_uuid": "\(roundID)-rb", "reference_transaction_uuid": "\(roundID)-bet",
                                        "round_closed": true,
                                    ]))
                        } else {
                            calls.append(
                                try call(
                                    "transaction/win",
                                    [
                                        "transaction_uuid": "\(roundID)-win", "reference_transaction_uuid": "\(roundID)-bet",
                                        "amount": roll < 6 ? 190_000 : 0, "round_closed": true,
                                    ]))
                        }
                        // A retry comes after the round's calls: a replayed bet answers as it did before the win.
                        if replayPerCall > 0 {
                            for (index, original) in calls.enumerated() where random.nextUnit() < replayPerCall {
                                calls.append(
                                    Call(
                                        endpoint: original.endpoint, body: original.body, signature: original.signature, replayOf: index,
                                        refusal: false))
                            }
                        }
                        rounds.append(calls)
                    }
                    return (client, rounds)
                }
            }
            var all = Array(repeating: [[Call]](), count: clients)
            for try await (client, rounds) in group { all[client] = rounds }
            return all.flatMap { $0 }
        }
    }

    private struct ClientResult: Sendable {
        var calls = 0
        var latencies = Latencies()
        var statuses: [String: Int] = [:]
        var wrongAnswers: [String] = []
        var ranOutAt: ContinuousClock.Instant?
    }

    /// Each client takes the next round not yet taken and sends its calls in order, the next
    /// when the answer is in, until the rounds run out or the warm-up and the duration end.
    public func run(_ rounds: [[Call]]) async throws -> Result {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)))
        defer { _ = client.shutdown() }
        let next = RoundCursor()
        let start = ContinuousClock.now
        let measured = start.advanced(by: warmup)
        let deadline = measured.advanced(by: duration)
        let merged = try await withThrowingTaskGroup(of: ClientResult.self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var result = ClientResult()
                    rounds: while ContinuousClock.now < deadline {
                        let index = next.take()
                        guard index < rounds.count else {
                            result.ranOutAt = .now
                            break
                        }
                        var answers: [ByteBuffer] = []
                        for call in rounds[index] {
                            if ContinuousClock.now >= deadline { break rounds }
                            var request = HTTPClientRequest(url: "\(serverURL)/providers/\(providerCode)/\(call.endpoint)")
                            request.method = .POST
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.headers.add(name: Hub88Signature.header, value: call.signature)
                            request.body = .bytes(call.body)
                            let sent = ContinuousClock.now
                            let response = try await client.execute(request, timeout: .seconds(30))
                            let body = try await response.body.collect(upTo: 1 << 16)
                            let elapsed = sent.duration(to: .now)
                            answers.append(body)
                            let status =
                                (try? JSONDecoder().decode(AnswerStatus.self, from: Data(buffer: body)))?.status
                                ?? "HTTP \(response.status.code)"
                            let kind: String
                            if let original = call.replayOf {
                                kind = "replay"
                                if body != answers[original] {
                                    result.wrongAnswers.append(
                                        "replay of \(call.endpoint) answered \(String(buffer: body)), first \(String(buffer: answers[original]))"
                                    )
                                }
                            } else if call.refusal {
                                kind = "refusal"
                                if status != "RS_ERROR_NOT_ENOUGH_MONEY" { result.wrongAnswers.append("refused bet answered \(status)") }
                            } else {
                                kind = call.endpoint
                                if status != "RS_OK" { result.wrongAnswers.append("\(call.endpoint) answered \(String(buffer: body))") }
                            }
                            guard sent >= measured else { continue }
                            result.calls += 1
                            if kind == call.endpoint {
                                result.latencies.record(elapsed, as: "all", kind)
                            } else {
                                result.latencies.record(elapsed, as: "all", call.endpoint, kind)
                            }
                            result.statuses[status, default: 0] += 1
                        }
                    }
                    return result
                }
            }
            return try await group.reduce(into: ClientResult()) {
                $0.calls += $1.calls
                $0.latencies.merge($1.latencies)
                $0.statuses.merge($1.statuses, uniquingKeysWith: +)
                $0.wrongAnswers += $1.wrongAnswers
                if let ranOut = $1.ranOutAt { $0.ranOutAt = min($0.ranOutAt ?? ranOut, ranOut) }
            }
        }
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        let all = merged.latencies.summary("all")
        return Result(
            calls: merged.calls, seconds: seconds(measured.duration(to: .now)), p50Microseconds: all.p50Microseconds,
            p99Microseconds: all.p99Microseconds, statuses: merged.statuses, latencies: merged.latencies,
            wrongAnswers: merged.wrongAnswers, ranOutAfter: merged.ranOutAt.map { seconds(measured.duration(to: $0)) })
    }
}

/// Hands out round indexes to the clients, each once.
private final class RoundCursor: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}

/// Only `status` out of an answer; a body without one is shown by its HTTP status instead.
struct AnswerStatus: Decodable {
    let status: String
}
