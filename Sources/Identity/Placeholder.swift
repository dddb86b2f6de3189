/// The Identity context (DESIGN §2). Its tables are prefixed `identity_`.
public enum IdentityContext {}
