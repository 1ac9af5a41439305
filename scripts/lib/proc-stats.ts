import { readFile } from 'node:fs/promises'

/** Linux USER_HZ: the clock ticks of /proc/<pid>/stat per second. */
const CLOCK_TICKS_PER_S = 100

/** A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, …). */
export async function procStatusKb (pid: number, field: string): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
}

export async function rssMb (pid: number): Promise<number> {
  return await procStatusKb(pid, 'VmRSS') / 1024
}

/** User + system CPU seconds of a process, all threads (fields 14 and 15 of /proc/<pid>/stat). */
export async function cpuSeconds (pid: number): Promise<number> {
  return await statCpuSeconds(`/proc/${pid}/stat`)
}

/** The same for its main thread alone: a node process's JavaScript, without GC helpers, libuv's pool or workers. */
export async function mainThreadCpuSeconds (pid: number): Promise<number> {
  return await statCpuSeconds(`/proc/${pid}/task/${pid}/stat`)
}

async function statCpuSeconds (file: string): Promise<number> {
  const stat = await readFile(file, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S
}
