/**
 * The one spelling of a number that keycast reads from text (query strings, upload fields, CLI flags): decimal
 * digits with an optional sign, fraction and exponent. JavaScript's Number() also reads "Infinity", "0x10", "0b1"
 * and " 1"; ajv's coercion and a bare Number() let those through (issue 20: `limit=Infinity` reached the database).
 */
const INTEGER_SPELLING = /^-?[0-9]+$/;
const NUMBER_SPELLING = /^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

/** Whether `s` is a finite decimal number (an integer's digits only, with `integer`). */
export function isDecimalSpelling(s: string, integer = false): boolean {
  return (integer ? INTEGER_SPELLING : NUMBER_SPELLING).test(s) && Number.isFinite(Number(s));
}
