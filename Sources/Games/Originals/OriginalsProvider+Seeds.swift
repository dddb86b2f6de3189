import Foundation

/// Provably fair seeds as the player sees them: rotation (revealing the old server seed) and
/// the rounds played, with everything needed to check each one.
extension OriginalsProvider {
    public struct SeedAnswer: Sendable {
        public let revealed: (serverSeed: String, serverSeedHash: String, clientSeed: String, lastNonce: Int64)?
        public let serverSeedHash: String
        public let clientSeed: String
        public let nonce: Int64
    }

    /// Reveals the current server seed (so past rounds can be checked) and starts a new pair.
    public func rotateSeeds(session id: String, clientSeed: String) async throws -> SeedAnswer? {
        guard let session = try await store.session(id), ProvablyFair.isValidClientSeed(clientSeed) else { return nil }
        let (revealed, current) = try await store.rotate(player: session.player, clientSeed: clientSeed)
        return SeedAnswer(
            revealed: revealed.map { ($0.serverSeed, $0.serverSeedHash, $0.clientSeed, $0.nonce - 1) },
            serverSeedHash: current.serverSeedHash,
            clientSeed: current.clientSeed, nonce: current.nonce)
    }

    public struct PastRound: Sendable {
        public let id: String
        public let game: String
        public let nonce: Int64
        public let clientSeed: String
        public let serverSeedHash: String
        public let serverSeed: String
        public let bet: String
        public let win: String
        public let parameters: String
        public let outcome: String
        public let at: Date
    }

    public func history(session id: String) async throws -> (rounds: [PastRound], current: SessionView)? {
        guard let session = try await store.session(id) else { return nil }
        let seeds = try await store.activeSeeds(of: session.player)
        let rounds = try await store.rounds(of: session.player).map {
            PastRound(
                id: String($0.id), game: $0.game, nonce: $0.nonce, clientSeed: $0.clientSeed, serverSeedHash: $0.serverSeedHash,
                serverSeed: $0.serverSeed,
                bet: Self.display($0.bet), win: Self.display($0.win), parameters: $0.parameters, outcome: $0.outcome, at: $0.at)
        }
        let view = SessionView(
            id: session.id, gameCode: session.gameCode, currency: session.currency, language: session.language, balance: nil,
            serverSeedHash: seeds.serverSeedHash, clientSeed: seeds.clientSeed, nonce: seeds.nonce, freeRoundsLeft: 0, freeRoundStake: nil)
        return (rounds, view)
    }
}
