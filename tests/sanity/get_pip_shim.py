"""Stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test fetches get-pip.py from ci-files.testing.ansible.com to put pip into the
empty virtual environments it makes for sanity tests; that host is not reachable
from our CI. This shim does the same job with what is at hand: Python's bundled
pip (ensurepip), which then installs the pip version ansible-test asked for from
PyPI. tests/run.sh places it where ansible-test looks for its cached script.
"""

import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
# get-pip.py takes pip's install options; the --no-setuptools / --no-wheel switches are its own.
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
