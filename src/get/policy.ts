import { statfs } from 'node:fs/promises'
import { SilmarilError } from '../errors.js'
import type { SilmarilConfig } from '../config/schema.js'

const GIB = 1024 ** 3

/** Refuses a license outside `policy.accept_licenses` unless the user accepted it for this get. */
export function checkLicensePolicy (license: string | null, policy: SilmarilConfig['policy'], accepted: boolean, name: string): void {
  if (accepted) return
  const allowed = policy.accept_licenses.map(l => l.toLowerCase())
  if (allowed.includes('*')) return
  if (license !== null && allowed.includes(license.toLowerCase())) return
  const shown = license ?? 'an unknown license'
  throw new SilmarilError('policy',
    `${name} is under ${shown}, which policy.accept_licenses does not list (${allowed.join(', ') || 'none'}); ` +
    `read its license, then run again with --accept-license, or add "${license ?? '*'}" to policy.accept_licenses in the config`)
}

export function checkPublisherPolicy (publisher: string | null, policy: SilmarilConfig['policy'], name: string): void {
  if (publisher === null) return
  if (policy.blocked_publishers.map(p => p.toLowerCase()).includes(publisher.toLowerCase())) {
    throw new SilmarilError('policy', `${name} is published by ${publisher.slice(0, 16)}…, which policy.blocked_publishers blocks`)
  }
}

export interface SpaceCheck {
  /** Where the bytes will be written (the staging dir). */
  dir: string
  /** Bytes the download still needs. */
  needed: number
  /** Bytes of models and staged downloads already in the data dir. */
  used: number
  quotaGb: number
  /** Kept free besides the download. @default 64 MiB */
  reserve?: number
}

/** The disk quota and the free space, checked before a download writes anything. */
export async function checkSpace (check: SpaceCheck): Promise<void> {
  const { needed, used, quotaGb } = check
  if (quotaGb > 0 && used + needed > quotaGb * GIB) {
    throw new SilmarilError('policy',
      `this download needs ${gib(needed)} GiB but the data dir already holds ${gib(used)} of the ${quotaGb} GiB limits.disk_quota_gb; ` +
      'remove a model with "silmaril unshare <model> --delete", fetch fewer files with --include, or raise the quota')
  }
  const fs = await statfs(check.dir)
  const free = Number(fs.bavail) * Number(fs.bsize)
  const reserve = check.reserve ?? 64 * 1024 * 1024
  if (needed + reserve > free) {
    throw new SilmarilError('io', `this download needs ${gib(needed)} GiB but only ${gib(free)} GiB is free in ${check.dir}; free some space or fetch fewer files with --include`)
  }
}

function gib (bytes: number): string {
  return (bytes / GIB).toFixed(bytes < GIB ? 2 : 1)
}
