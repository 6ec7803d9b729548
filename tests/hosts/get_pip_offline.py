# Offline stand-in for ansible-test's get-pip download (ci-files host, unreachable here).
# ansible-test runs it inside a venv created without pip, with arguments such as
#   --disable-pip-version-check pip==24.2 [setuptools==X] [--no-setuptools] [--no-wheel]
# ensurepip brings a pip from the Python itself; pip then installs the pinned versions from PyPI.
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", *args])
