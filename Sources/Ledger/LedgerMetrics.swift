import Metrics

/// What the ledger answered, for Prometheus (docs/operations.md, "Metrics"):
/// `croupier_ledger_operations_total{kind, currency, code}` counts every answer (`code` is the
/// result code, `replayed` for a retry's stored answer, or a check's refusal such as
/// `limitReached`), and `croupier_ledger_units_total{kind, currency}` adds the units of every
/// operation applied now: turnover, wins, deposits and payouts per currency (a debit by staff
/// adjustment as `adjustment_debit`). Group commit: `croupier_ledger_batch_size` (a histogram of
/// operations per batch) and `croupier_ledger_batches_total{end}` (`committed`, `alone` when a
/// refused batch was applied one by one, `unknown` when its COMMIT got no answer).
enum LedgerMetrics {
    static func record(_ operation: LedgerOperation, _ outcome: Outcome) {
        let currency = label(of: operation.currency, known: outcome.code != .unknownCurrency)
        let kind = operation.movement.kind
        if outcome.replayed {
            count(kind, currency, "replayed")
            return
        }
        count(kind, currency, outcome.code.rawValue)
        // A counter only grows: a debit (an adjustment's negative units) counts under its own kind.
        if outcome.code == .ok, let units = operation.movement.units {
            Counter(
                label: "croupier_ledger_units_total", dimensions: [("kind", units < 0 ? "\(kind)_debit" : kind), ("currency", currency)]
            )
            .increment(by: Int64(clamping: units.magnitude))
        }
    }

    static func recordRefusal(_ operation: LedgerOperation, code: String) {
        count(operation.movement.kind, label(of: operation.currency, known: true), code)
    }

    static func recordBatch(size: Int) {
        Recorder(label: "croupier_ledger_batch_size", aggregate: true).record(size)
    }

    static func recordBatch(end: LedgerBatcher.End) {
        Counter(label: "croupier_ledger_batches_total", dimensions: [("end", end.rawValue)]).increment()
    }

    private static func count(_ kind: String, _ currency: String, _ code: String) {
        Counter(label: "croupier_ledger_operations_total", dimensions: [("kind", kind), ("currency", currency), ("code", code)])
            .increment()
    }

    /// A currency the caller sent may be anything; only a plausible code becomes a label, so
    /// that hostile input cannot create a series per request.
    private static func label(of currency: String, known: Bool) -> String {
        guard known, (2...10).contains(currency.utf8.count), currency.utf8.allSatisfy({ (65...90).contains($0) || (48...57).contains($0) })
        else { return "other" }
        return currency
    }
}
