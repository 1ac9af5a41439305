/** A publisher id's short form for people, e.g. `77ff:8490:5a91:9363`. No crypto: the CLI's listings use it. */
export function fingerprint (publisherId: string): string {
  return (publisherId.slice(0, 16).match(/.{4}/g) ?? []).join(':')
}
