import Logging
import Persistence
import ServiceLifecycle

/// Sends approved payouts and reconciles those whose outcome is not known, in the background.
/// Every copy of serve and worker runs one; approved rows are claimed with `FOR UPDATE SKIP
/// LOCKED` and each settlement locks its row, so copies share the work without doing it twice.
public struct PayoutProcessor: Service {
    let payouts: Payouts
    let logger: Logger
    let interval: Duration

    public init(payouts: Payouts, logger: Logger, interval: Duration = .seconds(1)) {
        self.payouts = payouts
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await RepeatingJob("payouts", every: interval, logger: logger) { [payouts] in
            _ = try await payouts.sendApproved()
            _ = try await payouts.reconcileDue()
        }.run()
    }
}
