"""Every input: the project file, the declaration files (YAML with source positions), the
declarations at a git ref, and the registry folder (content-addressed, verified on read)."""
