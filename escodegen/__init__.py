"""escodegen: declarative code generator and schema registry for event sourcing on PostgreSQL.

The pipeline, one package per stage (README.md, "How the code is laid out", has the floors;
tests/test_architecture.py holds the imports to them):

    sources  the project file, YAML with positions, git baseline, registry folder
    check    meta-schema, semantics, upcast chains     -> the model (escodegen.model)
    analyse  pure functions over models: schemas, diff rules, what publish records
    emit     one module per target (files)             report  output formats of findings
    db       runs what emit wrote against a database   commands, cli  the command line
"""

__version__ = "0.1.0"
