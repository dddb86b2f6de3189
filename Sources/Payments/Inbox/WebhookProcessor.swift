import Logging
import Persistence
import ServiceLifecycle

/// Works through the webhook inbox in the background. Every copy of serve and worker runs one;
/// events are claimed with `FOR UPDATE SKIP LOCKED`, so copies share the work.
public struct WebhookProcessor: Service {
    let inbox: WebhookInbox
    let logger: Logger
    let interval: Duration

    public init(inbox: WebhookInbox, logger: Logger, interval: Duration = .seconds(1)) {
        self.inbox = inbox
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await RepeatingJob("webhook processing", every: interval, logger: logger) { [inbox] in
            _ = try await inbox.processDue()
        }.run()
    }
}
