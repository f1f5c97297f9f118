"""Package data, not code: the leaderboard's templates and assets, installed as `harness.leaderboard_assets`."""
