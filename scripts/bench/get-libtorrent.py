"""The libtorrent baseline of the `get` benchmark: two sessions on 127.0.0.1 in one process, one
seeding FOLDER, the other downloading it into OUT_DIR over TCP (no DHT, LSD, UPnP, uTP).

python3 get-libtorrent.py FOLDER PIECE_LENGTH OUT_DIR TIMEOUT_SECONDS

Prints one JSON object: the seconds from connecting the peers to the last piece verified, the
payload bytes downloaded, the CPU seconds both sessions spent meanwhile, and this process's peak RSS.

Right before connecting, it writes and deletes a scratch file the size of the torrent, so that the
download's writes (through mapped files into the page cache) land in recently freed pages: on a
virtual machine a fresh page the host has reclaimed costs a fault in the host, ~2.9 s of system
time per GiB here, which would count against libtorrent.
"""
import json
import os
import resource
import sys
import time

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'helpers', 'libtorrent'))
from loopback_session import loopback_session  # noqa: E402


def session():
    return loopback_session()


def wait_for(ses, wanted, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ses.wait_for_alert(100)
        for alert in ses.pop_alerts():
            if isinstance(alert, wanted):
                return alert
            if isinstance(alert, (lt.hash_failed_alert, lt.torrent_error_alert, lt.file_error_alert)):
                raise SystemExit(f'libtorrent: {alert.message()}')
    raise SystemExit(f'no {wanted} within {seconds} s')


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_warm_pages(path, size):
    chunk = bytes(8 * 1024 * 1024)
    with open(path, 'wb') as scratch:
        for _ in range(0, size, len(chunk)):
            scratch.write(chunk)
    os.remove(path)


def main(folder, piece_length, out_dir, timeout):
    folder = os.path.abspath(folder)
    files = lt.file_storage()
    lt.add_files(files, folder)
    creator = lt.create_torrent(files, piece_length)
    lt.set_piece_hashes(creator, os.path.dirname(folder))
    info = lt.torrent_info(lt.bencode(creator.generate()))

    seeder, leecher = session(), session()
    wait_for(seeder, lt.listen_succeeded_alert, 10)
    wait_for(leecher, lt.listen_succeeded_alert, 10)
    seeding = seeder.add_torrent({'ti': info, 'save_path': os.path.dirname(folder)})
    wait_for(seeder, lt.torrent_checked_alert, timeout)
    if not seeding.status().is_seeding:
        raise SystemExit('the seeder did not check out the data')
    handle = leecher.add_torrent({'ti': lt.torrent_info(info), 'save_path': out_dir})
    wait_for(leecher, lt.torrent_checked_alert, timeout)

    free_warm_pages(os.path.join(out_dir, '.scratch'), info.total_size())
    started = time.perf_counter()
    cpu_before = cpu_seconds()
    handle.connect_peer(('127.0.0.1', seeder.listen_port()))
    wait_for(leecher, lt.torrent_finished_alert, timeout)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    status = handle.status()
    print(json.dumps({
        'seconds': seconds,
        'bytes': status.total_wanted,
        'downloaded': status.total_payload_download,
        'cpu_seconds': cpu,
        'max_rss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]))
