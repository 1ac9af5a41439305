"""Prints, as JSON, what libtorrent reads from a .torrent file: python3 inspect_torrent.py FILE"""
import json
import sys

import libtorrent as lt


def main(path):
    info = lt.torrent_info(path)
    hashes = info.info_hashes()
    files = info.files()
    print(json.dumps({
        'name': info.name(),
        'has_v1': hashes.has_v1(),
        'has_v2': hashes.has_v2(),
        'v1': str(hashes.v1),
        'v2': str(hashes.v2),
        'piece_length': info.piece_length(),
        'num_pieces': info.num_pieces(),
        'files': [{
            'path': files.file_path(i),
            'size': files.file_size(i),
            'offset': files.file_offset(i),
            'pad': bool(files.file_flags(i) & lt.file_storage.flag_pad_file),
            'root': str(files.root(i)),
        } for i in range(files.num_files())],
    }))


if __name__ == '__main__':
    main(sys.argv[1])
