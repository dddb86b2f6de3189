import Foundation

/// Where the process runs. Production refuses to start without its secrets; development
/// generates them; test behaves like production but allows test-only helpers.
public enum Environment: String, Sendable, CaseIterable {
    case development, test, production
}

/// One typed configuration model, read from `CROUPIER_*` environment variables and an optional
/// `KEY=value` file named by `CROUPIER_CONFIG_FILE`. The environment wins over the file.
/// Every key is documented in docs/configuration.md; keep the two in step.
public struct Configuration: Sendable {
    public var environment: Environment
    public var httpHost: String
    public var httpPort: Int
    public var publicURL: String
    public var databaseURL: String
    public var databasePoolSize: Int
    public var natsURL: String
    /// The JetStream stream the outbox is published to (docs/events.md).
    public var natsStream: String
    /// The stream unless `CROUPIER_NATS_STREAM` names another.
    public static let defaultNATSStream = "CROUPIER"
    /// How many JetStream servers keep each of the stream's messages (1–5).
    public var natsStreamReplicas: Int
    /// Days an event stays in the JetStream stream (`CROUPIER_NATS_STREAM_MAX_AGE_DAYS`).
    public var natsStreamMaxAgeDays: Int

    /// A JetStream stream name that is also a subject token (JetStream forbids `.`, `*`, `>`
    /// and spaces in names): 1–32 of A-Z a-z 0-9 _ -.
    public static func isValidStreamName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
    public var clickHouseURL: String
    public var secretKey: SecretKey
    public var migrateOnStart: Bool
    public var maxBodyBytes: Int
    public var logLevel: String
    public var dataDirectory: String
    public var publicDirectory: String
    public var telegram: TelegramSettings
    /// Empty: mail is queued but not sent (development shows it at /dev/mail).
    public var smtpURL: String
    public var mailFrom: String
    public var smtpCAFile: String?
    /// How long the wallet endpoints trust their cached view of a provider (keys, playable games).
    public var providerCacheSeconds: Int
    /// Group commit of providers' wallet calls (docs/ledger.md, "Group commit").
    public var ledgerBatch: LedgerBatchSettings
    /// Peers whose `X-Forwarded-For` names the client; none by default, so the peer is the client.
    public var trustedProxies: TrustedProxies
    /// The bcrypt cost of staff passwords (and of the decoy an unknown e-mail is checked against).
    public var staffBcryptCost: Int
    /// Stripe deposits, when configured.
    public var stripe: StripeSettings?
    /// NOWPayments crypto deposits, when configured.
    public var nowPayments: NOWPaymentsSettings?
    /// NOWPayments payouts, when their login is configured; they apply to the NOWPayments gateway
    /// wherever its own credentials come from (here or stored).
    public var nowPaymentsPayouts: NOWPaymentsPayoutSettings?
    public var withdrawals: WithdrawalSettings
    /// Per currency, the amount (credit or debit) from which only an owner may approve a staff
    /// member's manual adjustment (`CROUPIER_ADJUSTMENT_OWNER_FROM`); a currency not listed
    /// always needs one.
    public var adjustmentOwnerFrom: [String: String]
    /// The currency KYC limits, AML thresholds and FX rates are expressed in
    /// (`CROUPIER_PIVOT_CURRENCY`, docs/compliance.md "FX"); it must be one of the ledger's.
    public var pivotCurrency: String
    /// What this build calls itself on /admin/health (`CROUPIER_VERSION`: the image sets its
    /// revision; `make run` the checkout's).
    public var buildVersion: String
    /// The OpenTelemetry collector that receives traces over OTLP/HTTP (`CROUPIER_OTEL_ENDPOINT`,
    /// its base URL such as `http://127.0.0.1:4318`); nil: no tracer at all.
    public var otelEndpoint: String?

    public static let defaultAdjustmentOwnerFrom = "EUR:1000,USD:1000,RUB:100000,USDT:1000"

