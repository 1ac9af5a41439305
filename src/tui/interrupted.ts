/** How the app ends when the user presses Ctrl-C: `runTui` turns it into exit code 130. */
export class Interrupted extends Error {
  constructor () {
    super('interrupted')
    this.name = 'Interrupted'
  }
}
