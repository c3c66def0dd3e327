import { parseEcosystems } from '../../src/libraries/options.js'

describe('parseEcosystems (the libraries input)', () => {
  it('takes names separated by commas, spaces or lines, each once, in a fixed order', () => {
    expect(parseEcosystems('java,\npython  javascript,,python', false)).toEqual(['python', 'javascript', 'java'])
    expect(parseEcosystems('java', false)).toEqual(['java'])
  })

  it('is empty when the input is, unless setup-python-keyring asks for python', () => {
    expect(parseEcosystems('', false)).toEqual([])
    expect(parseEcosystems(' \n', false)).toEqual([])
    expect(parseEcosystems('', true)).toEqual(['python'])
    expect(parseEcosystems('java python', true)).toEqual(['python', 'java'])
  })

  it('names the one it does not know, and what it takes', () => {
    expect(parseEcosystems('python, ruby', false)).toBe('must be a list of python, javascript, java; got "ruby"')
    expect(parseEcosystems('Python', false)).toBe('must be a list of python, javascript, java; got "Python"')
    expect(parseEcosystems('pythonjava', false)).toBe('must be a list of python, javascript, java; got "pythonjava"')
  })
})