    /// A currency code as the ledger spells them: an upper-case letter, then 2 to 9 upper-case
    /// letters or digits.
    public static func isCurrencyCode(_ code: String) -> Bool {
        code.wholeMatch(of: /[A-Z][A-Z0-9]{2,9}/) != nil
    }

    public init(
        environment: Environment = .development,
        httpHost: String = "127.0.0.1",
        httpPort: Int = 8080,
        publicURL: String = "http://127.0.0.1:8080",
        databaseURL: String = "postgres://postgres@127.0.0.1:55432/croupier",
        databasePoolSize: Int = 20,
        natsURL: String = "nats://127.0.0.1:54222",
        natsStream: String = Configuration.defaultNATSStream,
        natsStreamReplicas: Int = 1,
        natsStreamMaxAgeDays: Int = 30,
        clickHouseURL: String = "http://default@127.0.0.1:58123/croupier",
        secretKey: SecretKey,
        migrateOnStart: Bool = false,
        maxBodyBytes: Int = 1 << 20,
        logLevel: String = "info",
        dataDirectory: String = ".local",
        publicDirectory: String = "public",
        telegram: TelegramSettings = TelegramSettings(),
        smtpURL: String = "",
        mailFrom: String = "no-reply@croupier.local",
        smtpCAFile: String? = nil,
        providerCacheSeconds: Int = 5,
        ledgerBatch: LedgerBatchSettings = LedgerBatchSettings(),
        trustedProxies: TrustedProxies = .none,
        staffBcryptCost: Int = 12,
        stripe: StripeSettings? = nil,
        nowPayments: NOWPaymentsSettings? = nil,
        nowPaymentsPayouts: NOWPaymentsPayoutSettings? = nil,
        withdrawals: WithdrawalSettings = WithdrawalSettings(),
        adjustmentOwnerFrom: [String: String] = WithdrawalSettings.parse(Configuration.defaultAdjustmentOwnerFrom) ?? [:],
        pivotCurrency: String = "EUR",
        buildVersion: String = "development",
        otelEndpoint: String? = nil
    ) {
        self.environment = environment
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.publicURL = publicURL
        self.databaseURL = databaseURL
        self.databasePoolSize = databasePoolSize
        self.natsURL = natsURL
        self.natsStream = natsStream
        self.natsStreamReplicas = natsStreamReplicas
        self.natsStreamMaxAgeDays = natsStreamMaxAgeDays
        self.clickHouseURL = clickHouseURL
        self.secretKey = secretKey
        self.migrateOnStart = migrateOnStart
        self.maxBodyBytes = maxBodyBytes
        self.logLevel = logLevel
        self.dataDirectory = dataDirectory
        self.publicDirectory = publicDirectory
        self.telegram = telegram
        self.smtpURL = smtpURL
        self.mailFrom = mailFrom
        self.smtpCAFile = smtpCAFile
        self.providerCacheSeconds = providerCacheSeconds
        self.ledgerBatch = ledgerBatch
        self.trustedProxies = trustedProxies
        self.staffBcryptCost = staffBcryptCost
        self.stripe = stripe
        self.nowPayments = nowPayments
        self.nowPaymentsPayouts = nowPaymentsPayouts
        self.withdrawals = withdrawals
        self.adjustmentOwnerFrom = adjustmentOwnerFrom
        self.pivotCurrency = pivotCurrency
        self.buildVersion = buildVersion
        self.otelEndpoint = otelEndpoint
    }
}

/// The Telegram bot players sign in through (docs/configuration.md).
public struct TelegramSettings: Sendable {
    /// Empty: Telegram sign-in is off and the sign-in page says so.
    public var botToken: String
    public var botUsername: String
    public var authMaxAge: Duration
    /// Hex Ed25519 key that signs Mini App data for third parties; Telegram's production key by default.
    public var publicKey: String
    /// Empty: the OpenID Connect button is not offered.
    public var oidcClientID: String
    public var oidcClientSecret: String
    public var oidcIssuer: String

    public static let telegramIssuer = "https://oauth.telegram.org"

