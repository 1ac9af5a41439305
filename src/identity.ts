import { link, open, readFile, rm } from 'node:fs/promises'
import { SilmarilError } from './errors.js'
import { generateSeed, keyPairFromSeed } from './dht/ed25519.js'
import { fingerprint } from './fingerprint.js'

/** A node's ed25519 publisher key. The public key in lowercase hex is the publisher id. */
export interface Identity {
  publicKey: Uint8Array
  secretSeed: Uint8Array
  /** Lowercase hex of the public key. */
  publisherId: string
  /** Short form for people, e.g. `77ff:8490:5a91:9363`. */
  fingerprint: string
}

const KEY_FILE_MODE = 0o600

export function identityFromSeed (seed: Uint8Array): Identity {
  const { publicKey, secretSeed } = keyPairFromSeed(seed)
  const publisherId = Buffer.from(publicKey).toString('hex')
  return { publicKey, secretSeed, publisherId, fingerprint: fingerprint(publisherId) }
}

/** Loads the key file; with `create`, makes one (mode 0600) when it does not exist yet. */
export async function loadIdentity (file: string, { create = false } = {}): Promise<Identity> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw SilmarilError.io(`cannot read the identity key ${file}`, err)
    if (!create) throw SilmarilError.notFound(`no identity key at ${file}; run "silmaril init" first`)
    return await createIdentity(file)
  }
  const hex = text.trim()
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    throw new SilmarilError('io', `the identity key ${file} is damaged (expected 64 hex characters); restore it from a backup or move it away to create a new publisher key`)
  }
  return identityFromSeed(Buffer.from(hex, 'hex'))
}

async function createIdentity (file: string): Promise<Identity> {
  const seed = generateSeed()
  const temp = `${file}.${process.pid}.tmp`
  const handle = await open(temp, 'w', KEY_FILE_MODE)
  try {
    await handle.writeFile(`${Buffer.from(seed).toString('hex')}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // link() fails if the key appeared meanwhile, so a racing init never replaces a key.
    await link(temp, file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return await loadIdentity(file)
    throw SilmarilError.io(`cannot write the identity key ${file}`, err)
  } finally {
    await rm(temp, { force: true })
  }
  return identityFromSeed(seed)
}
