"""One module per upcast operation; see base.py for what each one knows."""