    public init(
        botToken: String = "", botUsername: String = "", authMaxAge: Duration = .seconds(600),
        publicKey: String = "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d",
        oidcClientID: String = "", oidcClientSecret: String = "", oidcIssuer: String = Self.telegramIssuer
    ) {
        self.botToken = botToken
        self.botUsername = botUsername
        self.authMaxAge = authMaxAge
        self.publicKey = publicKey
        self.oidcClientID = oidcClientID
        self.oidcClientSecret = oidcClientSecret
        self.oidcIssuer = oidcIssuer
    }

    public var oidcConfigured: Bool { !oidcClientID.isEmpty && !oidcClientSecret.isEmpty }
}

public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case missingSecret(key: String)
    case invalidValue(key: String, value: String, expected: String)
    case unreadableFile(path: String)
    case malformedFileLine(path: String, line: Int)
    case implicitDevelopmentOffLoopback(host: String)

    public var description: String {
        switch self {
        case .missingSecret(let key):
            "\(key) is required in production mode and has no default; set it to 64 hex characters (openssl rand -hex 32)"
        case .invalidValue(let key, let value, let expected):
            "\(key)=\(value.debugDescription) is not valid: expected \(expected)"
        case .unreadableFile(let path):
            "CROUPIER_CONFIG_FILE names \(path), which cannot be read"
        case .malformedFileLine(let path, let line):
            "\(path):\(line) is not a KEY=value line"
        case .implicitDevelopmentOffLoopback(let host):
            "CROUPIER_ENV is not set, so this is development mode (generated secrets, one-click demo sign-in at /dev/signin), "
                + "which listens only on a loopback address, not on CROUPIER_HTTP_HOST=\(host.debugDescription): "
                + "set CROUPIER_ENV=production (with CROUPIER_SECRET_KEY) to serve others, or CROUPIER_ENV=development to mean it"
        }
    }
}

/// What start-up did that the operator should know about (a generated secret, say).
public struct ConfigurationNotice: Sendable, Equatable {
    public let message: String
}

extension Configuration {
    public static let secretKeyName = "CROUPIER_SECRET_KEY"

