"""Adds a torrent to an offline libtorrent session over existing data, lets libtorrent hash-check
every piece (SHA-1 for v1, merkle trees for v2), and prints the outcome as JSON.

python3 check_torrent.py TORRENT SAVE_PATH
"""
import json
import sys
import time

import libtorrent as lt
from loopback_session import loopback_session

TIMEOUT_SECONDS = 60


def main(torrent, save_path):
    session = loopback_session()
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_path
    params.flags &= ~lt.torrent_flags.auto_managed
    params.flags &= ~lt.torrent_flags.paused
    handle = session.add_torrent(params)
    errors = []
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        session.wait_for_alert(200)
        for alert in session.pop_alerts():
            if isinstance(alert, (lt.torrent_error_alert, lt.file_error_alert, lt.hash_failed_alert)):
                errors.append(alert.message())
        status = handle.status()
        if status.state in (lt.torrent_status.seeding, lt.torrent_status.finished) or errors:
            break
    status = handle.status()
    print(json.dumps({
        'state': str(status.state),
        'is_seeding': status.is_seeding,
        'pieces_have': sum(1 for have in status.pieces if have),
        'num_pieces': params.ti.num_pieces(),
        'errors': errors + ([status.errc.message()] if status.errc.value() != 0 else []),
    }))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
