/** The slice of `total` rows to show in `visible` lines so that `selected` stays on screen, near the middle. */
export function scrollWindow (total: number, selected: number, visible: number): { start: number, end: number } {
  if (total <= visible) return { start: 0, end: total }
  const start = Math.max(0, Math.min(total - visible, selected - Math.floor(visible / 2)))
  return { start, end: start + visible }
}