    /// Reads the configuration. `environment` is the process environment (injected for tests).
    /// In development a missing secret is generated once into `<data dir>/secret_key` and reused.
    public static func load(
        environment processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (Configuration, [ConfigurationNotice]) {
        var values: [String: String] = [:]
        if let file = processEnvironment["CROUPIER_CONFIG_FILE"], !file.isEmpty {
            values = try parseFile(at: file)
        }
        for (key, value) in processEnvironment where key.hasPrefix("CROUPIER_") {
            values[key] = value
        }
        let reader = Reader(values: values)
        let batchDefaults = LedgerBatchSettings()
        var notices: [ConfigurationNotice] = []

        let environment = try reader.enumValue("CROUPIER_ENV", default: Environment.development)
        let dataDirectory = reader.string("CROUPIER_DATA_DIR", default: ".local")
        let port = try reader.int("CROUPIER_HTTP_PORT", default: 8080, range: 0...65535)
        let host = reader.string("CROUPIER_HTTP_HOST", default: "127.0.0.1")
        // Development mode is never a silent default off this machine: an unset CROUPIER_ENV
        // with a host others can reach is refused before anything is generated, and on
        // loopback it is said out loud.
        let implicitDevelopment = (values["CROUPIER_ENV"] ?? "").isEmpty
        if implicitDevelopment, !Self.isLoopback(host) { throw ConfigurationError.implicitDevelopmentOffLoopback(host: host) }

        let secretKey: SecretKey
        if let text = values[secretKeyName], !text.isEmpty {
            guard let key = SecretKey(hex: text) else {
                throw ConfigurationError.invalidValue(key: secretKeyName, value: "(hidden)", expected: "64 hex characters")
            }
            secretKey = key
        } else if environment == .development {
            let (key, created, path) = try SecretKey.loadOrCreate(inDirectory: dataDirectory)
            secretKey = key
            notices.append(
                ConfigurationNotice(
                    message: created
                        ? "development mode: generated \(secretKeyName) into \(path)"
                        : "development mode: using \(secretKeyName) from \(path)"))
        } else {
            throw ConfigurationError.missingSecret(key: secretKeyName)
        }
        if implicitDevelopment {
            notices.append(ConfigurationNotice(message: "CROUPIER_ENV is not set: development mode, on loopback only"))
        }
        let proxyList = reader.string("CROUPIER_TRUSTED_PROXIES", default: "")
        guard let trustedProxies = TrustedProxies(parsing: proxyList) else {
            throw ConfigurationError.invalidValue(
                key: "CROUPIER_TRUSTED_PROXIES", value: proxyList, expected: "comma-separated IP addresses or CIDR blocks")
        }

        let configuration = Configuration(
            environment: environment,
            httpHost: host,
            httpPort: port,
            publicURL: reader.string("CROUPIER_PUBLIC_URL", default: "http://\(host):\(port)"),
            databaseURL: reader.string("CROUPIER_DATABASE_URL", default: "postgres://postgres@127.0.0.1:55432/croupier"),
            databasePoolSize: try reader.int("CROUPIER_DATABASE_POOL_SIZE", default: 20, range: 1...1000),
            natsURL: reader.string("CROUPIER_NATS_URL", default: "nats://127.0.0.1:54222"),
            natsStream: try reader.streamName("CROUPIER_NATS_STREAM", default: Configuration.defaultNATSStream),
            natsStreamReplicas: try reader.int("CROUPIER_NATS_STREAM_REPLICAS", default: 1, range: 1...5),
            natsStreamMaxAgeDays: try reader.int("CROUPIER_NATS_STREAM_MAX_AGE_DAYS", default: 30, range: 1...3650),
            clickHouseURL: reader.string("CROUPIER_CLICKHOUSE_URL", default: "http://default@127.0.0.1:58123/croupier"),
            secretKey: secretKey,
            migrateOnStart: try reader.bool("CROUPIER_MIGRATE_ON_START", default: false),
            maxBodyBytes: try reader.int("CROUPIER_MAX_BODY_BYTES", default: 1 << 20, range: 1024...(64 << 20)),
            logLevel: try reader.oneOf(
                "CROUPIER_LOG_LEVEL", default: "info", allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"]),
            dataDirectory: dataDirectory,
            publicDirectory: reader.string("CROUPIER_PUBLIC_DIR", default: "public"),
            telegram: TelegramSettings(
                botToken: reader.string("CROUPIER_TELEGRAM_BOT_TOKEN", default: ""),
                botUsername: reader.string("CROUPIER_TELEGRAM_BOT_USERNAME", default: ""),
                authMaxAge: .seconds(try reader.int("CROUPIER_TELEGRAM_AUTH_MAX_AGE", default: 600, range: 30...86_400)),
                publicKey: try reader.hexKey("CROUPIER_TELEGRAM_PUBLIC_KEY", default: TelegramSettings().publicKey),
                oidcClientID: reader.string("CROUPIER_TELEGRAM_OIDC_CLIENT_ID", default: ""),
                oidcClientSecret: reader.string("CROUPIER_TELEGRAM_OIDC_CLIENT_SECRET", default: ""),
                oidcIssuer: try reader.url("CROUPIER_TELEGRAM_OIDC_ISSUER", default: TelegramSettings.telegramIssuer)),
            smtpURL: reader.string("CROUPIER_SMTP_URL", default: ""),
            mailFrom: reader.string("CROUPIER_MAIL_FROM", default: "no-reply@croupier.local"),
            smtpCAFile: values["CROUPIER_SMTP_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 },
            providerCacheSeconds: try reader.int("CROUPIER_PROVIDER_CACHE_SECONDS", default: 5, range: 0...300),
            ledgerBatch: LedgerBatchSettings(
                windowMicroseconds: try reader.int(
                    "CROUPIER_LEDGER_BATCH_WINDOW_US", default: batchDefaults.windowMicroseconds, range: 0...50_000),
                maximum: try reader.int("CROUPIER_LEDGER_BATCH_MAX", default: batchDefaults.maximum, range: 1...1_000),
                shards: try reader.int("CROUPIER_LEDGER_BATCH_SHARDS", default: batchDefaults.shards, range: 1...256),
                inFlight: try reader.int("CROUPIER_LEDGER_BATCH_IN_FLIGHT", default: batchDefaults.inFlight, range: 1...8)),
            trustedProxies: trustedProxies,
            staffBcryptCost: try reader.int("CROUPIER_STAFF_BCRYPT_COST", default: 12, range: 10...16),
            stripe: try reader.stripe(),
            nowPayments: try reader.nowPayments(),
            nowPaymentsPayouts: try reader.nowPaymentsPayouts(),
            withdrawals: WithdrawalSettings(
                autoApproveUpTo: try reader.amounts("CROUPIER_WITHDRAWAL_AUTO_APPROVE", default: WithdrawalSettings.defaultAutoApprove),
                fourEyesFrom: try reader.amounts("CROUPIER_WITHDRAWAL_FOUR_EYES", default: WithdrawalSettings.defaultFourEyes),
                reconcileAfterSeconds: try reader.int("CROUPIER_PAYOUT_RECONCILE_SECONDS", default: 300, range: 1...86_400)),
            adjustmentOwnerFrom: try reader.amounts("CROUPIER_ADJUSTMENT_OWNER_FROM", default: Configuration.defaultAdjustmentOwnerFrom),
            pivotCurrency: try reader.currency("CROUPIER_PIVOT_CURRENCY", default: "EUR"),
            buildVersion: String(reader.string("CROUPIER_VERSION", default: "development").prefix(100)),
            otelEndpoint: try reader.optionalURL("CROUPIER_OTEL_ENDPOINT")
        )
        return (configuration, notices)
    }

    /// `localhost`, 127.0.0.0/8 or ::1: addresses only this machine can reach.
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if bare == "localhost" || bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    static func parseFile(at path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError.unreadableFile(path: path)
        }
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line.removeFirst("export ".count) }
            guard let equals = line.firstIndex(of: "="), equals != line.startIndex else {
                throw ConfigurationError.malformedFileLine(path: path, line: index + 1)
            }
            let key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            values[key] = value
        }
        return values
    }

