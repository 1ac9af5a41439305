"""Makes a hybrid torrent of PATH with libtorrent and prints its info dict, infohashes and the
seconds spent creating it (file storage, hashing, bencoding) as JSON.

python3 create_torrent.py PATH PIECE_LENGTH OUT_FILE [--tail-padding]

Without --tail-padding, libtorrent is asked for its canonical_files_no_tail_padding layout.
"""
import json
import os
import sys
import time

import libtorrent as lt


def main(path, piece_length, out_file, tail_padding):
    started = time.perf_counter()
    storage = lt.file_storage()
    lt.add_files(storage, path)
    flags = 0 if tail_padding else lt.create_torrent.canonical_files_no_tail_padding
    creator = lt.create_torrent(storage, piece_length, flags)
    lt.set_piece_hashes(creator, os.path.dirname(os.path.abspath(path)))
    entry = creator.generate()
    seconds = time.perf_counter() - started
    entry.pop(b'creation date', None)
    entry.pop(b'created by', None)
    data = lt.bencode(entry)
    with open(out_file, 'wb') as out:
        out.write(data)
    hashes = lt.torrent_info(data).info_hashes()
    print(json.dumps({
        'seconds': seconds,
        'v1': str(hashes.v1),
        'v2': str(hashes.v2),
        'info_hex': lt.bencode(entry[b'info']).hex(),
        'top_level_keys': sorted(key.decode() for key in entry.keys()),
        'files': [{
            'path': '/'.join(part.decode() for part in f[b'path']),
            'size': f[b'length'],
            'attr': f.get(b'attr', b'').decode(),
        } for f in entry[b'info'].get(b'files', [])],
    }))


if __name__ == '__main__':
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], '--tail-padding' in sys.argv[4:])
