import Events
import Foundation
import Persistence

/// The view model of `/admin/health`: a `SystemHealth.Snapshot` as people read it. Ages are
/// `h:mm:ss` (days first when longer), the way the session timer counts.
struct AdminHealthPage: PageModel {
    struct Dependency {
        let name: String
        let state: String
        let stateLabel: String
        let badge: String
        let latencyMilliseconds: Int
        let error: String?
    }

    struct Queue {
        let key: String
        let label: String
        let count: Int?
        let oldestAge: String?
        let failed: Int?
        let unavailable: String?
        let badge: String
    }

    struct Stream {
        let name: String
        let messages: UInt64
        let bytes: UInt64
        let lastSequence: UInt64
        let lastMessageAt: String?
    }

    struct Job {
        let name: String
        let runs: Int
        let lastRunAt: String?
        let lastError: String?
        let lastErrorAt: String?
    }

    struct Copy {
        let role: String
        let host: String
        let pid: Int
        let version: String
        let schemaVersion: Int
        let startedAt: String
        let uptime: String
        let lastBeatAge: String
        let silent: Bool
        let badge: String
        let jobs: [Job]
        let hasJobs: Bool
    }

    let dependencies: [Dependency]
    let queues: [Queue]
    let streamName: String
    let stream: Stream?
    let streamUnavailable: String?
    /// Events the ClickHouse loader has still to load, and those it is loading.
    let loaderWaiting: UInt64?
    let loaderInFlight: Int?
    let loaderUnavailable: String?
    let buildSchemaVersion: Int
    let pendingMigrations: Int?
    let schemaUnavailable: String?
    let copies: [Copy]
    let hasCopies: Bool
    let copiesUnavailable: String?
    /// To the second, so a refresh shows.
    let refreshedAt: String

    /// A copy whose last beat is older than this has stopped or hangs (it beats every 5 s).
    static let silentAfter: TimeInterval = 20

    /// `text` gives the page's words in the viewer's language.
    init(_ snapshot: SystemHealth.Snapshot, streamName: String, now: Date, text: (String) -> String) {
        dependencies = snapshot.dependencies.map {
            Dependency(
                name: $0.name, state: $0.state.rawValue, stateLabel: text("admin.health.states.\($0.state.rawValue)"),
                badge: Self.badge($0.state), latencyMilliseconds: $0.latencyMilliseconds, error: $0.error)
        }
        queues = [
            Self.queue("outbox", text("admin.health.queues.outbox"), snapshot.outbox.map { ($0, nil) }, now: now),
            Self.queue("webhooks", text("admin.health.queues.webhooks"), snapshot.webhooks.map { ($0.waiting, $0.failed) }, now: now),
            Self.queue("mail", text("admin.health.queues.mail"), snapshot.mail.map { ($0.unsent, $0.retrying) }, now: now),
        ]
        self.streamName = streamName
        switch snapshot.stream {
        case .value(let info):
            stream = Stream(
                name: streamName, messages: info.messages, bytes: info.bytes, lastSequence: info.lastSequence,
                lastMessageAt: info.lastMessageAt.map(DisplayTime.text))
            streamUnavailable = nil
        case .unavailable(let reason):
            stream = nil
            streamUnavailable = reason
        }
        switch snapshot.loader {
        case .value(let info):
            (loaderWaiting, loaderInFlight, loaderUnavailable) = (info.pending, info.ackPending, nil)
        case .unavailable(let reason):
            (loaderWaiting, loaderInFlight, loaderUnavailable) = (nil, nil, reason)
        }
        buildSchemaVersion = snapshot.buildSchemaVersion
        switch snapshot.pendingMigrations {
        case .value(let count):
            pendingMigrations = count
            schemaUnavailable = nil
        case .unavailable(let reason):
            pendingMigrations = nil
            schemaUnavailable = reason
        }
        switch snapshot.copies {
        case .value(let copies):
            self.copies = copies.map { Self.copy($0, now: now) }
            copiesUnavailable = nil
        case .unavailable(let reason):
            self.copies = []
            copiesUnavailable = reason
        }
        hasCopies = !copies.isEmpty
        refreshedAt = "\(now.formatted(.iso8601).dropFirst(11).prefix(8)) UTC"
    }

    private static func badge(_ state: ReadinessMonitor.State) -> String {
        switch state {
        case .ok: "success"
        case .slow, .pending: "warning"
        case .down: "danger"
        }
    }

    private static func queue(_ key: String, _ label: String, _ part: SystemHealth.Part<(Backlog, Int?)>, now: Date) -> Queue {
        switch part {
        case .value(let (backlog, failed)):
            let badge = (failed ?? 0) > 0 ? "danger" : backlog.count > 0 ? "info" : "success"
            return Queue(
                key: key, label: label, count: backlog.count, oldestAge: backlog.oldest.map { age(now.timeIntervalSince($0)) },
                failed: failed,
                unavailable: nil, badge: badge)
        case .unavailable(let reason):
            return Queue(key: key, label: label, count: nil, oldestAge: nil, failed: nil, unavailable: reason, badge: "danger")
        }
    }

    private static func copy(_ copy: RunningCopy, now: Date) -> Copy {
        let silent = now.timeIntervalSince(copy.beatAt) > silentAfter
        return Copy(
            role: copy.role.rawValue, host: copy.host, pid: copy.pid, version: copy.version, schemaVersion: copy.schemaVersion,
            startedAt: DisplayTime.text(copy.startedAt), uptime: age(copy.beatAt.timeIntervalSince(copy.startedAt)),
            lastBeatAge: age(now.timeIntervalSince(copy.beatAt)), silent: silent, badge: silent ? "danger" : "success",
            jobs: copy.jobs.map {
                Job(
                    name: $0.name, runs: $0.runs, lastRunAt: $0.lastRunAt.map(DisplayTime.text), lastError: $0.lastError,
                    lastErrorAt: $0.lastErrorAt.map(DisplayTime.text))
            },
            hasJobs: !copy.jobs.isEmpty)
    }

    /// `h:mm:ss`, with whole days in front when there are any; never negative (clocks of two
    /// machines may disagree by a little).
    static func age(_ interval: TimeInterval) -> String {
        let seconds = max(0, Int(interval))
        let clock = String(format: "%d:%02d:%02d", (seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60)
        return seconds >= 86_400 ? "\(seconds / 86_400)d \(clock)" : clock
    }
}

extension SystemHealth.Part {
    func map<Other: Sendable>(_ transform: (Value) -> Other) -> SystemHealth.Part<Other> {
        switch self {
        case .value(let value): .value(transform(value))
        case .unavailable(let reason): .unavailable(reason)
        }
    }
}
