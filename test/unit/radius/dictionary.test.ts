import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import radius from 'radius';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allAttributeInfos,
  attributeInfo,
  attributeName,
  loadDictionaries,
  lookupAttribute,
  lookupValue,
  OWN_DICTIONARY_DIR,
  valueName,
  vendorName,
} from '../../../src/radius/dictionary.js';
import { parseDictionary } from '../../../src/radius/dictionary-parser.js';
import { radiusLib } from '../../../src/radius/radius-lib.js';

beforeAll(() => {
  loadDictionaries();
  loadDictionaries();
});

describe('lookupAttribute', () => {
  const cases: [string, object][] = [
    ['User-Name', { type: 1, valueType: 'string' }],
    ['user-password', { name: 'User-Password', type: 2, encrypt: 1 }],
    ['Service-Type', { type: 6, valueType: 'integer' }],
    ['Class', { type: 25, valueType: 'octets' }],
    ['Tunnel-Private-Group-Id', { type: 81, hasTag: true }],
    ['NAS-IPv6-Address', { type: 95, valueType: 'ipv6addr' }],
    ['Message-Authenticator', { type: 80 }],
    ['MS-CHAP2-Success', { type: 26, vendor: 311, vendorType: 26, valueType: 'octets' }],
    ['MS-MPPE-Send-Key', { vendor: 311, vendorType: 16, encrypt: 2 }],
    ['MS-Primary-DNS-Server', { vendor: 311, vendorType: 28, valueType: 'ipaddr' }],
    ['Citrix-User-Groups', { type: 26, vendor: 3845, vendorType: 16, valueType: 'string' }],
    ['Fortinet-Group-Name', { vendor: 12356, vendorType: 1, valueType: 'string' }],
    ['Fortinet-Access-Profile', { vendor: 12356, vendorType: 6 }],
    ['Cisco-AVPair', { vendor: 9, vendorType: 1, valueType: 'string' }],
    ['PaloAlto-Admin-Role', { vendor: 25461, vendorType: 1 }],
    ['PaloAlto-Admin-Access-Domain', { vendor: 25461, vendorType: 2 }],
    ['PaloAlto-Panorama-Admin-Role', { vendor: 25461, vendorType: 3 }],
    ['PaloAlto-Panorama-Admin-Access-Domain', { vendor: 25461, vendorType: 4 }],
    ['PALOALTO-USER-GROUP', { name: 'PaloAlto-User-Group', vendor: 25461, vendorType: 5 }],
  ];
  it.each(cases)('%s', (name, expected) => {
    expect(lookupAttribute(name)).toMatchObject(expected);
  });

  it('unknown names are undefined', () => {
    expect(lookupAttribute('No-Such-Attribute')).toBeUndefined();
    expect(lookupAttribute('')).toBeUndefined();
  });

  it('names by number, with and without vendor', () => {
    expect(attributeName(18)).toBe('Reply-Message');
    expect(attributeName(16, 3845)).toBe('Citrix-User-Groups');
    expect(attributeName(5, 25461)).toBe('PaloAlto-User-Group');
    expect(attributeName(200, 3845)).toBeUndefined();
    expect(attributeInfo(26)?.name).toBe('Vendor-Specific');
    expect(vendorName(311)).toBe('Microsoft');
    expect(vendorName(12356)).toBe('Fortinet');
    expect(vendorName(1)).toBeUndefined();
  });

  it('named integer values (VALUE lines), case-insensitive', () => {
    const st = lookupAttribute('Service-Type')!;
    expect(lookupValue(st, 'Framed-User')).toBe(2);
    expect(lookupValue(st, 'framed-user')).toBe(2);
    expect(lookupValue(st, 'Nope')).toBeUndefined();
    expect(valueName(st, 8)).toBe('Authenticate-Only');
    expect(lookupValue(lookupAttribute('Tunnel-Type')!, 'VLAN')).toBe(13);
    expect(lookupValue(lookupAttribute('MS-MPPE-Encryption-Policy')!, 'Encryption-Required')).toBe(2);
  });
});

