import Core
import Logging
import Persistence
import PostgresNIO
import Synchronization

/// Group commit (docs/ledger.md, "Group commit"): concurrent hooked operations are collected per
/// shard of players and applied by one call of `ledger_apply_batch_committed`, one transaction
/// that commits before it answers, each answered as if it had been applied alone: players in id
/// order (the lock order of every path), each player's operations in arrival order; a player's
/// operations after the first join it only without checks and in the first's currency
/// (`nextBatch(of:maximum:)`).
///
/// The first operation to reach an idle shard starts a flusher, which waits up to the window for
/// others, then applies what queued (at most `maximum`), then whatever queued while that batch
/// ran, until nothing it may take is left; so a busy shard fills each batch while the previous one
/// runs. A shard runs up to `inFlight` flushers, each with one batch in flight: a call that finds
/// fewer running, and its player in none of their batches, starts another. No batch takes a call
/// of a player whose batch is in flight, so batches side by side never meet on a row, each
/// player's calls still run in arrival order, and one batch computes while another waits for its
/// commit to be flushed. Players are spread over shards by id, so two batches of one process
/// never share a player's rows.
///
/// An answer leaves only after its batch committed. A batch the server refused (any SQL error,
/// before or at the commit) was rolled back, so its operations are applied again one by one
/// through the single-operation path: one bad operation never fails its neighbours. A batch whose
/// outcome is unknown (the connection lost after it was sent) answers every operation of the
/// batch with the error; the provider retries, and the ledger answers a retry of what did commit
/// as a replay.
public final class LedgerBatcher: Sendable {
    /// The single-operation path, which fallbacks use.
    let ledger: Ledger
    let window: Duration
    let maximum: Int
    let inFlight: Int
    private let shards: [Shard]

    init(ledger: Ledger, settings: LedgerBatchSettings) {
        self.ledger = ledger
        self.window = .microseconds(settings.windowMicroseconds)
        self.maximum = max(1, settings.maximum)
        self.inFlight = max(1, settings.inFlight)
        self.shards = (0..<max(1, settings.shards)).map { _ in Shard() }
    }

    private final class Shard: Sendable {
        struct State {
            var queue: [Waiting] = []
            var flushers = 0
            /// The players of the batches in flight.
            var busy: Set<Int64> = []
        }
        let state = Mutex(State())
    }

    private struct Waiting: Sendable {
        let call: HookedCall
        let continuation: CheckedContinuation<Ledger.HookedOutcome, any Error>
    }

    func submit(_ call: HookedCall) async throws -> Ledger.HookedOutcome {
        let shard = shards[Int(UInt64(bitPattern: call.statement.ledger.player) % UInt64(shards.count))]
        return try await withCheckedThrowingContinuation { continuation in
            let startsFlusher = shard.state.withLock { state in
                state.queue.append(Waiting(call: call, continuation: continuation))
                // A running flusher takes this call after its player's batch.
                guard state.flushers < inFlight, !state.busy.contains(call.statement.ledger.player) else { return false }
                state.flushers += 1
                return true
            }
            // Detached: the flusher serves every caller that queues while it runs, so it must not
            // carry the first one's task locals (its trace context, above all) into their batches.
            if startsFlusher { Task.detached { await self.flush(shard) } }
        }
    }

