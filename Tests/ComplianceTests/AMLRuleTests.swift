import Compliance
import Core
import Foundation
import TestSupport
import Testing

/// Each AML rule firing at its boundary and not just before it, its evidence, and alerts raised
/// once per evidence however often the rules run again.
@Suite struct AMLRuleTests {
    @Test func depositsOfEUR1500AndUSD700In24HoursRaiseExactlyOneAlert() async throws {
        try await AMLHarness.with { h in
            let euros = try h.deposit("1500", hoursAgo: 20)
            #expect(try await h.complete(euros).isEmpty, "EUR 1,500 alone is under EUR 2,000")
            let dollars = try h.deposit("700", "USD", hoursAgo: 2)
            let raised = try await h.complete(dollars)
            #expect(raised.map(\.rule) == [.deposits24h])
            let alert = try #require(raised.first)
            // 1,500 + 700 × 0.93 = 2,151 EUR, in ledger units of EUR.
            #expect(alert.evidence.pivotSum == 215_100_000)
            #expect(alert.evidence.thresholdUnits == 200_000_000)
            #expect(Set(alert.evidence.movements.map(\.reference)) == [euros.reference, dollars.reference])
            #expect(alert.evidence.movements.first { $0.currency == "USD" }?.pivotUnits == 65_100_000)
            #expect(!alert.blocking && alert.caseID != nil)

            #expect(try await h.complete(dollars).isEmpty, "the same evidence raises nothing again")
            #expect(try await h.scan().isEmpty, "nor does the scheduled scan")
            #expect(try await h.scan().isEmpty)
            #expect(try await h.alerts.list().count == 1)
        }
    }

    @Test func theThresholdIsReachedAtExactlyEUR2000AndTheWindowIs24Hours() async throws {
        try await AMLHarness.with { h in
            let first = try h.deposit("1000", hoursAgo: 30)
            _ = try await h.complete(first)
            // 24 h and a minute later: the first is outside the window.
            let outside = try h.deposit("1000", hoursAgo: 30 - 24 - 1.0 / 60)
            #expect(try await h.complete(outside).isEmpty)
            let under = try h.deposit("999.99999", hoursAgo: 5)
            #expect(try await h.complete(under).isEmpty, "1,999.99999 is under")
        }
        try await AMLHarness.with { h in
            _ = try await h.complete(try h.deposit("1000", hoursAgo: 23.9))
            #expect(try await h.complete(try h.deposit("1000", hoursAgo: 1)).map(\.rule) == [.deposits24h], "2,000 reaches it")
        }
    }

    @Test func aMissingRateFailsClosedWithANamedAlert() async throws {
        try await AMLHarness.with(usdRate: nil) { h in
            // Both rules that sum deposits in EUR fail closed, each naming the currency.
            let raised = try await h.complete(try h.deposit("10", "USD"))
            #expect(raised.map(\.rule) == [.deposits24h, .structuring])
            #expect(raised.allSatisfy { $0.evidence.missingRate == "USD" })
        }
    }

    @Test func structuringIsManyDepositsJustUnderTheThreshold() async throws {
        try await AMLHarness.with { h in
            // 30 h apart, so no 24 h window reaches EUR 2,000; 1,600 is the floor 20% under.
            #expect(try await h.complete(try h.deposit("1850", hoursAgo: 100)).isEmpty)
            #expect(try await h.complete(try h.deposit("1599.99", hoursAgo: 70)).isEmpty, "under the band: not counted")
            #expect(try await h.complete(try h.deposit("1600", hoursAgo: 40)).isEmpty, "two in the band")
            let third = try await h.complete(try h.deposit("1999.99", hoursAgo: 5))
            #expect(third.map(\.rule) == [.structuring])
            #expect(third.first?.evidence.movements.count == 3)
        }
    }

    @Test func manyPaymentMethodsInAWeek() async throws {
        try await AMLHarness.with { h in
            for (index, gateway) in ["sandbox", "stripe", "nowpayments"].enumerated() {
                #expect(try await h.complete(try h.deposit("10", hoursAgo: Double(50 - index), gateway: gateway)).isEmpty)
            }
            try await h.stake("30")
            // The fourth method: a withdrawal's destination.
            #expect(try await h.withdraw("5", destination: "DE-1") == .proceed)
            let alerts = try await h.alerts.list(.init(rule: .paymentMethods))
            #expect(alerts.count == 1)
            #expect(alerts.first?.evidence.methods?.count == 4)
            #expect(alerts.first?.withdrawal != nil)
        }
    }

