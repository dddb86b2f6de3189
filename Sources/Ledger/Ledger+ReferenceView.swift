/// What a provider's call about an earlier operation that moves nothing itself needs to know (a
/// Hub88 win of 0: its bet, whether a rollback reversed it or refused it in advance, the
/// player's balances), as Ledger's SQL API `ledger_reference_view_v1(scope, key, player,
/// currency)` (migration 0064; docs/ledger.md). Another context's SQL function is handed this
/// name and calls the function with EXECUTE, so that its judgement and its own bookkeeping share
/// one round trip without that context naming Ledger's functions, as Ledger is handed the names
/// of other contexts' hooks. An empty key names no operation (it is refused `invalidKey`), so
/// the row then holds the balances alone (a Hub88 free bet and a refusal, migrations 0069, 0068).
extension Ledger {
    public static let referenceViewFunction = "ledger_reference_view_v1"
}
