"""Console-script entry point: finds the CLI package in a wheel (kgedit.cli) or a checkout (cli)."""

from __future__ import annotations


def main() -> None:
    try:
        from kgedit.cli.app import run  # installed wheel: cli/ is mapped into the package
    except ModuleNotFoundError as exc:
        if exc.name not in ("kgedit.cli", "kgedit.cli.app"):
            raise
        from cli.app import run  # checkout / editable install
    run()


if __name__ == "__main__":
    main()
