/// The Compliance context (DESIGN §2). Its tables are prefixed `compliance_`.
public enum ComplianceContext {}
