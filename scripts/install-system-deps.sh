#!/usr/bin/env bash
# Installs the tools some test tiers use (an independent BitTorrent peer, Git LFS, tmux) from
# Debian's packages when they are missing and we can (root with apt). Never fatal: the tests that
# need a missing tool skip with a printed reason.
set -u

have_libtorrent () { /usr/bin/python3 -c 'import libtorrent' >/dev/null 2>&1; }
missing=()
have_libtorrent || missing+=(python3-libtorrent)
command -v git-lfs >/dev/null 2>&1 || missing+=(git-lfs)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v git >/dev/null 2>&1 || missing+=(git)

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not installing ${missing[*]} (needs root and apt-get); tests that need them will skip" >&2
  exit 0
fi
echo "installing test tools: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/tmp/silmaril-apt.log 2>&1; then
  echo "note: apt-get could not install ${missing[*]} (see /tmp/silmaril-apt.log); tests that need them will skip" >&2
fi
exit 0
