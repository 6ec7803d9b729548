# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check every internal link of a built HTML site: python scripts/check_docs_links.py SITE_DIR [EXTERNAL_LIST].

An internal link (href or src without a scheme) must name a file of the site and, with a #fragment
on an HTML page, an id or name on that page. External links (http, https, mailto) are not fetched
(no general internet where CI runs): they are listed, one per line with the pages citing them, in
EXTERNAL_LIST when given. Exit status 1 with one line per broken link, else 0.
"""

import os
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

EXTERNAL_SCHEMES = ("http", "https", "mailto", "ftp", "tel")
IGNORED_SCHEMES = ("javascript", "data")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.anchors = set()
        self.links = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag != "meta" else ():
            if attrs.get(key):
                self.anchors.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) is not None and tag not in ("meta",):
                self.links.append(attrs[key])


def _parse(path):
    page = _Page()
    with open(path, encoding="utf-8") as handle:
        page.feed(handle.read())
    return page


def check(site):
    site = os.path.realpath(site)
    pages = {}
    for root, _dirs, files in os.walk(site):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(root, name)
                pages[path] = _parse(path)
    if not pages:
        return 0, ["%s: no HTML pages" % site], {}
    broken = []
    external = {}
    for path, page in sorted(pages.items()):
        here = os.path.relpath(path, site)
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme in EXTERNAL_SCHEMES or link.startswith("//"):
                external.setdefault(link, set()).add(here)
                continue
            if parts.scheme in IGNORED_SCHEMES:
                continue
            if parts.scheme:
                broken.append("%s: link with an unknown scheme: %s" % (here, link))
                continue
            target = path if not parts.path else os.path.realpath(os.path.join(os.path.dirname(path), unquote(parts.path)))
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            if not (target == site or target.startswith(site + os.sep)):
                broken.append("%s: link leaves the site: %s" % (here, link))
            elif not os.path.isfile(target):
                broken.append("%s: missing file: %s" % (here, link))
            elif parts.fragment and target in pages and unquote(parts.fragment) not in pages[target].anchors:
                broken.append("%s: no anchor #%s in %s" % (here, parts.fragment, os.path.relpath(target, site)))
    return len(pages), broken, external


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__.splitlines()[0] + "\n")
        return 2
    pages, broken, external = check(argv[1])
    if len(argv) == 3:
        with open(argv[2], "w", encoding="utf-8") as handle:
            for link in sorted(external):
                handle.write("%s\t%s\n" % (link, " ".join(sorted(external[link]))))
    for line in broken:
        print("broken link: " + line)
    print("check_docs_links: %d page(s), %d broken internal link(s), %d external link(s) not fetched" % (pages, len(broken), len(external)))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