    private struct Reader {
        let values: [String: String]

        func string(_ key: String, default fallback: String) -> String {
            guard let value = values[key], !value.isEmpty else { return fallback }
            return value
        }

        func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
            guard let text = values[key], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw ConfigurationError.invalidValue(
                    key: key, value: text, expected: "an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }

        func bool(_ key: String, default fallback: Bool) throws -> Bool {
            guard let text = values[key], !text.isEmpty else { return fallback }
            switch text.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw ConfigurationError.invalidValue(key: key, value: text, expected: "true or false")
            }
        }

        /// An absolute http(s) URL without a query, as an OpenID Connect issuer must be.
        func url(_ key: String, default fallback: String) throws -> String {
            guard let text = values[key], !text.isEmpty else { return fallback }
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, url.query == nil,
                url.fragment == nil
            else {
                throw ConfigurationError.invalidValue(key: key, value: text, expected: "an http(s) URL without query or fragment")
            }
            return text
        }

        /// `url`, or nil when the key is unset or empty.
        func optionalURL(_ key: String) throws -> String? {
            guard let text = values[key], !text.isEmpty else { return nil }
            return try url(key, default: text)
        }

        func streamName(_ key: String, default fallback: String) throws -> String {
            guard let text = values[key], !text.isEmpty else { return fallback }
            guard Configuration.isValidStreamName(text) else {
                throw ConfigurationError.invalidValue(key: key, value: text, expected: "1 to 32 of the characters A-Z a-z 0-9 _ -")
            }
            return text
        }

        func oneOf(_ key: String, default fallback: String, allowed: [String]) throws -> String {
            guard let text = values[key], !text.isEmpty else { return fallback }
            guard allowed.contains(text) else {
                throw ConfigurationError.invalidValue(key: key, value: text, expected: "one of \(allowed.joined(separator: ", "))")
            }
            return text
        }

