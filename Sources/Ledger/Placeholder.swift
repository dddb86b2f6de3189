/// The Ledger context (DESIGN §2). Its tables are prefixed `ledger_`.
public enum LedgerContext {}
