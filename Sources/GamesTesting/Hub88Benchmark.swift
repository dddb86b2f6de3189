import AsyncHTTPClient
import Core
import CryptoExtras
import Foundation
import Games
import IdentityTesting
import Ledger
import Logging
import NIOCore
import Persistence

/// The Hub88 dialect under load over HTTP (bench/hub88): bet/win/rollback rounds from many
/// clients against a running server, signed like a real provider's. Signing is the provider's
/// cost, not ours, so every request is built and signed before the clock starts; the clock
/// then measures only what the server does.
public struct Hub88Benchmark: Sendable {
    public struct Result: Sendable {
        public let calls: Int
        public let seconds: Double
        public let p50Microseconds: Int
        public let p99Microseconds: Int
        public let statuses: [String: Int]
        public var callsPerSecond: Double { Double(calls) / seconds }
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
    let firstPlayer: Int64
    let providerCode: String

    public init(
        providers: ProviderDirectory, sessions: GameSessions, ledger: Ledger, database: Database, serverURL: String, players: Int,
        clients: Int,
        roundsPerClient: Int, duration: Duration, firstPlayer: Int64 = 6_000_000, providerCode: String = "bench"
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
        self.firstPlayer = firstPlayer
        self.providerCode = providerCode
    }

    public struct Call: Sendable {
        let endpoint: String
        let body: ByteBuffer
        let signature: String
    }

    /// Registers the provider with a fresh key pair, creates and funds the players, opens one
    /// session each, and returns every client's signed calls in order.
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
        // Rounds: a bet, then a win (half of them), a zero win (four in ten) or a rollback (one in ten).
        return try await withThrowingTaskGroup(of: (Int, [Call]).self) { group in
            for client in 0..<clients {
                group.addTask {
                    var random = SplitMix64(seed: UInt64(client) &+ 0x5eed)
                    var calls: [Call] = []
                    for round in 0..<roundsPerClient {
                        let player = ids[Int(random.next() % UInt64(ids.count))]
                        let token = sessionTokens[player]!
                        let roundID = "b\(client)-\(round)"
                        let common: [String: Any] = [
                            "user": String(player), "token": token, "round": roundID, "game_code": "bench_slot", "currency": "EUR",
                            "supplier_transaction_id": roundID, "meta": ["bench": true],
                        ]
                        func call(_ endpoint: String, _ extra: [String: Any]) throws -> Call {
                            var payload = common.merging(extra) { $1 }
                            payload["request_uuid"] = "\(roundID)-\(endpoint)"
                            let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
                            return Call(
                                endpoint: endpoint, body: ByteBuffer(data: body),
                                signature: try Hub88Signature.sign(body, with: providerKey))
                        }
                        calls.append(
                            try call("transaction/bet", ["transaction_uuid": "\(roundID)-bet", "amount": 100_000, "round_closed": false]))
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
                    }
                    return (client, calls)
                }
            }
            var all = Array(repeating: [Call](), count: clients)
            for try await (client, calls) in group { all[client] = calls }
            return all
        }
    }

    /// Sends each client's calls in order, as fast as answers come, until they run out or the
    /// duration ends.
    public func run(_ work: [[Call]]) async throws -> Result {
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)))
        defer { _ = client.shutdown() }
        let start = ContinuousClock.now
        let deadline = start.advanced(by: duration)
        let perClient = try await withThrowingTaskGroup(of: ([Int], [String: Int]).self) { group in
            for calls in work {
                group.addTask {
                    var latencies: [Int] = []
                    var statuses: [String: Int] = [:]
                    latencies.reserveCapacity(calls.count)
                    for call in calls {
                        if ContinuousClock.now >= deadline { break }
                        var request = HTTPClientRequest(url: "\(serverURL)/providers/\(providerCode)/\(call.endpoint)")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: Hub88Signature.header, value: call.signature)
                        request.body = .bytes(call.body)
                        let sent = ContinuousClock.now
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 16)
                        let elapsed = sent.duration(to: .now)
                        latencies.append(
                            Int(elapsed.components.seconds) * 1_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000_000))
                        let status =
                            (try? JSONDecoder().decode([String: AnyCodableStatus].self, from: Data(buffer: body)))?["status"]?.text
                            ?? "HTTP \(response.status.code)"
                        statuses[status, default: 0] += 1
                    }
                    return (latencies, statuses)
                }
            }
            var all: [([Int], [String: Int])] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let latencies = perClient.flatMap(\.0).sorted()
        var statuses: [String: Int] = [:]
        for (_, counts) in perClient { statuses.merge(counts, uniquingKeysWith: +) }
        func percentile(_ p: Double) -> Int {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        return Result(
            calls: latencies.count, seconds: seconds, p50Microseconds: percentile(0.5), p99Microseconds: percentile(0.99),
            statuses: statuses)
    }
}

/// Reads only `status` out of an answer whose other fields vary in type.
struct AnyCodableStatus: Decodable {
    let text: String?
    init(from decoder: any Decoder) throws {
        text = try? decoder.singleValueContainer().decode(String.self)
    }
}
