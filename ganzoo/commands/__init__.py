"""CLI subcommands; none imports torch at module level."""
