import Foundation
import NIOCore
import NIOPosix

/// A nats-server of one test's own, on a free loopback port with its JetStream store in a
/// temporary folder, for what the shared server must not go through: other credentials, and
/// being killed (SIGKILL) and started again on the same port and store.
public final class PrivateNATSServer: @unchecked Sendable {
    public let port: Int
    let arguments: [String]
    let store: URL
    private var process: Process?

    /// `options` are nats-server's own flags (`--user u --pass p`, `--auth token`).
    public init(options: [String] = []) throws {
        port = try Self.freePort()
        store = FileManager.default.temporaryDirectory.appendingPathComponent("nats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        arguments = ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store.path] + options
    }

    public var url: String { "nats://127.0.0.1:\(port)" }

    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        for _ in 0..<200 {
            if Self.accepts(port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServerDidNotStart(port: port)
    }

    /// As a crash would: no goodbye to the clients, nothing flushed by the server.
    public func kill() {
        guard let process else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: store)
    }

    struct ServerDidNotStart: Error {
        let port: Int
    }

    static func binary() throws -> String {
        for path in ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw ServerDidNotStart(port: 0)
    }

    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress?.port ?? 0
    }

    static func accepts(_ port: Int) -> Bool {
        (try? ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).wait())
            .map { channel in
                try? channel.close().wait()
                return true
            } ?? false
    }
}
