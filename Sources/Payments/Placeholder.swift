/// The Payments context (DESIGN §2). Its tables are prefixed `payments_`.
public enum PaymentsContext {}
