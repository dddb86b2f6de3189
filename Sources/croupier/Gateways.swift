import App
import ArgumentParser
import CommandSupport
import Core
import Foundation
import Identity
import Logging
import Payments

struct Gateways: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Store payment gateways' credentials (sealed in PostgreSQL), switch gateways on and off, and list them.",
        subcommands: [Add.self, List.self, Enable.self, Disable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store (or replace) a gateway's API key and webhook secret; the gateway is switched on.",
            discussion: """
                Both are sealed with a key derived from CROUPIER_SECRET_KEY; only their fingerprints are ever \
                shown again. A value starting with @ is read from that file (@/dev/stdin reads standard input), \
                which keeps it out of the process list and the shell's history. Stored credentials override \
                the CROUPIER_STRIPE_* or CROUPIER_NOWPAYMENTS_* configuration for the same gateway.
                """)

        @Option(help: "The gateway: stripe or nowpayments.") var gateway: String
        @Option(help: "The gateway's API base (default: its public API).") var apiURL: String?
        @Option(help: "The API key (Stripe's sk_…, NOWPayments' x-api-key), or @file.") var apiKey: String
        @Option(help: "The webhook signing secret (Stripe's whsec_…, NOWPayments' IPN secret), or @file.") var webhookSecret: String

        func run() async throws {
            let (configuration, logger) = try startUp(label: "croupier.gateways")
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            let defaultURL = gateway == "stripe" ? StripeSettings.apiURL : NOWPaymentsSettings.apiURL
            do {
                let record = try await dependencies.withDatabase {
                    let record = try await dependencies.gatewayCredentials.set(
                        gateway: gateway, apiURL: apiURL ?? defaultURL, apiKey: try Self.value(apiKey, option: "--api-key"),
                        webhookSecret: try Self.value(webhookSecret, option: "--webhook-secret"))
                    try await Gateways.audit(
                        "payments.gateway_credentials_set", record, dependencies: dependencies,
                        summary: [
                            "apiURL": record.apiURL, "apiKey": record.apiKeyFingerprint, "webhookSecret": record.secretFingerprint,
                            "enabled": "true",
                        ])
                    return record
                }
                print(Gateways.line(record))
            } catch let error as GatewayCredentialsError {
                print("croupier: \(error)")
                throw ExitCode(2)
            } catch {
                throw fail(error, logger: logger)
            }
        }

        /// The value as given, or the first line of the file it names after `@`.
        static func value(_ given: String, option: String) throws -> String {
            guard given.hasPrefix("@") else { return given }
            let path = String(given.dropFirst())
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("\(option): cannot read \(path)")
            }
            return text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored gateways with their state and fingerprints.")

        func run() async throws {
            let (configuration, logger) = try startUp(label: "croupier.gateways")
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            do {
                let records = try await dependencies.withDatabase { try await dependencies.gatewayCredentials.records() }
                for record in records { print(Gateways.line(record)) }
                if records.isEmpty { print("no stored gateways; add one with croupier gateways add") }
            } catch {
                throw fail(error, logger: logger)
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Switch a stored gateway on: it takes new deposits and withdrawals.")
        @Argument(help: "The gateway.") var gateway: String
        func run() async throws { try await Gateways.switchGateway(gateway, on: true) }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch a stored gateway off: no new deposits or withdrawals; webhooks and payouts under way still settle.")
        @Argument(help: "The gateway.") var gateway: String
        func run() async throws { try await Gateways.switchGateway(gateway, on: false) }
    }

    static func switchGateway(_ gateway: String, on: Bool) async throws {
        let (configuration, logger) = try startUp(label: "croupier.gateways")
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        do {
            let record = try await dependencies.withDatabase {
                let record = try await dependencies.gatewayCredentials.setEnabled(gateway, on)
                try await audit(on ? "payments.gateway_enabled" : "payments.gateway_disabled", record, dependencies: dependencies)
                return record
            }
            print(line(record))
        } catch let error as GatewayCredentialsError {
            print("croupier: \(gateway): \(error)")
            throw ExitCode(2)
        } catch {
            throw fail(error, logger: logger)
        }
    }

    /// The CLI's changes in the audit trail as the console's are, by the operator at the shell.
    static func audit(_ action: String, _ record: GatewayRecord, dependencies: AppDependencies, summary: [String: String] = [:])
        async throws
    {
        try await AuditLog(database: dependencies.database, logger: Logger(label: "croupier.audit")).append(
            AuditEntry(actor: "cli", action: action, target: "gateway:\(record.gateway)", summary: summary))
    }

    static func line(_ record: GatewayRecord) -> String {
        "\(record.gateway)\t\(record.enabled ? "enabled" : "disabled")\t\(record.apiURL)\tapi key \(record.apiKeyFingerprint)\twebhook secret \(record.secretFingerprint)"
    }
}
