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
        // Python with `cryptography` can take many seconds to start on a busy machine; the
        // bound only catches a helper that hangs. The file may exist before its port is written.
        // It is read once more after the bound: this task may itself have waited that long for
        // a thread, and a peer that was ready by then is not a failure.
        let ready = directory.appendingPathComponent("ready")
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        var port: Int?
        while true {
            port = (try? String(contentsOf: ready, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port != nil || !process.isRunning || clock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let port else {
            let outcome = process.isRunning ? "did not start within 120 s" : "exited with status \(process.terminationStatus)"
            process.terminate()
            throw Failed(description: "\(script) \(outcome): no port in \(ready.path)")
        }
        self.port = port
    }

    deinit {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }
}
