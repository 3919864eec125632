/* The one place that talks to the network: JSON requests to the comments API; failures carry the API's
   stable error code, its fields' codes and, for a 429, how long to wait. */

export class ApiError extends Error {
  constructor(status, error = {}, retryAfter = 0) {
    super(error.message || "HTTP " + status);
    Object.assign(this, { status, code: error.code || "", fields: error.fields || {}, retryAfter, network: !status });
  }
}

// request(method, path, { body, token, key, voter, headers }) against base + "api/v1/"; revalidate() says whether reads must
// skip the browser cache (right after the reader's own write, so that a cached page cannot hide it).
export function createApi(base, revalidate) {
  return async (method, path, { body, token, key, voter, headers = {} } = {}) => {
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    if (key) headers["Idempotency-Key"] = key;
    if (voter) headers["X-Commentsvc-Identity"] = voter;
    let response;
    try {
      response = await fetch(base + "api/v1/" + path, { method, headers, credentials: "omit",
        cache: revalidate && revalidate() ? "no-cache" : "default", body: body && JSON.stringify(body) });
    } catch {
      throw new ApiError(0);
    }
    // An empty body or a proxy's HTML error page reads as no data.
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data?.error, parseInt(response.headers.get("Retry-After"), 10) || 0);
    return data;
  };
}

export const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== "")).toString();
