import Foundation

/// A protocol peer written in Python (an SMTP relay, an OpenID Connect provider, …) started
/// for one test from `.venv`: it gets `--port 0 --dir <fresh directory>` plus `arguments`,
/// and announces its port by writing `<dir>/ready`. Stopped and cleaned up when released.
public final class ScriptServer: @unchecked Sendable {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: URL
    public let port: Int
    let process: Process

    /// `script` is relative to the repository root, e.g. `Tests/IdentityTests/smtp_server.py`.
    public init(script: String, arguments: [String]) async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestServices.Missing(key: ".venv (run scripts/e2e-venv.sh or make test)")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent(script).path, "--port", "0", "--dir", directory.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let ready = directory.appendingPathComponent("ready")
        var waited = 0
        while !FileManager.default.fileExists(atPath: ready.path), waited < 300, process.isRunning {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        guard let text = try? String(contentsOf: ready, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw Failed(description: "\(script) did not start: no port in \(ready.path)")
        }
        self.port = port
    }

    deinit {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }
}
