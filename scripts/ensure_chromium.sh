#!/usr/bin/env bash
# The review-UI tests drive Debian's chromium with Playwright; never a downloaded browser build.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian chromium for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium install failed: browser tests will report it"
else
  echo "chromium missing and cannot be installed here: browser tests will report it"
fi
