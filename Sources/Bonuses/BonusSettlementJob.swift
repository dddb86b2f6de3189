import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Converts bonuses whose wagering is met, expires those whose time ran out, and settles bonus
/// money won after a bonus ended (`Grants.settleDue`), every `interval`. Each settlement is
/// exact and keyed by what it decided on, so two copies only double work; the process composing
/// it runs it under the lease `leaseName`.
public struct BonusSettlementJob: Service {
    public static let leaseName = "bonuses-settlement"

    let grants: Grants
    let interval: Duration
    let logger: Logger

    public init(grants: Grants, interval: Duration = .seconds(30), logger: Logger) {
        self.grants = grants
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await RepeatingJob("bonus settlement", every: interval, logger: logger) { [grants] in _ = try await grants.settleDue() }.run()
    }
}
