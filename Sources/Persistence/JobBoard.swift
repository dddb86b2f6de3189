import Foundation

/// What this process's background jobs last did: each round's end, and the last error with its
/// time. `RepeatingJob` and the other loops report every round here; `ProcessHeartbeat` writes
/// the board into the copy's heartbeat row, which is how /admin/health shows every copy's jobs.
/// One board per process, like the process's metrics: a job reports wherever it was built.
public actor JobBoard {
    public static let process = JobBoard()

    public struct Status: Sendable, Codable, Equatable {
        public let name: String
        public var runs: Int
        public var lastRunAt: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
    }

    private var statuses: [String: Status] = [:]

    public init() {}

    /// Records the end of one round of `name`; `error` is the reason it failed, if it did. The
    /// error stays on the board after later good rounds, with its time, so a flapping job shows.
    public func finished(_ name: String, error: String? = nil, at time: Date = Date()) {
        var status = statuses[name] ?? Status(name: name, runs: 0)
        status.runs += 1
        status.lastRunAt = time
        if let error {
            status.lastError = String(error.prefix(500))
            status.lastErrorAt = time
        }
        statuses[name] = status
    }

    public func snapshot() -> [Status] { statuses.values.sorted { $0.name < $1.name } }
}
