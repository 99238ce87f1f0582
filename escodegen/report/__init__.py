"""Every output format of findings and diagnostics: text, json, markdown, github, junit, sarif,
terminal tables, and the rule pages of docs/rules/."""
