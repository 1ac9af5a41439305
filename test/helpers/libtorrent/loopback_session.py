"""A libtorrent session that stays on 127.0.0.1 and talks TCP only: no DHT, LSD, UPnP, NAT-PMP or
uTP. Shared by the interop test scripts here and the `get` benchmark's libtorrent baseline."""
import libtorrent as lt

STATUS_ALERTS = lt.alert_category.error | lt.alert_category.status


def loopback_session(alert_mask=STATUS_ALERTS):
    return lt.session({
        'listen_interfaces': '127.0.0.1:0',
        'outgoing_interfaces': '127.0.0.1',
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_incoming_utp': False,
        'enable_outgoing_utp': False,
        'enable_incoming_tcp': True,
        'enable_outgoing_tcp': True,
        'allow_multiple_connections_per_ip': True,
        'alert_mask': alert_mask,
    })
