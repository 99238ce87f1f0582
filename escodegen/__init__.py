"""escodegen: declarative code generator and schema registry for event sourcing on PostgreSQL.

The pipeline, one package per stage (each reads only what the stage before it produced):

    load     YAML files with source positions          -> escodegen.sources.project
    check    meta-schema, semantics, upcast chains     -> escodegen.check  (produces the model)
    model    one typed, immutable project model        -> escodegen.model
    analyse  registry, diff, decision matrix           -> escodegen.analyse
    emit     one module per target                     -> escodegen.emit
"""

__version__ = "0.1.0"
