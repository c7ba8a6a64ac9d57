# -*- coding: utf-8 -*-
# Copyright: kyma.mtls contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local stand-in for the tutorial's Kyma Function: GET /function answers with the request headers.

The Function's source returns {path: "/function", headers: event.extensions.request.headers};
Node.js gives header names in lower case, and so does this.

    function_standin.py PORT        (listens on 127.0.0.1)
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Function(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, code, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802  (http.server's naming)
        if self.path.split("?")[0] != "/function":
            self._answer(404, {"error": "the function answers on /function"})
            return
        self._answer(200, {"path": "/function", "headers": {k.lower(): v for k, v in self.headers.items()}})

    def log_message(self, *args):
        return


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Function).serve_forever()
