"""kgedit's command line (typer). Imports inside this package are relative so that it works both as
the checkout's top-level cli/ and as kgedit/cli inside an installed wheel."""
