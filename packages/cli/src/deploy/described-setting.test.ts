import { describeParam, param, type JsonValue } from '@vision-flow/core';
import { describe, expect, it } from 'vitest';
import { describedSetting } from './described-setting.js';

interface Case {
  setting: JsonValue;
  params: { [name: string]: JsonValue };
  value: JsonValue;
}

describe('describedSetting', () => {
  it.each<Case>([
    { setting: describeParam(param('ingestPort', { default: 8088 })), params: {}, value: 8088 },
    { setting: describeParam(param('ingestPort', { default: 8088 })), params: { ingestPort: 9000 }, value: 9000 },
    { setting: describeParam(param('host', { default: '127.0.0.1' })), params: {}, value: '127.0.0.1' },
    { setting: describeParam(param<string | null>('quota', { default: null })), params: {}, value: null },
    { setting: 8090, params: { port: 1 }, value: 8090 },
    { setting: 'plain text', params: {}, value: 'plain text' },
  ])('reads $setting as $value', ({ setting, params, value }) => {
    expect(describedSetting(setting, params)).toEqual(value);
  });

  it('names the parameter to pass when it has no default', () => {
    expect(() => describedSetting(describeParam(param('ingestSecret')), {})).toThrow(/pass --set ingestSecret=<value>/);
  });
});
