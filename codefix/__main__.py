import sys

from codefix.cli import main

sys.exit(main())
