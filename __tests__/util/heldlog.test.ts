import { jest } from '@jest/globals'
import { HeldLog } from '../../src/util/heldlog.js'

let stdout: jest.SpiedFunction<typeof process.stdout.write>
beforeEach(() => {
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true)
})
afterEach(() => stdout.mockRestore())
const printed = () => stdout.mock.calls.map((c) => String(c[0]))

describe('HeldLog', () => {
  it('holds lines until released, prints them in order, then prints as they come', () => {
    const log = new HeldLog()
    log.info('Downloading chainctl')
    log.warning('chainctl download answered HTTP 503; retry 1/4 in 0.3s')
    expect(printed()).toEqual([])
    log.release()
    expect(printed()).toEqual(['Downloading chainctl\n', '::warning::chainctl download answered HTTP 503; retry 1/4 in 0.3s\n'])
    log.info('chainctl on PATH')
    expect(printed().slice(2)).toEqual(['chainctl on PATH\n']) // at once, not at the next release
    log.release() // a second release prints nothing twice
    expect(printed()).toHaveLength(3)
  })
})