describe('our index agrees with the radius package for every attribute', () => {
  it('attr_name_to_id and attr_id_to_name', () => {
    const infos = allAttributeInfos();
    expect(infos.length).toBeGreaterThan(200);
    for (const info of infos) {
      const code = info.vendorType ?? info.type;
      expect(radiusLib.attr_name_to_id(info.name, info.vendor), info.name).toBe(String(code));
      expect(radiusLib.attr_id_to_name(code, info.vendor), info.name).toBe(info.name);
    }
    expect(radiusLib.vendor_name_to_id('PaloAlto')).toBe('25461');
  });

  it('the radius package decodes our vendor attributes by the same names', () => {
    const packet = radius.encode({
      code: 'Access-Accept',
      secret: 'x',
      attributes: [
        ['Vendor-Specific', 3845, [['Citrix-User-Groups', 'admins']]],
        ['Vendor-Specific', 311, [['MS-Primary-DNS-Server', '10.0.0.53']]],
      ],
    });
    const decoded = radius.decode_without_secret({ packet });
    expect(decoded.attributes['Vendor-Specific']).toEqual({
      'Citrix-User-Groups': 'admins',
      'MS-Primary-DNS-Server': '10.0.0.53',
    });
  });
});

describe('our dictionary files', () => {
  const files = readdirSync(OWN_DICTIONARY_DIR).sort();
  const parsed = files.map((f) => parseDictionary(readFileSync(join(OWN_DICTIONARY_DIR, f), 'latin1')));

  it('define one vendor each: Microsoft, Citrix, Fortinet, Cisco, Palo Alto', () => {
    expect(parsed.flatMap((p) => p.vendors).sort((a, b) => a.id - b.id)).toEqual([
      { name: 'Cisco', id: 9 },
      { name: 'Microsoft', id: 311 },
      { name: 'Citrix', id: 3845 },
      { name: 'Fortinet', id: 12356 },
      { name: 'PaloAlto', id: 25461 },
    ]);
  });

  it('every attribute belongs to its file’s vendor, with unique names and numbers', () => {
    const names = new Set<string>();
    for (const p of parsed) {
      const vendor = p.vendors[0]!.id;
      const codes = new Set<number>();
      for (const a of p.attributes) {
        expect(a.vendor, a.name).toBe(vendor);
        expect(names.has(a.name.toLowerCase()), a.name).toBe(false);
        expect(codes.has(a.code), a.name).toBe(false);
        names.add(a.name.toLowerCase());
        codes.add(a.code);
      }
      for (const v of p.values)
        expect(
          p.attributes.some((a) => a.name === v.attribute),
          v.attribute,
        ).toBe(true);
    }
    for (const name of names) expect(lookupAttribute(name)?.vendor).toBeDefined();
  });
});

describe('parseDictionary', () => {
  it('reads the dictionary subset the radius package reads', () => {
    const p = parseDictionary(
      [
        '# comment',
        'VALUE\tColour\tRed\t1   # a value before its attribute',
        'ATTRIBUTE\tColour\t200\tinteger',
        'ATTRIBUTE\tLabel\t201\ttext\thas_tag,encrypt=2',
        'ATTRIBUTE\tWhen\t202\ttime',
        'ATTRIBUTE\tBlob\t203\ttlv',
        'ATTRIBUTE\tHexId\t0x10\tstring',
        'VENDOR\tAcme\t99999',
        'BEGIN-VENDOR\tAcme',
        'ATTRIBUTE\tAcme-Thing\t1\tipaddr',
        'VALUE\tAcme-Thing\tHome\t7',
        'END-VENDOR\tAcme',
        'VENDORATTR\t12\tOther-Thing\t3\tstring',
        '$INCLUDE\tdictionary.more',
      ].join('\n'),
    );
    expect(p.vendors).toEqual([{ name: 'Acme', id: 99999 }]);
    expect(p.attributes).toEqual([
      { name: 'Colour', code: 200, valueType: 'integer', hasTag: false, encrypt: 0 },
      { name: 'Label', code: 201, valueType: 'string', hasTag: true, encrypt: 2 },
      { name: 'When', code: 202, valueType: 'date', hasTag: false, encrypt: 0 },
      { name: 'Blob', code: 203, valueType: 'octets', hasTag: false, encrypt: 0 },
      { name: 'Acme-Thing', code: 1, vendor: 99999, valueType: 'ipaddr', hasTag: false, encrypt: 0 },
      { name: 'Other-Thing', code: 3, vendor: 12, valueType: 'string', hasTag: false, encrypt: 0 },
    ]);
    expect(p.values).toEqual([
      { attribute: 'Colour', name: 'Red', value: 1 },
      { attribute: 'Acme-Thing', vendor: 99999, name: 'Home', value: 7 },
    ]);
    expect(p.includes).toEqual(['dictionary.more']);
  });
});
