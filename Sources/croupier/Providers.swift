import App
import ArgumentParser
import CommandSupport
import Core
import Foundation
import Games

struct Providers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register game providers, fetch their game lists, and list them.",
        subcommands: [Add.self, Sync.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a provider: its API, its public key (verifies its calls to us) and our private key (signs ours to it).",
            discussion: """
                Keys are PEM files (or PEM text). Both are stored sealed with a key derived from \
                CROUPIER_SECRET_KEY; only their fingerprints are ever shown again.
                """)

        @Option(help: "Provider code: 2–40 of a-z, 0-9, _ and -. It becomes /providers/<code>/.") var code: String
        @Option(help: "Display name (default: the code).") var name: String?
        @Option(help: "Protocol dialect; supported: hub88.") var dialect: String = "hub88"
        @Option(help: "Base URL of the provider's API.") var apiURL: String
        @Option(help: "Our operator id at the provider.") var operatorID: Int64
        @Option(help: "The provider's RSA public key (PEM file or text).") var providerKey: String
        @Option(help: "Our RSA private key for this provider (PEM file or text).") var operatorKey: String
        @Option(help: "Currencies offered with this provider, comma-separated (default: all the ledger knows).") var currencies: String?

        func run() async throws {
            let (configuration, logger) = try startUp(label: "croupier.providers")
            let providerPEM = try Self.pem(providerKey, option: "--provider-key")
            let operatorPEM = try Self.pem(operatorKey, option: "--operator-key")
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            do {
                let provider = try await dependencies.withDatabase {
                    try await dependencies.providers.add(
                        code: code, name: name ?? code, dialect: dialect, apiURL: apiURL, operatorID: operatorID,
                        providerKeyPEM: providerPEM,
                        operatorKeyPEM: operatorPEM,
                        currencies: (currencies ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
                            .filter { !$0.isEmpty })
                }
                print("provider \(provider.code) (\(provider.dialect)) at \(provider.apiURL)")
                print("  provider key \(provider.providerKeyFingerprint)")
                print("  operator key \(provider.operatorKeyFingerprint)")
                print("  wallet endpoints: \(configuration.publicURL)/providers/\(provider.code)/")
            } catch let error as ProviderDirectoryError {
                print("croupier: \(error)")
                throw ExitCode(2)
            } catch let error as ProviderKeyError {
                print("croupier: \(error)")
                throw ExitCode(2)
            } catch {
                throw fail(error, logger: logger)
            }
        }

        /// PEM text as given, or the contents of the file it names.
        static func pem(_ value: String, option: String) throws -> String {
            if value.contains("-----BEGIN") { return value }
            guard let text = try? String(contentsOfFile: value, encoding: .utf8) else {
                throw ValidationError("\(option): cannot read \(value)")
            }
            return text
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Fetch a provider's game list and add or refresh its games.")

        @Argument(help: "The provider's code.") var code: String

        func run() async throws {
            let (configuration, logger) = try startUp(label: "croupier.providers")
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            do {
                let count = try await dependencies.withDatabase {
                    guard let provider = try await dependencies.providers.provider(code) else { throw ProviderDirectoryError.notFound }
                    let api = Hub88OperatorAPI(provider: provider, keys: try await dependencies.providers.keys(of: code))
                    return try await dependencies.providers.upsert(try await api.gameList())
                }
                print("\(code): \(count) games")
            } catch let error as ProviderDirectoryError {
                print("croupier: \(error)")
                throw ExitCode(2)
            } catch let error as Hub88OperatorAPIError {
                print("croupier: \(error)")
                throw ExitCode(3)
            } catch {
                throw fail(error, logger: logger)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List providers with their games count and key fingerprints.")

        func run() async throws {
            let (configuration, logger) = try startUp(label: "croupier.providers")
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            do {
                let (providers, games) = try await dependencies.withDatabase {
                    (try await dependencies.providers.list(), try await dependencies.providers.games())
                }
                for provider in providers {
                    let own = games.filter { $0.provider == provider.code }
                    print(
                        "\(provider.code)\t\(provider.enabled ? "enabled" : "disabled")\t\(provider.dialect)\t\(own.filter(\.enabled).count)/\(own.count) games\t\(provider.apiURL)\tprovider key \(provider.providerKeyFingerprint)\toperator key \(provider.operatorKeyFingerprint)"
                    )
                }
                if providers.isEmpty { print("no providers; add one with croupier providers add") }
            } catch {
                throw fail(error, logger: logger)
            }
        }
    }
}
