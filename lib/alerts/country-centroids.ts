// Approximate geographic centres (latitude, longitude in degrees) of the countries that most
// sign-ins come from, keyed by ISO 3166-1 alpha-2 code. Rounded to whole degrees: the alert
// compares distances of thousands of kilometres, so a few hundred kilometres of error do not matter.
// NOTE: a country missing here is left out of the distance rule; the country-count rule still counts it.
const centroids: Record<string, [number, number]> = {
  AE: [24, 54], AR: [-34, -64], AT: [47, 14], AU: [-25, 134], BD: [24, 90], BE: [51, 4],
  BG: [43, 25], BR: [-10, -53], CA: [60, -96], CH: [47, 8], CL: [-30, -71], CN: [35, 103],
  CO: [4, -73], CZ: [50, 15], DE: [51, 10], DK: [56, 10], DZ: [28, 3], EG: [27, 30],
  ES: [40, -4], FI: [64, 26], FR: [46, 2], GB: [54, -2], GR: [39, 22], HK: [22, 114],
  HU: [47, 19], ID: [-2, 118], IE: [53, -8], IL: [31, 35], IN: [21, 78], IR: [32, 53],
  IS: [65, -18], IT: [43, 12], JP: [36, 138], KE: [0, 38], KR: [36, 128], KZ: [48, 68],
  MA: [32, -6], MX: [23, -102], MY: [4, 109], NG: [10, 8], NL: [52, 5], NO: [62, 10],
  NZ: [-41, 174], PE: [-10, -76], PH: [13, 122], PK: [30, 70], PL: [52, 19], PT: [39, -8],
  RO: [46, 25], RS: [44, 21], RU: [60, 100], SA: [24, 45], SE: [62, 15], SG: [1, 104],
  TH: [15, 101], TR: [39, 35], TW: [24, 121], UA: [49, 32], US: [39, -98], VN: [16, 106],
  ZA: [-29, 24],
};

const earthRadiusKm = 6371;

/** Returns the great-circle distance in kilometres between two countries' centres, or null when either is unknown. */
export function distanceBetweenCountriesKm(first: string, second: string): number | null {
  const a = centroids[first];
  const b = centroids[second];
  if (!a || !b) return null;

  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(b[0] - a[0]);
  const dLon = radians(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a[0])) * Math.cos(radians(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(h)));
}