    @Test func aWithdrawalWithStakesBelowTheDepositsIsHeld() async throws {
        try await AMLHarness.with { h in
            try h.deposit("100", hoursAgo: 2)
            try await h.stake("99.99999")
            let decision = try await h.withdraw("50")
            #expect(decision == .blockingHit(missingRate: false))
            let alert = try #require(try await h.alerts.list(.init(rule: .lowWagering)).first)
            #expect(alert.blocking && alert.withdrawal != nil)
            #expect(alert.evidence.turnoverPivot == 9_999_999 && alert.evidence.pivotSum == 10_000_000)
            #expect(try await h.cases.list(state: .open).first?.blocking == true)
        }
        try await AMLHarness.with { h in
            try h.deposit("100", hoursAgo: 2)
            try await h.stake("100")
            #expect(try await h.withdraw("50") == .proceed, "stakes of 1× the deposit are enough")
        }
    }

    @Test func aDestinationAnotherPlayerUsedIsHeld() async throws {
        try await AMLHarness.with { h in
            try h.deposit("100", hoursAgo: 2)
            try await h.stake("100")
            #expect(try await h.withdraw("50", destination: "DE-9") == .proceed)
            h.history.sharesDestination(with: [PlayerID(7)])
            #expect(try await h.withdraw("50", destination: "DE-9") == .blockingHit(missingRate: false))
            let alert = try #require(try await h.alerts.list(.init(rule: .sharedDestination)).first)
            #expect(alert.evidence.otherPlayers == [7])
            // The open blocking case now holds the next withdrawal too, whatever it is.
            h.history.sharesDestination(with: [])
            #expect(try await h.withdraw("10", destination: "DE-10") == .openBlockingCase)
        }
    }

    @Test func aHighRiskCountryIsHeld() async throws {
        try await AMLHarness.with { h in
            try h.deposit("100", hoursAgo: 2)
            try await h.stake("100")
            h.countries.set("DE")
            #expect(try await h.withdraw("50") == .proceed)
            h.countries.set("IR")
            #expect(try await h.withdraw("50") == .blockingHit(missingRate: false))
            #expect(try await h.alerts.list(.init(rule: .highRiskCountry)).first?.evidence.country == "IR")
        }
    }

    @Test func aDormantAccountMovingALargeSum() async throws {
        try await AMLHarness.with { h in
            try await h.stake("1")  // activity now
            let day: TimeInterval = 86_400
            #expect(try await h.withdraw("1000", at: h.now.addingTimeInterval(179 * day)) == .proceed, "179 days is not dormant")
            #expect(try await h.withdraw("999.99", at: h.now.addingTimeInterval(181 * day)) == .proceed, "under EUR 1,000")
            #expect(try await h.withdraw("1000", at: h.now.addingTimeInterval(181 * day)) == .proceed, "not blocking by default")
            let alert = try #require(try await h.alerts.list(.init(rule: .dormantAccount)).first)
            #expect(alert.evidence.dormantDays == 180 && alert.evidence.lastActivity != nil)
            #expect(try await h.alerts.list(.init(rule: .dormantAccount)).count == 1)
        }
    }

    @Test func rulesAreDataStaffEditWithAnAuditedChange() async throws {
        try await AMLHarness.with { h in
            var rule = try await h.rule(.deposits24h)
            #expect(rule.threshold == "2000" && rule.windowHours == 24 && !rule.blocking)
            rule.threshold = "500"
            rule.blocking = true
            let saved = try await h.rules.update(rule, by: AMLHarness.staff)
            #expect(saved.threshold == "500" && saved.blocking && saved.updatedBy == "staff:42")
            let raised = try await h.complete(try h.deposit("500"))
            #expect(raised.first?.blocking == true)

            var bad = saved
            bad.ratio = "2"
            await #expect(throws: AMLRuleProblem.invalid(.ratio), "a parameter the rule does not read") {
                try await h.rules.update(bad, by: AMLHarness.staff)
            }
            bad = saved
            bad.threshold = "-1"
            await #expect(throws: AMLRuleProblem.invalid(.threshold)) { try await h.rules.update(bad, by: AMLHarness.staff) }
            var countries = try await h.rule(.highRiskCountry)
            countries.countries = ["ir", "KP", "X1"]
            await #expect(throws: AMLRuleProblem.invalid(.countries)) { try await h.rules.update(countries, by: AMLHarness.staff) }
            countries.countries = ["ir", "KP", "SY"]
            #expect(try await h.rules.update(countries, by: AMLHarness.staff).countries == ["IR", "KP", "SY"])

            var off = try await h.rule(.deposits24h)
            off.enabled = false
            _ = try await h.rules.update(off, by: AMLHarness.staff)
            #expect(try await h.complete(try h.deposit("5000")).isEmpty, "a rule switched off does not run")
            #expect(try await h.auditActions().filter { $0 == "compliance.aml_rule_updated" }.count == 3)
        }
    }
}
