"""The ``lotrate`` command line: data on stdout, logs on stderr, no traceback for a user error.

Exit codes
----------
0  success
1  bad input: a coordinate outside Hong Kong, swapped or in the wrong units, a malformed lot file, a date
   no rate schedule covers, ... (the message on stderr says what and how to fix it)
2  command-line usage error (unknown option, missing argument)
3  a file was processed but some of its lots or rows could not be resolved (see their ``error``)
4  a bug in lotrate (a traceback is printed; please report it)
"""

from lotrate.cli.app import main

__all__ = ["main"]
