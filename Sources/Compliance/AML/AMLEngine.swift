import Core
import Crypto
import Foundation
import Ledger
import Logging
import PostgresNIO

/// Where a player lives, as Compliance's KYC profile says (nil when not known). The high-risk
/// country rule reads it; the KYC profiles implement it.
public protocol ResidenceCountries: Sendable {
    func country(of player: PlayerID, on connection: PostgresConnection) async throws -> String?
}

/// No profile known: the high-risk country rule never fires.
public struct NoResidenceCountries: ResidenceCountries {
    public init() {}
    public func country(of player: PlayerID, on connection: PostgresConnection) async throws -> String? { nil }
}

/// What the engine decided about a withdrawal (`AMLScreening` turns it into a verdict).
public enum AMLWithdrawalDecision: Sendable, Equatable {
    case proceed
    /// A blocking rule fired; `missingRate` when it could not sum for want of an FX rate.
    case blockingHit(missingRate: Bool)
    /// No blocking rule fired now, but the player has an open case with a blocking alert.
    case openBlockingCase
}

/// The AML rules engine (docs/compliance.md, "AML rules, alerts and cases"): evaluates the rules
/// stored in `compliance_aml_rules` over a player's movements (Payments' `MoneyMovementHistory`),
/// stakes and last activity (Ledger's API) and country (`ResidenceCountries`), summing in the
/// pivot currency at each movement's rate, and stores each hit as an alert, once per evidence,
/// in the player's open case. Every method works on the caller's connection, inside its
/// transaction: a deposit's completion, a withdrawal's hold, a scan's round.
public struct AMLEngine: Sendable {
    let history: any MoneyMovementHistory
    let conversion: any PivotConversion
    let ledger: Ledger
    let countries: any ResidenceCountries
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        history: any MoneyMovementHistory, conversion: any PivotConversion, ledger: Ledger,
        countries: any ResidenceCountries = NoResidenceCountries(), logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.history = history
        self.conversion = conversion
        self.ledger = ledger
        self.countries = countries
        self.logger = logger
        self.now = now
    }

    /// Deposits completed before an anchor may have been asked for this long before it.
    static let completionSlack: TimeInterval = 7 * 24 * 3600

    // MARK: - Where rules run

    /// A deposit was just credited (Payments' completion, in its transaction): the deposit rules,
    /// the window ending at this deposit. Answers the alerts raised now.
    @discardableResult
    public func evaluateDeposit(_ reference: String, of player: PlayerID, on connection: PostgresConnection) async throws -> [AMLAlert] {
        let rules = try await AMLRuleStore.enabled(on: connection, logger: logger)
        let moment = now()
        let lookback = moment.addingTimeInterval(-(Self.maxWindow(rules) + Self.completionSlack))
        let movements = try await history.movements(of: player, since: lookback, on: connection)
        guard let anchor = movements.first(where: { $0.direction == .deposit && $0.reference == reference }) else { return [] }
        var hits = try await windowHits(rules, anchor: anchor, movements: movements, on: connection)
        let pivotScale = try await scale(of: conversion.pivot)
        if let rule = rules[.dormantAccount], let hit = try await dormant(rule, movement: anchor, pivotScale: pivotScale, on: connection) {
            hits.append(hit)
        }
        if let rule = rules[.highRiskCountry], let hit = try await highRiskCountry(rule, player: player, trigger: nil, on: connection) {
            hits.append(hit)
        }
        return try await raise(hits, player: player, source: .deposit, withdrawal: nil, on: connection).filter(\.isNew).map(\.alert)
    }

    /// A withdrawal is being held (Payments' `Withdrawals.hold`, through `AMLScreening`): the
    /// withdrawal rules; alerts name the withdrawal.
    public func withdrawalRequested(_ facts: WithdrawalFacts, on connection: PostgresConnection) async throws -> AMLWithdrawalDecision {
        let blockedBefore = try await AMLCases.hasOpenBlockingCase(facts.player, on: connection, logger: logger)
        let rules = try await AMLRuleStore.enabled(on: connection, logger: logger)
        let moment = facts.requestedAt ?? now()
        let lookback = moment.addingTimeInterval(-(Self.maxWindow(rules) + Self.completionSlack))
        let movements = try await history.movements(of: facts.player, since: lookback, on: connection).filter {
            $0.reference != facts.reference
        }
        let pivotScale = try await scale(of: conversion.pivot)
        let current = MoneyMovement(
            direction: .withdrawal, reference: facts.reference ?? "withdrawal", player: facts.player, gateway: facts.gateway,
            currency: facts.currency, units: facts.units, stage: .open, requestedAt: moment, completedAt: nil,
            destination: facts.destination)
        var hits: [AMLHit] = []
        if let rule = rules[.lowWagering], let hit = try await lowWagering(rule, withdrawal: current, movements: movements, on: connection)
        {
            hits.append(hit)
        }
        if let rule = rules[.sharedDestination], let destination = facts.destination {
            let others = try await history.otherPlayers(
                withDestination: destination, gateway: facts.gateway, besides: facts.player, on: connection)
            if !others.isEmpty {
                var evidence = AMLEvidence(pivot: conversion.pivot)
                evidence.movements = [try await item(current, on: connection)]
                evidence.otherPlayers = others.map(\.rawValue)
                hits.append(
                    AMLHit(
                        rule: .sharedDestination, blocking: rule.blocking,
                        identity:
                            "\(current.reference)|\(facts.gateway)|\(destination)|\(others.map(\.description).joined(separator: ","))",
                        summary: "Withdrawal to \(facts.gateway) \(destination), which \(others.count) other player(s) asked for too",
                        evidence: evidence))
            }
        }
        if let rule = rules[.paymentMethods], let hit = try await paymentMethods(rule, anchor: current, movements: movements + [current]) {
            hits.append(hit)
        }
        if let rule = rules[.dormantAccount], let hit = try await dormant(rule, movement: current, pivotScale: pivotScale, on: connection) {
            hits.append(hit)
        }
        if let rule = rules[.highRiskCountry],
            let hit = try await highRiskCountry(rule, player: facts.player, trigger: current.reference, on: connection)
        {
            hits.append(hit)
        }
        // A blocking hit holds this withdrawal, so its alert must be this withdrawal's: one that
        // matched an older alert (perhaps in a closed case) would hold it with nothing to clear.
        hits = hits.map { hit in
            guard hit.blocking, !hit.identity.hasPrefix("\(current.reference)|") else { return hit }
            return AMLHit(
                rule: hit.rule, blocking: true, identity: "\(current.reference)|\(hit.identity)", summary: hit.summary,
                evidence: hit.evidence)
        }
        _ = try await raise(hits, player: facts.player, source: .withdrawal, withdrawal: facts.reference, on: connection)
        let blocking = hits.filter(\.blocking)
        if !blocking.isEmpty { return .blockingHit(missingRate: blocking.contains { $0.evidence.missingRate != nil }) }
        return blockedBefore ? .openBlockingCase : .proceed
    }

    /// The scheduled scan for one player: every deposit completed since `since` is an anchor for
    /// the window rules, as at its completion, so a scan raises what completion missed (a rule
    /// edited, a rate entered late) and nothing twice.
    @discardableResult
    public func scan(_ player: PlayerID, since: Date, on connection: PostgresConnection) async throws -> [AMLAlert] {
        let rules = try await AMLRuleStore.enabled(on: connection, logger: logger)
        let lookback = since.addingTimeInterval(-(Self.maxWindow(rules) + Self.completionSlack))
        let movements = try await history.movements(of: player, since: lookback, on: connection)
        var hits: [AMLHit] = []
        for anchor in movements
        where anchor.direction == .deposit && anchor.stage == .completed && (anchor.completedAt ?? .distantPast) >= since {
            hits += try await windowHits(rules, anchor: anchor, movements: movements, on: connection)
        }
        return try await raise(hits, player: player, source: .schedule, withdrawal: nil, on: connection).filter(\.isNew).map(\.alert)
    }

    // MARK: - Rules

    /// The rules over a window ending at a completed deposit: cumulative deposits, structuring,
    /// payment methods.
    private func windowHits(
        _ rules: [AMLRuleCode: AMLRule], anchor: MoneyMovement, movements: [MoneyMovement], on connection: PostgresConnection
    )
        async throws -> [AMLHit]
    {
        var hits: [AMLHit] = []
        let pivotScale = try await scale(of: conversion.pivot)
        let end = anchor.completedAt ?? anchor.requestedAt
        func completedDeposits(within window: TimeInterval) -> [MoneyMovement] {
            movements.filter {
                guard $0.direction == .deposit, $0.stage == .completed, let at = $0.completedAt else { return false }
                return at > end.addingTimeInterval(-window) && at <= end
            }
        }
        if let rule = rules[.deposits24h], let threshold = rule.thresholdUnits(scale: pivotScale) {
            let deposits = completedDeposits(within: rule.window)
            var evidence = try await evidence(of: deposits, from: end.addingTimeInterval(-rule.window), to: end, on: connection)
            evidence.thresholdUnits = threshold
            if let missing = evidence.missingRate {
                hits.append(missingRateHit(rule, evidence: evidence, identity: "\(anchor.reference)|\(missing)"))
            } else if let sum = evidence.pivotSum, sum >= threshold {
                hits.append(
                    AMLHit(
                        rule: .deposits24h, blocking: rule.blocking, identity: deposits.map(\.reference).sorted().joined(separator: ","),
                        summary: "Deposits of \(text(sum, pivotScale)) \(conversion.pivot) within \(rule.windowHours ?? 24) h "
                            + "(threshold \(text(threshold, pivotScale)))",
                        evidence: evidence))
            }
        }
        if let rule = rules[.structuring], let threshold = rule.thresholdUnits(scale: pivotScale) {
            let floor = threshold - threshold / 100 * Int64(rule.marginPercent ?? 20)
            var under: [MoneyMovement] = []
            var missing: String?
            for deposit in completedDeposits(within: rule.window) {
                do {
                    let value = try await conversion.pivotUnits(
                        deposit.units, of: deposit.currency, at: deposit.completedAt ?? deposit.requestedAt, on: connection)
                    if value >= floor && value < threshold { under.append(deposit) }
                } catch let error as MissingRate {
                    missing = error.currency
                }
            }
            if let missing {
                var evidence = AMLEvidence(pivot: conversion.pivot)
                evidence.missingRate = missing
                evidence.movements = [try await item(anchor, on: connection)]
                hits.append(missingRateHit(rule, evidence: evidence, identity: "\(anchor.reference)|\(missing)"))
            } else if under.count >= rule.minCount ?? 3 {
                var evidence = try await evidence(of: under, from: end.addingTimeInterval(-rule.window), to: end, on: connection)
                evidence.thresholdUnits = threshold
                hits.append(
                    AMLHit(
                        rule: .structuring, blocking: rule.blocking, identity: under.map(\.reference).sorted().joined(separator: ","),
                        summary: "\(under.count) deposits just under \(text(threshold, pivotScale)) \(conversion.pivot) "
                            + "within \(rule.windowHours ?? 168) h",
                        evidence: evidence))
            }
        }
        if let rule = rules[.paymentMethods], let hit = try await paymentMethods(rule, anchor: anchor, movements: movements) {
            hits.append(hit)
        }
        return hits
    }

    /// Payment methods and destinations used in the window ending at `anchor`: a deposit's is its
    /// gateway (gateways do not tell the card or wallet), a withdrawal's its gateway and destination.
    private func paymentMethods(_ rule: AMLRule, anchor: MoneyMovement, movements: [MoneyMovement]) async throws -> AMLHit? {
        let end = anchor.completedAt ?? anchor.requestedAt
        let inWindow = movements.filter {
            let at = $0.completedAt ?? $0.requestedAt
            return at > end.addingTimeInterval(-rule.window) && at <= end
        }
        let methods = Set(
            inWindow.map { $0.direction == .deposit ? "deposit:\($0.gateway)" : "withdrawal:\($0.gateway):\($0.destination ?? "")" }
        ).sorted()
        guard methods.count >= rule.minCount ?? 4 else { return nil }
        var evidence = AMLEvidence(pivot: conversion.pivot)
        evidence.methods = methods
        evidence.windowFrom = end.addingTimeInterval(-rule.window)
        evidence.windowTo = end
        evidence.movements = inWindow.map {
            .init(
                reference: $0.reference, direction: $0.direction.rawValue, gateway: $0.gateway, currency: $0.currency, units: $0.units,
                pivotUnits: nil, at: $0.completedAt ?? $0.requestedAt, destination: $0.destination)
        }
        return AMLHit(
            rule: .paymentMethods, blocking: rule.blocking, identity: methods.joined(separator: ","),
            summary: "\(methods.count) payment methods or destinations within \(rule.windowHours ?? 168) h", evidence: evidence)
    }

    /// Deposits of the window before a withdrawal, and the stakes since the first of them: below
    /// `ratio` × the deposits is a hit. Stakes are converted at the withdrawal's time.
    private func lowWagering(_ rule: AMLRule, withdrawal: MoneyMovement, movements: [MoneyMovement], on connection: PostgresConnection)
        async throws -> AMLHit?
    {
        let end = withdrawal.requestedAt
        let deposits = movements.filter {
            guard $0.direction == .deposit, $0.stage == .completed, let at = $0.completedAt else { return false }
            return at > end.addingTimeInterval(-rule.window) && at <= end
        }
        guard let first = deposits.compactMap(\.completedAt).min() else { return nil }
        var evidence = try await evidence(of: deposits, from: first, to: end, on: connection)
        evidence.movements.append(try await item(withdrawal, on: connection))
        evidence.ratio = rule.ratio ?? "1"
        let turnover = try await ledger.betTurnover(of: withdrawal.player, since: first, on: connection)
        evidence.turnover = turnover
        var turnoverPivot: Int64 = 0
        for (currency, units) in turnover.sorted(by: { $0.key < $1.key }) {
            do {
                turnoverPivot += try await conversion.pivotUnits(units, of: currency, at: end, on: connection)
            } catch let error as MissingRate {
                evidence.missingRate = evidence.missingRate ?? error.currency
            }
        }
        evidence.turnoverPivot = turnoverPivot
        let identity = "\(withdrawal.reference)|\(deposits.map(\.reference).sorted().joined(separator: ","))"
        if let missing = evidence.missingRate {
            return missingRateHit(rule, evidence: evidence, identity: "\(identity)|\(missing)")
        }
        guard let deposited = evidence.pivotSum else { return nil }
        // turnover < ratio × deposited, in exact integers (the ratio in ten-thousandths).
        guard Int128(turnoverPivot) * 10_000 < Int128(deposited) * Int128(rule.ratioBasisPoints) else { return nil }
        let pivotScale = try await scale(of: conversion.pivot)
        return AMLHit(
            rule: .lowWagering, blocking: rule.blocking, identity: identity,
            summary: "Withdrawal after deposits of \(text(deposited, pivotScale)) \(conversion.pivot) with stakes of "
                + "\(text(turnoverPivot, pivotScale)) since (ratio \(rule.ratio ?? "1"))",
            evidence: evidence)
    }

    /// A movement of at least the threshold by a player with no ledger activity for the rule's days before it.
    private func dormant(_ rule: AMLRule, movement: MoneyMovement, pivotScale: Int, on connection: PostgresConnection) async throws
        -> AMLHit?
    {
        guard let threshold = rule.thresholdUnits(scale: pivotScale) else { return nil }
        let days = rule.dormantDays ?? 180
        guard let last = try await ledger.lastTransaction(of: movement.player, before: movement.requestedAt, on: connection),
            movement.requestedAt.timeIntervalSince(last) >= TimeInterval(days) * 86_400
        else { return nil }
        var evidence = AMLEvidence(pivot: conversion.pivot)
        evidence.movements = [try await item(movement, on: connection)]
        evidence.lastActivity = last
        evidence.dormantDays = days
        evidence.thresholdUnits = threshold
        guard let value = evidence.movements.first?.pivotUnits else {
            evidence.missingRate = movement.currency
            return missingRateHit(rule, evidence: evidence, identity: "\(movement.reference)|\(movement.currency)")
        }
        guard value >= threshold else { return nil }
        return AMLHit(
            rule: .dormantAccount, blocking: rule.blocking, identity: movement.reference,
            summary: "\(movement.direction.rawValue.capitalized) of \(text(value, pivotScale)) \(conversion.pivot) after \(days)+ days "
                + "without activity",
            evidence: evidence)
    }

    private func highRiskCountry(_ rule: AMLRule, player: PlayerID, trigger: String?, on connection: PostgresConnection) async throws
        -> AMLHit?
    {
        guard let country = try await countries.country(of: player, on: connection)?.uppercased(), rule.countries.contains(country) else {
            return nil
        }
        var evidence = AMLEvidence(pivot: conversion.pivot)
        evidence.country = country
        return AMLHit(
            rule: .highRiskCountry, blocking: rule.blocking, identity: [country, trigger].compactMap { $0 }.joined(separator: "|"),
            summary: "The player's country, \(country), is on the high-risk list", evidence: evidence)
    }

    private func missingRateHit(_ rule: AMLRule, evidence: AMLEvidence, identity: String) -> AMLHit {
        AMLHit(
            rule: rule.code, blocking: rule.blocking, identity: "missing-rate|\(identity)",
            summary: "No \(evidence.missingRate ?? "") rate to \(conversion.pivot) was valid: the rule could not sum and fails closed",
            evidence: evidence)
    }

    // MARK: - Evidence

    private func item(_ movement: MoneyMovement, on connection: PostgresConnection) async throws -> AMLEvidence.Movement {
        let at = movement.completedAt ?? movement.requestedAt
        let pivotUnits: Int64?
        do {
            pivotUnits = try await conversion.pivotUnits(movement.units, of: movement.currency, at: at, on: connection)
        } catch is MissingRate {
            pivotUnits = nil
        }
        return .init(
            reference: movement.reference, direction: movement.direction.rawValue, gateway: movement.gateway, currency: movement.currency,
            units: movement.units, pivotUnits: pivotUnits, at: at, destination: movement.destination)
    }

    /// The movements with their pivot values and sum; `missingRate` names a currency without a rate.
    private func evidence(of movements: [MoneyMovement], from: Date, to: Date, on connection: PostgresConnection) async throws
        -> AMLEvidence
    {
        var evidence = AMLEvidence(pivot: conversion.pivot)
        evidence.windowFrom = from
        evidence.windowTo = to
        var sum: Int64 = 0
        for movement in movements {
            let item = try await item(movement, on: connection)
            evidence.movements.append(item)
            if let value = item.pivotUnits {
                sum = sum.addingReportingOverflow(value).overflow ? .max : sum + value
            } else {
                evidence.missingRate = evidence.missingRate ?? movement.currency
            }
        }
        evidence.pivotSum = sum
        return evidence
    }

    // MARK: - Storing

    struct Raised {
        let alert: AMLAlert
        let isNew: Bool
    }

    /// Stores each hit once (its key: rule, player and a digest of its evidence's identity) in the
    /// player's open case, opened by the first alert.
    private func raise(_ hits: [AMLHit], player: PlayerID, source: AMLAlert.Source, withdrawal: String?, on connection: PostgresConnection)
        async throws -> [Raised]
    {
        var raised: [Raised] = []
        for hit in hits {
            let digest = SHA256.hash(data: Data(hit.identity.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
            let key = "\(hit.rule.rawValue):\(player.rawValue):\(digest)"
            if let existing = try await AMLAlerts.alert(key: key, on: connection, logger: logger) {
                raised.append(Raised(alert: existing, isNew: false))
                continue
            }
            let caseID = try await AMLCases.openCase(for: player, on: connection, logger: logger)
            let alert = try await AMLAlerts.insert(
                hit, key: key, player: player, source: source, withdrawal: withdrawal, caseID: caseID, on: connection, logger: logger)
            if let alert {
                logger.notice(
                    "AML alert raised", metadata: ["rule": "\(hit.rule.rawValue)", "player": "\(player)", "alert": "\(alert.id)"])
                raised.append(Raised(alert: alert, isNew: true))
            } else if let existing = try await AMLAlerts.alert(key: key, on: connection, logger: logger) {
                raised.append(Raised(alert: existing, isNew: false))
            }
        }
        return raised
    }

    // MARK: - Helpers

    private static func maxWindow(_ rules: [AMLRuleCode: AMLRule]) -> TimeInterval {
        rules.values.map(\.window).max() ?? 24 * 3600
    }

    private func scale(of currency: String) async throws -> Int {
        guard let scale = try await ledger.currencies()[currency]?.scale else { throw MissingRate(currency: currency, moment: now()) }
        return scale
    }

    private func text(_ units: Int64, _ scale: Int) -> String { Amount.decimal(units: units, scale: scale) }
}

/// The high-risk country rule reads the country of residence from the player's KYC profile.
extension ComplianceProfiles: ResidenceCountries {
    public func country(of player: PlayerID, on connection: PostgresConnection) async throws -> String? {
        try await profile(of: player, on: connection).country
    }
}
