/// The Games context (DESIGN §2). Its tables are prefixed `games_`.
public enum GamesContext {}
