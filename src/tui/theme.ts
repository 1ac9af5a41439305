import { createContext, useContext } from 'react'

/** Colours in use, or none at all (NO_COLOR, https://no-color.org). */
export interface Theme { color: boolean }

export const ThemeContext = createContext<Theme>({ color: true })

export function colorAllowed (env: NodeJS.ProcessEnv): boolean {
  const noColor = env['NO_COLOR']
  return noColor === undefined || noColor === ''
}

type Colour = 'green' | 'red' | 'yellow' | 'cyan' | 'blue' | 'magenta' | 'gray'

/** A colour for Ink's `color` prop, or undefined when colour is off; bold and inverse stay. */
export function useTone (): (colour: Colour) => Colour | undefined {
  const { color } = useContext(ThemeContext)
  return colour => color ? colour : undefined
}
