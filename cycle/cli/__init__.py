"""The ``cycle`` command-line tool: one thin module per subcommand."""
