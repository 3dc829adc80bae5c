// A JsonFragment (src/rest/json.ts) is JSON text already in the REST encoding, placed in an answer and sent as it
// is: the rest of the answer is encoded as always, the fragment is never parsed or walked for Money fields, and
// no value a client sends can pass for one.
import { describe, expect, it } from 'vitest'
import { fillMoney } from '../src/rest/money-fields.ts'
import { JsonFragment, toJson } from '../src/rest/json.ts'

describe('a JSON fragment in a REST answer', () => {
  it('is sent as it is, wherever it stands, beside values encoded as always', () => {
    const text = toJson({
      success: true,
      data: { items: new JsonFragment('[{"id" : 1, "startsOn" : "2031-01-01"}]'), total: 1n, page: 1, startsOn: new Date('2031-01-02') },
      more: [new JsonFragment('null'), new JsonFragment('"$&$1"')],
    })
    expect(text).toBe(
      '{"success":true,"data":{"items":[{"id" : 1, "startsOn" : "2031-01-01"}],"total":1,"page":1,"startsOn":"2031-01-02"},"more":[null,"$&$1"]}',
    )
    expect(toJson(new JsonFragment('{"a":1}'))).toBe('{"a":1}')
  })

  it('cannot be forged by a string that looks like its place in the text', () => {
    const forged = ['\u00000:0', '"\u00000:0"', '\u0000' + '0'.repeat(36) + ':0']
    const text = toJson({ forged, real: new JsonFragment('[1]') })
    expect(JSON.parse(text)).toEqual({ forged, real: [1] })
  })

  it('is left alone by the Money filling', () => {
    const schema = { type: 'object', properties: { feeMinMoney: { 'x-money-of': 'feeMin' } } }
    const fragment = new JsonFragment('{"feeMin":5}')
    expect(fillMoney(schema, fragment, {})).toBe(fragment)
    expect(Object.keys(fragment)).toEqual(['text'])
  })
})
