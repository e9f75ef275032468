/**
 * SNS signing certificates by URL, fetched once and kept: SNS signs with few certificates and
 * rotates them rarely, so every notification after the first is verified without a request.
 * A failed fetch is not kept (the next message tries again); the cache is bounded.
 */
export interface SnsCertificates {
  get(url: string): Promise<string>;
}

const MAX_CERTIFICATES = 32;

export function createSnsCertificates(fetchText: (url: string) => Promise<string>): SnsCertificates {
  const cache = new Map<string, Promise<string>>();
  return {
    get(url) {
      const known = cache.get(url);
      if (known) return known;
      const fetched = fetchText(url).then((pem) => {
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${url} is not a PEM certificate`);
        return pem;
      });
      if (cache.size >= MAX_CERTIFICATES) cache.delete(cache.keys().next().value!);
      cache.set(url, fetched);
      fetched.catch(() => cache.delete(url));
      return fetched;
    },
  };
}
