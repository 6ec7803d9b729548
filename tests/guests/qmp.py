"""qmp.py SOCKET COMMAND [JSON-ARGUMENTS]: send one QMP command to qemu, print its reply as JSON.

Run as ``python3 qmp.py ...`` by the tests/guests scripts (the system Python, stdlib only).
"""

import json
import socket
import sys


def main(argv):
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(600)
    sock.connect(argv[1])
    stream = sock.makefile("rw")
    stream.readline()  # greeting

    def command(name, arguments=None):
        message = {"execute": name}
        if arguments:
            message["arguments"] = arguments
        stream.write(json.dumps(message) + "\n")
        stream.flush()
        while True:
            reply = json.loads(stream.readline())
            if "event" not in reply:  # asynchronous events are not replies
                return reply

    command("qmp_capabilities")
    reply = command(argv[2], json.loads(argv[3]) if len(argv) > 3 else None)
    print(json.dumps(reply))
    return 1 if "error" in reply else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
