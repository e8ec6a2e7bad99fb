#!/usr/bin/env python3
"""Opens a `starttls-scan report` page in headless Debian Chromium through ChromeDriver (the
W3C WebDriver protocol over HTTP on loopback, Python's standard library only) and checks:
  - the numbers in the DOM equal those of `report --format json`: every element with data-key
    (a JSON Pointer) holds data-value equal to the JSON's value and shows it; every share
    (data-num / data-den) shows 100 * num / den with one decimal; the keys the brief names are
    present;
  - the page made no network request (Chromium's performance log: no request but the page's
    own file:// load) and the console logged nothing at all (browser log);
  - a screenshot of each whole page is kept (ARTIFACT_DIR/report-page-N.png).
A control page that fetches an image and logs an error must be caught by the same checks,
so the harness itself is shown to work.

Usage: report_page_check.py CHROMEDRIVER_PORT ARTIFACT_DIR PROFILE_DIR REPORT.html REPORT.json [MORE.html MORE.json]
"""
import base64
import html.parser
import json
import os
import sys
import urllib.request


class WebDriver:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read().decode())["value"]


def start_session(driver, profile):
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile, "--window-size=1280,1600"]
    capabilities = {"browserName": "chrome",
                    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
                    "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}}
    return driver.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})["sessionId"]


def load(driver, session, path):
    """Loads a file; returns (DOM source, requests other than the page's own, console entries)."""
    url = "file://" + os.path.abspath(path)
    driver.call("POST", "/session/%s/url" % session, {"url": url})
    source = driver.call("GET", "/session/%s/source" % session)
    requests = []
    for entry in driver.call("POST", "/session/%s/se/log" % session, {"type": "performance"}):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested = message["params"]["request"]["url"]
            if requested != url:
                requests.append(requested)
    console = driver.call("POST", "/session/%s/se/log" % session, {"type": "browser"})
    return source, requests, console


class Numbers(html.parser.HTMLParser):
    """Collects elements with data-key / data-num and their text."""

    def __init__(self):
        super().__init__()
        self.items = []  # (attrs, text)
        self.open = []   # indices into items of elements still open, with their tag

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "data-key" in attrs or "data-num" in attrs:
            self.items.append([attrs, ""])
            self.open.append((tag, len(self.items) - 1))

    def handle_endtag(self, tag):
        if self.open and self.open[-1][0] == tag:
            self.open.pop()

    def handle_data(self, data):
        for _, index in self.open:
            self.items[index][1] += data


def resolve(document, pointer):
    value = document
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def check_numbers(source, report):
    parser = Numbers()
    parser.feed(source)
    keys, shares, problems = set(), 0, []
    for attrs, text in parser.items:
        text = text.strip()
        if "data-key" in attrs:
            pointer, shown = attrs["data-key"], attrs["data-value"]
            keys.add(pointer)
            try:
                value = resolve(report, pointer)
            except (KeyError, IndexError, ValueError):
                problems.append("%s: not in the JSON" % pointer)
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                problems.append("%s: the JSON holds %r, not a number" % (pointer, value))
                continue
            if float(shown) != float(value) or (isinstance(value, int) and shown != str(value)):
                problems.append("%s: page %s, JSON %r" % (pointer, shown, value))
            # What a reader sees: the count with thousands separators, or the measure rounded
            # to the decimals shown, before its unit.
            token = text.split(" ")[0].replace(",", "")
            decimals = len(token.split(".")[1]) if "." in token else 0
            if token != "%.*f" % (decimals, value):
                problems.append("%s: shows %r for %r" % (pointer, text, value))
        else:
            num, den = resolve(report, attrs["data-num"]), resolve(report, attrs["data-den"])
            want = "\u2013" if den == 0 else "%.1f %%" % (100.0 * num / den)
            shares += 1
            if text != want:
                problems.append("share %s/%s: shows %r, want %r" % (attrs["data-num"], attrs["data-den"], text, want))
    return keys, shares, problems


def check_page(driver, session, page, report_json, shot_path):
    with open(report_json, encoding="utf-8") as f:
        report = json.load(f)
    failures = []
    source, requests, console = load(driver, session, page)
    if requests:
        failures.append("%s made network requests: %r" % (page, requests))
    if console:
        failures.append("%s: the console logged: %r" % (page, console))
    keys, shares, problems = check_numbers(source, report)
    failures += ["%s: %s" % (page, p) for p in problems]
    required = ["/hosts/total", "/domains/total"]
    for group in ("by_status", "by_class", "by_anomaly"):
        required += ["/hosts/%s/%s" % (group, name.replace("~", "~0").replace("/", "~1")) for name in report["hosts"][group]]
    required += ["/domains/by_verdict/%s" % name for name in report["domains"]["by_verdict"]]
    required += ["/clients/%s/clear" % name for name in report["clients"]]
    if "scans" in report:
        required += ["/scans/%d/hosts/total" % i for i in range(len(report["scans"]))]
    if "diff" in report:
        for old, row in report["diff"]["transitions"]["class"].items():
            required += ["/diff/transitions/class/%s/%s" % (old, new) for new in row]
    missing = [k for k in required if k not in keys]
    if missing:
        failures.append("%s: numbers the JSON has but the page does not show: %r" % (page, missing))
    print("%s: %d numbers and %d shares checked against the JSON; %d requests; %d console entries"
          % (page, len(keys), shares, len(requests), len(console)))
    shot = driver.call("POST", "/session/%s/goog/cdp/execute" % session,
                       {"cmd": "Page.captureScreenshot", "params": {"captureBeyondViewport": True, "format": "png"}})
    with open(shot_path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
    print("screenshot: %s" % shot_path)
    return failures


def main(argv):
    port, artifacts, profile = int(argv[1]), argv[2], argv[3]
    pages = list(zip(argv[4::2], argv[5::2]))
    if not pages:
        print(__doc__)
        return 2
    os.makedirs(artifacts, exist_ok=True)
    driver = WebDriver(port)
    session = start_session(driver, profile)
    failures = []
    try:
        # The harness must catch a page that fetches and logs.
        control = os.path.join(artifacts, "control-page.html")
        with open(control, "w") as f:
            f.write('<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/probe.png">'
                    '<script>console.error("control page error")</script></body></html>')
        _, control_requests, control_console = load(driver, session, control)
        if not any("127.0.0.1:9/probe.png" in r for r in control_requests):
            failures.append("harness: the control page's request was not seen: %r" % control_requests)
        if not any("control page error" in e.get("message", "") for e in control_console):
            failures.append("harness: the control page's console error was not seen: %r" % control_console)
        for index, (page, report_json) in enumerate(pages, 1):
            failures += check_page(driver, session, page, report_json,
                                   os.path.join(artifacts, "report-page-%d.png" % index))
    finally:
        driver.call("DELETE", "/session/%s" % session)
        try:  # ChromeDriver's own way out, so it reaps what it started
            urllib.request.urlopen(driver.base + "/shutdown", timeout=10).read()
        except OSError:
            pass
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