        /// A key of 32 bytes written as 64 hex characters: a mistyped one refuses to start rather
        /// than leaving the feature it serves failing every request.
        func hexKey(_ key: String, default fallback: String) throws -> String {
            let text = string(key, default: fallback)
            guard text.utf8.count == 64, Hex.decode(text) != nil else {
                throw ConfigurationError.invalidValue(key: key, value: text, expected: "64 hex characters")
            }
            return text
        }

        /// Every one of `keys` or none, in their order; the error names the first missing key and
        /// never a value.
        func together(_ keys: [String]) throws -> [String]? {
            let values = keys.map { string($0, default: "") }
            if values.allSatisfy(\.isEmpty) { return nil }
            if let missing = zip(keys, values).first(where: { $0.1.isEmpty })?.0 {
                throw ConfigurationError.invalidValue(
                    key: missing, value: "(hidden)",
                    expected: "set together with \(keys.filter { $0 != missing }.joined(separator: " and "))")
            }
            return values
        }

        /// Both secrets or neither; a value itself never appears in an error.
        func pair(_ first: String, _ second: String) throws -> (String, String)? {
            guard let values = try together([first, second]) else { return nil }
            return (values[0], values[1])
        }

        func stripe() throws -> StripeSettings? {
            guard let (key, secret) = try pair("CROUPIER_STRIPE_API_KEY", "CROUPIER_STRIPE_WEBHOOK_SECRET") else { return nil }
            return StripeSettings(
                apiURL: try url("CROUPIER_STRIPE_API_URL", default: StripeSettings.apiURL), apiKey: key, webhookSecret: secret)
        }

        func nowPayments() throws -> NOWPaymentsSettings? {
            guard let (key, secret) = try pair("CROUPIER_NOWPAYMENTS_API_KEY", "CROUPIER_NOWPAYMENTS_IPN_SECRET") else { return nil }
            return NOWPaymentsSettings(
                apiURL: try url("CROUPIER_NOWPAYMENTS_API_URL", default: NOWPaymentsSettings.apiURL), apiKey: key, ipnSecret: secret)
        }

        func nowPaymentsPayouts() throws -> NOWPaymentsPayoutSettings? {
            let secretKey = "CROUPIER_NOWPAYMENTS_2FA_SECRET"
            guard
                let values = try together(["CROUPIER_NOWPAYMENTS_EMAIL", "CROUPIER_NOWPAYMENTS_PASSWORD", secretKey])
            else { return nil }
            guard let key = Base32.decode(values[2]) else {
                throw ConfigurationError.invalidValue(
                    key: secretKey, value: "(hidden)", expected: "the 2FA secret in base32, as NOWPayments shows it")
            }
            return NOWPaymentsPayoutSettings(email: values[0], password: values[1], twoFactorKey: key)
        }

        /// Per-currency amounts such as `EUR:100,USD:100` (`WithdrawalSettings.parse`).
        func amounts(_ key: String, default fallback: String) throws -> [String: String] {
            let text = values[key] ?? fallback
            guard let amounts = WithdrawalSettings.parse(text) else {
                throw ConfigurationError.invalidValue(key: key, value: text, expected: "CODE:amount pairs separated by commas")
            }
            return amounts
        }

        /// A currency code (`Configuration.isCurrencyCode`); whether the ledger has it is checked
        /// against the database, where the list lives (FX conversions refuse an unknown pivot).
        func currency(_ key: String, default fallback: String) throws -> String {
            guard let text = values[key], !text.isEmpty else { return fallback }
            guard Configuration.isCurrencyCode(text) else {
                throw ConfigurationError.invalidValue(key: key, value: text, expected: "a currency code such as EUR (A-Z and 0-9, 3 to 10)")
            }
            return text
        }

        func enumValue<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) throws -> E where E.RawValue == String {
            guard let text = values[key], !text.isEmpty else { return fallback }
            guard let value = E(rawValue: text) else {
                throw ConfigurationError.invalidValue(
                    key: key, value: text, expected: "one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }
}
