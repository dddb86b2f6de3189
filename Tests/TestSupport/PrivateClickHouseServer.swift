import Foundation
import Reporting

/// A clickhouse-server of one test's own, on free loopback ports with its data in a temporary
/// folder, for what the shared server must not go through: being killed (SIGKILL) mid-load and
/// started again on the same ports and data. Its configuration is the one `scripts/services.sh`
/// writes, cut to what a test needs.
public final class PrivateClickHouseServer: @unchecked Sendable {
    public let httpPort: Int
    let tcpPort: Int
    let folder: URL
    private var process: pid_t?

    public init() throws {
        httpPort = try PrivateNATSServer.freePort()
        tcpPort = try PrivateNATSServer.freePort()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clickhouse-\(UUID().uuidString)")
        for sub in ["data", "tmp", "user_files", "format_schemas", "log"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Self.config(folder: folder.path, http: httpPort, tcp: tcpPort).write(
            to: folder.appendingPathComponent("config.xml"), atomically: true, encoding: .utf8)
        try Self.users.write(to: folder.appendingPathComponent("users.xml"), atomically: true, encoding: .utf8)
    }

    /// The server's HTTP address with `database` as its path.
    public func url(database: String) -> String { "http://127.0.0.1:\(httpPort)/\(database)" }

    public func start() async throws {
        process = try Self.spawn(try Self.binary(), ["--config-file=\(folder.appendingPathComponent("config.xml").path)"])
        let client = ClickHouseClient(endpoint: try ClickHouseEndpoint(url(database: "")))
        for _ in 0..<600 {
            if (try? await client.execute("SELECT 1", database: .some(nil))) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw PrivateNATSServer.ServerDidNotStart(port: httpPort)
    }

    /// As a crash would: nothing flushed, no goodbye to the clients.
    public func kill() {
        guard let process else { return }
        Foundation.kill(process, SIGKILL)
        var status: Int32 = 0
        waitpid(process, &status, 0)
        self.process = nil
    }

    /// Started with `posix_spawn` rather than `Process`: clickhouse-server closes the descriptors
    /// it inherits, and Foundation's `Process` takes that for its exit and blocks its one
    /// monitoring queue in `wait4` until the server really exits, so no other child of the
    /// test (the NATS server) is seen to exit meanwhile.
    static func spawn(_ binary: String, _ arguments: [String]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard result == 0 else { throw PrivateNATSServer.ServerDidNotStart(port: 0) }
        return pid
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: folder)
    }

    static func binary() throws -> String {
        for path in ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server", "/usr/local/bin/clickhouse-server"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        throw PrivateNATSServer.ServerDidNotStart(port: 0)
    }

    static func config(folder: String, http: Int, tcp: Int) -> String {
        """
        <?xml version="1.0"?>
        <yandex>
            <logger><level>warning</level><log>\(folder)/log/server.log</log><errorlog>\(folder)/log/error.log</errorlog></logger>
            <listen_host>127.0.0.1</listen_host>
            <http_port>\(http)</http_port>
            <tcp_port>\(tcp)</tcp_port>
            <max_concurrent_queries>20</max_concurrent_queries>
            <mark_cache_size>67108864</mark_cache_size>
            <path>\(folder)/data/</path>
            <tmp_path>\(folder)/tmp/</tmp_path>
            <user_files_path>\(folder)/user_files/</user_files_path>
            <format_schema_path>\(folder)/format_schemas/</format_schema_path>
            <users_config>\(folder)/users.xml</users_config>
            <default_profile>default</default_profile>
            <default_database>default</default_database>
            <timezone>UTC</timezone>
            <mlock_executable>false</mlock_executable>
        </yandex>
        """
    }

    static let users = """
        <?xml version="1.0"?>
        <yandex>
            <profiles><default><max_memory_usage>1000000000</max_memory_usage></default></profiles>
            <users>
                <default>
                    <password></password>
                    <networks><ip>127.0.0.1</ip></networks>
                    <profile>default</profile>
                    <quota>default</quota>
                </default>
            </users>
            <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
        </yandex>
        """
}
