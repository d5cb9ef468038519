from obslint.cli import entry

entry()
