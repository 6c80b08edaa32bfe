import type { SWRConfiguration } from "swr";

import { ApiError } from "./fetcher";

export const DASHBOARD_REFRESH_MS = 30_000;
const maxErrorRetries = 3;

function sendToSignIn() {
  const back = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/login?callbackUrl=${encodeURIComponent(back)}`);
}

/**
 * Shared SWR behaviour of the dashboards: refresh every 30 seconds, keep the last good data on an
 * error, retry other errors three times with backoff and then at the refresh interval, and send
 * 401/403 to the sign-in page without retrying.
 */
export const dashboardOptions: SWRConfiguration = {
  refreshInterval: DASHBOARD_REFRESH_MS,
  revalidateOnFocus: true,
  keepPreviousData: true,
  onError(error) {
    if (error instanceof ApiError && error.needsSignIn) {
      sendToSignIn();
    }
  },
  onErrorRetry(error, _key, _config, revalidate, { retryCount }) {
    if (error instanceof ApiError && error.needsSignIn) return;

    // SWR pauses refreshInterval while the last attempt failed, so the retries are the polling:
    // quick at first, then at the normal pace until a request succeeds again.
    const delay = retryCount > maxErrorRetries ? DASHBOARD_REFRESH_MS : 1000 * 2 ** retryCount;
    setTimeout(() => void revalidate({ retryCount }), delay);
  },
};
