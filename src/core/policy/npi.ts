/**
 * @module core/policy/npi
 * National Provider Identifier check (45 CFR 162.406): ten digits whose last is a Luhn check digit
 * computed over the prefix 80840 and the first nine digits (CMS, "Requirements for NPI Check Digit").
 */
export function isValidNpi(npi: string): boolean {
  if (!/^[12]\d{9}$/.test(npi)) return false;
  const digits = `80840${npi.slice(0, 9)}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Luhn: from the right of the payload (the check digit excluded), every other digit doubled.
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === Number(npi[9]);
}
