import { timeline } from '../src/summary.js'

describe('timeline', () => {
  it('draws each phase where it ran, in the order the phases started, so overlaps show', () => {
    const rows = timeline(
      [
        { name: 'login', start: 200, end: 400 },
        { name: 'token', start: 0, end: 200 },
        { name: 'chainctl download', start: 0, end: 400 },
      ],
      8,
    )
    expect(rows).toEqual([
      'token                0-200 ms  |####    |',
      'chainctl download    0-400 ms  |########|',
      'login              200-400 ms  |    ####|',
    ])
  })

  it('gives a phase too short for the scale one mark, and rounds to whole ms', () => {
    expect(
      timeline(
        [
          { name: 'a', start: 0.4, end: 1000.6 },
          { name: 'b', start: 500.2, end: 501 },
        ],
        4,
      ),
    ).toEqual(['a   0-1001 ms  |####|', 'b  500-501 ms  | #  |'])
  })
})
