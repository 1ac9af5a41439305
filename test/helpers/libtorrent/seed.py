"""libtorrent as an independent peer for the interop tests, on 127.0.0.1 only.

  seed.py create <folder> <torrent-out> <piece-length>   make a v1+v2 hybrid torrent of <folder>
  seed.py seed <torrent> <save-path>                     check the data, then seed it until killed
  seed.py fetch <torrent> <save-path> <host:port> <secs> download from that one peer, then exit

Prints one JSON object per line on stdout: {"event": ...}. Diagnostics go to stderr.
"""
import json
import os
import sys
import time

import libtorrent as lt
from loopback_session import STATUS_ALERTS, loopback_session


def emit(event, **fields):
    print(json.dumps({'event': event, **fields}), flush=True)


def note(message):
    print(message, file=sys.stderr, flush=True)


def make_session():
    return loopback_session(STATUS_ALERTS | lt.alert_category.peer | lt.alert_category.storage)


def drain(session, wanted=()):
    """Logs alerts; returns the first of the wanted types seen."""
    found = None
    for alert in session.pop_alerts():
        name = type(alert).__name__
        if name in wanted and found is None:
            found = alert
        if 'error' in name or 'failed' in name or name in ('peer_connect_alert', 'peer_disconnected_alert'):
            note(f'libtorrent {name}: {alert.message()}')
    return found


def wait_for(session, wanted, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.wait_for_alert(200)
        alert = drain(session, wanted)
        if alert is not None:
            return alert
    raise SystemExit(f'no {"/".join(wanted)} within {seconds} s')


def listening_port(session):
    wait_for(session, ('listen_succeeded_alert',), 10)
    return session.listen_port()


def add(session, torrent, save_path):
    handle = session.add_torrent({'ti': lt.torrent_info(torrent), 'save_path': save_path})
    wait_for(session, ('torrent_checked_alert',), 30)
    return handle


def create(folder, out, piece_length):
    folder = os.path.abspath(folder)
    files = lt.file_storage()
    lt.add_files(files, folder)
    creator = lt.create_torrent(files, int(piece_length))
    lt.set_piece_hashes(creator, os.path.dirname(folder))
    entry = creator.generate()
    with open(out, 'wb') as f:
        f.write(lt.bencode(entry))
    hashes = lt.torrent_info(out).info_hashes()
    emit('created', v1=str(hashes.v1), v2=str(hashes.v2), pads=sum(1 for f in entry[b'info'][b'files'] if b'p' in f.get(b'attr', b'')))


def seed(torrent, save_path):
    session = make_session()
    port = listening_port(session)
    handle = add(session, torrent, save_path)
    status = handle.status()
    if not status.is_seeding:
        raise SystemExit(f'only {status.progress:.3f} of the data checked out under {save_path}')
    emit('seeding', port=port)
    parent = os.getppid()
    while os.getppid() == parent:
        session.wait_for_alert(500)
        drain(session)


def fetch(torrent, save_path, peer, seconds):
    session = make_session()
    listening_port(session)
    handle = add(session, torrent, save_path)
    host, port = peer.rsplit(':', 1)
    deadline = time.monotonic() + float(seconds)
    last_connect = 0.0
    while not handle.status().is_seeding:
        if time.monotonic() > deadline:
            raise SystemExit(f'download stuck at {handle.status().progress:.3f} after {seconds} s')
        if handle.status().num_peers == 0 and time.monotonic() - last_connect > 2:
            handle.connect_peer((host, int(port)))
            last_connect = time.monotonic()
        session.wait_for_alert(200)
        if drain(session, ('hash_failed_alert',)) is not None:
            raise SystemExit('a piece failed its hash check')
    # Seeding means every piece passed its hash, not that the disk thread has written it yet:
    # the caller reads the files as soon as this process is done.
    handle.flush_cache()
    wait_for(session, ('cache_flushed_alert',), 30)
    emit('done', downloaded=handle.status().total_payload_download)


def main(argv):
    commands = {'create': (create, 3), 'seed': (seed, 2), 'fetch': (fetch, 4)}
    if len(argv) < 1 or argv[0] not in commands or len(argv) - 1 != commands[argv[0]][1]:
        raise SystemExit(__doc__)
    command, _ = commands[argv[0]]
    command(*argv[1:])


if __name__ == '__main__':
    main(sys.argv[1:])
