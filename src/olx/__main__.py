from olx.cli import run

run()