    private func flush(_ shard: Shard) async {
        if shard.state.withLock({ $0.queue.count }) < maximum { try? await Task.sleep(for: window) }
        while true {
            let batch = shard.state.withLock { state in
                let taken = Set(Self.nextBatch(of: state.queue.lazy.map(\.call.statement), maximum: maximum, excluding: state.busy))
                let batch = state.queue.indices.filter(taken.contains).map { state.queue[$0] }
                state.queue = state.queue.indices.filter { !taken.contains($0) }.map { state.queue[$0] }
                state.busy.formUnion(batch.map(\.call.statement.ledger.player))
                // What is left waits for players whose flusher takes it after their batch.
                if batch.isEmpty { state.flushers -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            let answers = await apply(batch.map(\.call)).answers
            // Freed before the answers go, so that a caller's next call can join the next batch.
            shard.state.withLock { $0.busy.subtract(batch.map(\.call.statement.ledger.player)) }
            for (waiting, answer) in zip(batch, answers) { waiting.continuation.resume(with: answer) }
        }
    }

    /// Which of the waiting calls (in arrival order) make the next batch: at most `maximum`, and
    /// of each player only calls that lock nothing the player's first call did not lock first.
    /// A player's first call runs its checks, which may take a context's lock (Compliance's
    /// `compliance.player:<id>`), then locks the player's row in its currency; a later call with
    /// checks, or in another currency, would take a lock after that row, against the order of
    /// every other path (docs/ledger.md, "Lock order"). Such a call waits for a later batch, and
    /// so does every call of that player after it, so that each player's calls keep their
    /// arrival order. Calls of the players in `busy` (whose batch is in flight) all wait. The
    /// sorted set of indices taken.
    static func nextBatch(of waiting: some Sequence<HookedApplyStatement>, maximum: Int, excluding busy: Set<Int64> = [])
        -> [Int]
    {
        var currencies: [Int64: String] = [:]
        var deferred = busy
        var taken: [Int] = []
        for (index, call) in waiting.enumerated() {
            if taken.count == maximum { break }
            let player = call.ledger.player
            if deferred.contains(player) { continue }
            if let currency = currencies[player], !call.checks.isEmpty || currency != call.ledger.currency {
                deferred.insert(player)
                continue
            }
            currencies[player] = call.ledger.currency
            taken.append(index)
        }
        return taken
    }

    /// Calls waiting in every shard's queue (tests wait on it to order their calls).
    var queued: Int { shards.reduce(0) { count, shard in count + shard.state.withLock { $0.queue.count } } }

    /// How a batch ended (the `end` label of `croupier_ledger_batches_total`).
    enum End: String, Sendable {
        /// Applied as one transaction and committed.
        case committed
        /// The outcome is unknown; every operation was answered with the error.
        case unknown
        /// Refused by the server and rolled back, then applied again one by one.
        case alone
    }

    /// Applies `calls` as one batch and answers each, as the flusher does; tests call it to make a
    /// batch of exactly these operations and to learn how it ended.
    func apply(_ calls: [HookedCall]) async -> (answers: [Result<Ledger.HookedOutcome, any Error>], end: End) {
        guard !calls.isEmpty else { return ([], .committed) }
        LedgerMetrics.recordBatch(size: calls.count)
        let statement = BatchApplyStatement(calls: calls.map(\.statement))
        let logger = ledger.logger
        // A failure before the statement reaches a connection (one found closed when leased)
        // cannot have applied anything.
        let sent = SentMark()
        do {
            // One statement, outside any transaction: the procedure commits before it answers.
            let outcomes = try await ledger.database.withConnectionFailingOnClose { connection in
                sent.markSent()
                return try await Self.execute(statement, count: calls.count, on: connection, logger)
            }
            LedgerMetrics.recordBatch(end: .committed)
            for (call, outcome) in zip(calls, outcomes) { Ledger.record(call.operation, outcome) }
            return (outcomes.map { .success($0) }, .committed)
        } catch  where Self.isUnknownOutcome(error, afterSending: sent.isSent) {
            LedgerMetrics.recordBatch(end: .unknown)
            logger.error("ledger batch: outcome unknown", metadata: ["size": "\(calls.count)", "reason": "\(postgresReason(error))"])
            return (calls.map { _ in .failure(error) }, .unknown)
        } catch {
            LedgerMetrics.recordBatch(end: .alone)
            logger.warning(
                "ledger batch refused, applying its operations one by one",
                metadata: ["size": "\(calls.count)", "reason": "\(postgresReason(error))"])
            var answers: [Result<Ledger.HookedOutcome, any Error>] = []
            for call in calls {
                do { answers.append(.success(try await ledger.applyAlone(call))) } catch { answers.append(.failure(error)) }
            }
            return (answers, .alone)
        }
    }

    private static func execute(_ statement: BatchApplyStatement, count: Int, on connection: PostgresConnection, _ logger: Logger)
        async throws -> [Ledger.HookedOutcome]
    {
        for try await row in try await connection.execute(statement, logger: logger) {
            return try BatchApplyStatement.outcomes(of: row, count: count)
        }
        throw LedgerError.unexpectedResult("the batch procedure answered no row")
    }

    /// A batch sent to the server whose failure is not the server's word that it rolled back
    /// leaves the outcome unknown: no answer at all (the connection closed), an error of the
    /// connection (08), of the server going away (57: a shutdown may end the call after its
    /// commit) or an internal one (XX). Any other error the server answered rolled the batch back
    /// (the procedure commits last), and so did every failure before the statement was sent: their
    /// operations can run again one by one.
    static func isUnknownOutcome(_ error: any Error, afterSending: Bool) -> Bool {
        guard afterSending else { return false }
        guard let state = (error as? PSQLError)?.sqlState else { return true }
        return ["08", "57", "XX"].contains(String(state.prefix(2)))
    }
}
