/// The Bonuses context (DESIGN §2). Its tables are prefixed `bonuses_`.
public enum BonusesContext {}
