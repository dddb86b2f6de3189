import ArgumentParser
import CommandSupport
import Core
import Events

/// Each benchmark phase publishes to a stream of its own, emptied first: on a shared stream, a
/// phase's server would load every earlier phase's events into its ClickHouse database (its
/// loader's durable consumer picks up where the last one stopped) and measure that backlog.
struct ResetStream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-stream",
        abstract: "Delete the JetStream stream CROUPIER_NATS_STREAM names, so that a benchmark phase starts from an empty one.",
        discussion: "Refuses the default stream (CROUPIER), which a development server publishes to.")

    func run() async throws {
        let (configuration, _) = try startUp(label: "croupier.bench")
        let name = configuration.natsStream
        guard name != Configuration.defaultNATSStream else {
            throw ValidationError("CROUPIER_NATS_STREAM is the default stream \(name): set a benchmark's own")
        }
        let link = NATSLink(url: configuration.natsURL)
        do {
            try await JetStream(connection: try await link.connection()).deleteStream(name: name)
        } catch NATSError.serverError(let description) where description == "stream not found" {
            // Already empty: what the phase needs.
        } catch {
            await link.close()
            throw error
        }
        await link.close()
    }
}
