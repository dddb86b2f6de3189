import Core
import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// The scheduled AML scan (docs/compliance.md): every `interval`, the window rules for every
/// player with a deposit or withdrawal asked for in the last `lookback`, each deposit of it an
/// anchor as at its completion. Alerts are keyed by their evidence, so a scan run again (or by
/// two copies) raises nothing twice. `croupier worker` and serve run it under a lease.
public struct AMLScan: Service {
    public static let leaseName = "compliance.aml_scan"

    let database: Database
    let engine: AMLEngine
    let history: any MoneyMovementHistory
    let logger: Logger
    let interval: Duration
    let lookback: TimeInterval
    let now: @Sendable () -> Date

    public init(
        database: Database, engine: AMLEngine, history: any MoneyMovementHistory, logger: Logger, interval: Duration = .seconds(600),
        lookback: TimeInterval = 24 * 3600, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.engine = engine
        self.history = history
        self.logger = logger
        self.interval = interval
        self.lookback = lookback
        self.now = now
    }

    public func run() async throws {
        try await RepeatingJob("AML scan", every: interval, logger: logger) { [self] in _ = try await runOnce() }.run()
    }

    /// One round; answers the alerts raised. Each player is scanned in a transaction of their own,
    /// so one player's failure does not hold up the others.
    public func runOnce() async throws -> [AMLAlert] {
        let since = now().addingTimeInterval(-lookback)
        let players = try await database.withConnection { connection in try await history.activePlayers(since: since, on: connection) }
        var raised: [AMLAlert] = []
        for player in players {
            do {
                raised += try await database.withTransaction(logger: logger) { connection in
                    try await engine.scan(player, since: since, on: connection)
                }
            } catch {
                logger.error("the AML scan could not check a player", metadata: ["player": "\(player)", "reason": "\(error)"])
            }
        }
        return raised
    }
}
