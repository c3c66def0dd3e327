import { oneLine } from '../../src/util/text.js'

describe('text from outside, on one line of the log', () => {
  it('has no control characters, nor the blanks they leave at its ends', () => {
    expect(oneLine('\r\n  denied: token expired\n')).toBe('denied: token expired')
    expect(oneLine('a\u001b[31mb\u007fc')).toBe('a [31mb c') // no terminal escapes either
  })

  it('is cut only past its limit, and says so', () => {
    expect(oneLine('x'.repeat(200))).toBe('x'.repeat(200))
    expect(oneLine('x'.repeat(201))).toBe(`${'x'.repeat(200)}...`)
    expect(oneLine('abcdef', 5)).toBe('abcde...')
  })
})
