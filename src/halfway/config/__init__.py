"""The settings: config.toml's models and value types (cron text among them), their defaults, and the loader that reads the file and the HALFWAY_* variables."""
